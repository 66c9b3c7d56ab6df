import json
import os
from pathlib import Path

import numpy as np
import pytest

from index.articles import load_articles
from index.cast import embedded_texts
from index.errors import CitebotError
from index.manifest import Manifest
from index.store import IndexUnavailable, SentenceIndex, build_index, open_index
from tests.conftest import ARTICLE
from tests.fakes import FakeEmbedder


@pytest.fixture
def articles():
    return load_articles([ARTICLE])


def test_build_then_reuse_without_reembedding(tmp_path: Path, articles) -> None:
    emb = FakeEmbedder()
    path = tmp_path / "idx"
    built = open_index(path, articles, emb)
    assert len(built) == 10 and emb.documents_embedded == 10
    again = open_index(path, articles, emb)
    assert emb.documents_embedded == 10  # reused, not rebuilt
    assert [s.id for s in again.sentences] == [s.id for s in built.sentences]
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["spec"]["model_id"] == "fake-bow"
    assert manifest["dimension"] == 4096
    assert manifest["spec"]["splitter_version"]
    assert manifest["spec"]["document_prompt"] == "d: "
    assert manifest["sources"][0]["sentences"] == 10


def test_search_finds_the_sentence(tmp_path: Path, articles) -> None:
    emb = FakeEmbedder()
    index = build_index(tmp_path / "idx", articles, emb)
    hits = index.search(emb.embed_query("soldats américains civil mort"), 3)
    assert hits[0].sentence.id == "palmyre.fr:7"
    assert [h.rank for h in hits] == [1, 2, 3]
    assert hits[0].score >= hits[1].score >= hits[2].score


@pytest.mark.parametrize("change", ["model", "article", "prompt"])
def test_mismatch_refused_or_rebuilt(tmp_path: Path, articles, change: str) -> None:
    path = tmp_path / "idx"
    build_index(path, articles, FakeEmbedder())
    emb = FakeEmbedder(model_id="other-model") if change == "model" else FakeEmbedder()
    if change == "prompt":
        emb.query_prompt = "query: "
    arts = articles
    if change == "article":
        a = articles[0]
        arts = [type(a)(a.id, a.title, a.lang, a.text + "\nUne phrase de plus.", a.source)]
    with pytest.raises(IndexUnavailable, match="does not fit|articles changed"):
        open_index(path, arts, emb, rebuild=False)
    rebuilt = open_index(path, arts, emb, rebuild=True)
    assert rebuilt.manifest.mismatch(rebuilt.manifest.spec) is None
    assert Manifest.read(path / "manifest.json").spec.model_id == emb.model_id


def test_dimension_mismatch_rebuilds(tmp_path: Path, articles) -> None:
    path = tmp_path / "idx"
    build_index(path, articles, FakeEmbedder(dim=256))
    with pytest.raises(IndexUnavailable, match="dimension"):
        open_index(path, articles, FakeEmbedder(dim=128), rebuild=False)


def test_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexUnavailable, match="No index"):
        SentenceIndex.load(tmp_path / "nothing")


@pytest.mark.parametrize("victim", ["index.faiss", "sentences.jsonl", "manifest.json"])
def test_truncated_files_are_detected(tmp_path: Path, articles, victim: str) -> None:
    path = tmp_path / "idx"
    build_index(path, articles, FakeEmbedder())
    target = path / victim
    data = target.read_bytes()
    target.write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexUnavailable, match="corrupt|No index"):
        SentenceIndex.load(path)
    # …and the normal path rebuilds instead of answering from a broken index.
    assert len(open_index(path, articles, FakeEmbedder())) == 10


class _Exploding(FakeEmbedder):
    def embed_documents(self, texts, progress=None):
        raise KeyboardInterrupt  # a build killed halfway


def test_interrupted_build_keeps_previous_index(tmp_path: Path, articles) -> None:
    path = tmp_path / "idx"
    build_index(path, articles, FakeEmbedder())
    with pytest.raises(KeyboardInterrupt):
        # Another model: the same one would reuse every vector and embed nothing.
        build_index(path, articles, _Exploding(model_id="other"))
    assert len(SentenceIndex.load(path)) == 10
    builds = list((tmp_path / "idx.builds").iterdir())
    assert len(builds) == 1


def test_files_are_private_and_not_pickled(tmp_path: Path, articles) -> None:
    path = tmp_path / "idx"
    build_index(path, articles, FakeEmbedder())
    for f in path.iterdir():
        assert (f.stat().st_mode & 0o777) == 0o600
        assert not f.read_bytes().startswith(b"\x80")  # pickle protocol header


def test_empty_articles_refused(tmp_path: Path) -> None:
    a = load_articles([ARTICLE])[0]
    empty = [type(a)("x", "x", "fr", "   ", "x")]
    with pytest.raises(CitebotError, match="no sentences"):
        build_index(tmp_path / "idx", empty, FakeEmbedder())


def test_vectors_roundtrip(tmp_path: Path, articles) -> None:
    emb = FakeEmbedder()
    index = build_index(tmp_path / "idx", articles, emb)
    # (Sentence 4 names al-Shaibani, introduced in 3: embedded after who he is.)
    q = emb.embed_query(embedded_texts(index.sentences)[3])
    assert index.search(q, 1)[0].sentence.id == index.sentences[3].id
    assert np.isclose(index.search(q, 1)[0].score, 1.0, atol=1e-5)
    assert os.path.islink(tmp_path / "idx")


# -- incremental and resumable builds ----------------------------------------------------


def _second_article(tmp_path: Path):
    extra = tmp_path / "extra.fr.txt"
    extra.write_text("Le musée de Palmyre rouvre ses portes au public. "
                     "Les visiteurs découvrent des statues restaurées.\n", encoding="utf-8")
    return load_articles([extra])


def test_adding_an_article_embeds_only_its_sentences(tmp_path: Path, articles) -> None:
    path = tmp_path / "idx"
    emb = FakeEmbedder()
    first = build_index(path, articles, emb)
    before = {s.id: v for s, v in zip(first.sentences, first.vectors(
        [s.id for s in first.sentences]), strict=True)}
    assert emb.documents_embedded == 10
    grown = open_index(path, [*articles, *_second_article(tmp_path)], emb)
    assert emb.documents_embedded == 12  # the two new sentences only
    assert (grown.manifest.embedded, grown.manifest.reused) == (2, 10)
    assert len(grown) == 12
    for sid, vec in before.items():
        assert np.array_equal(grown.vectors([sid])[0], vec)
    assert grown.search(emb.embed_query("statues restaurées visiteurs"), 1)[0].sentence.id == (
        "extra.fr:2")


def test_another_variant_embeds_everything_again(tmp_path: Path, articles) -> None:
    path = tmp_path / "idx"
    build_index(path, articles, FakeEmbedder())
    other = FakeEmbedder()
    other.variant = "onnx-int8"  # type: ignore[attr-defined]
    with pytest.raises(IndexUnavailable, match="embedding backend"):
        open_index(path, articles, other, rebuild=False)
    rebuilt = open_index(path, articles, other)
    assert other.documents_embedded == 10 and rebuilt.manifest.spec.variant == "onnx-int8"


def test_repeated_sentences_are_embedded_once(tmp_path: Path) -> None:
    a = load_articles([ARTICLE])[0]
    twins = [type(a)(f"copy{i}", "t", "fr", a.text, "x") for i in range(3)]
    emb = FakeEmbedder()
    seen: list[tuple[int, int]] = []
    index = build_index(tmp_path / "idx", twins, emb, lambda d, t: seen.append((d, t)),
                        batch_size=4)
    assert len(index) == 30 and emb.documents_embedded == 10
    assert seen[0] == (0, 30) and seen[-1] == (30, 30)  # reused and repeated ones count
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


class _CrashesAfter(FakeEmbedder):
    """Embeds ``batches`` batches, then dies as a killed process would."""

    def __init__(self, batches: int) -> None:
        super().__init__()
        self.left = batches

    def embed_documents(self, texts, progress=None):
        if self.left == 0:
            raise KeyboardInterrupt
        self.left -= 1
        return super().embed_documents(texts, progress)


def test_interrupted_build_resumes_from_its_checkpoint(tmp_path: Path, articles) -> None:
    path = tmp_path / "idx"
    with pytest.raises(KeyboardInterrupt):
        build_index(path, articles, _CrashesAfter(batches=2), batch_size=3)
    assert not path.exists()  # nothing half-built is ever used…
    assert len(list((tmp_path / "idx.checkpoint").glob("*.npy"))) == 2  # …but 6 are saved
    emb = FakeEmbedder()
    resumed = build_index(path, articles, emb, batch_size=3)
    assert emb.documents_embedded == 4  # 10 sentences, 6 already embedded
    assert (resumed.manifest.embedded, resumed.manifest.reused) == (4, 6)
    assert not (tmp_path / "idx.checkpoint").exists()  # cleared once the build is in place
    clean = build_index(tmp_path / "clean", articles, FakeEmbedder())
    ids = [s.id for s in clean.sentences]
    assert [s.id for s in resumed.sentences] == ids
    assert np.allclose(resumed.vectors(ids), clean.vectors(ids))


def test_damaged_checkpoint_batch_is_embedded_again(tmp_path: Path, articles) -> None:
    path = tmp_path / "idx"
    with pytest.raises(KeyboardInterrupt):
        build_index(path, articles, _CrashesAfter(batches=2), batch_size=3)
    victim = sorted((tmp_path / "idx.checkpoint").glob("*.npy"))[0]
    victim.write_bytes(victim.read_bytes()[:40])
    emb = FakeEmbedder()
    build_index(path, articles, emb, batch_size=3)
    assert emb.documents_embedded == 7


def test_checkpoint_of_another_model_is_not_used(tmp_path: Path, articles) -> None:
    path = tmp_path / "idx"
    with pytest.raises(KeyboardInterrupt):
        build_index(path, articles, _CrashesAfter(batches=2), batch_size=3)
    emb = FakeEmbedder(model_id="other-model")
    build_index(path, articles, emb, batch_size=3)
    assert emb.documents_embedded == 10


def test_hnsw_index_finds_what_flat_finds_and_a_kind_change_rebuilds(tmp_path: Path) -> None:
    articles = load_articles([ARTICLE])
    embedder = FakeEmbedder()
    flat = build_index(tmp_path / "flat", articles, embedder)
    hnsw = build_index(tmp_path / "hnsw", articles, embedder, kind="hnsw")
    assert hnsw.manifest.faiss_index == "IndexHNSWFlat" and hnsw.manifest.spec.index_kind == "hnsw"
    query = embedder.embed_query("soldats américains morts embuscade Palmyre")
    assert [h.sentence.id for h in hnsw.search(query, 3)] == [
        h.sentence.id for h in flat.search(query, 3)]
    reopened = open_index(tmp_path / "flat", articles, embedder, kind="hnsw")
    assert reopened.manifest.spec.index_kind == "hnsw"  # rebuilt for the new setting
    with pytest.raises(CitebotError, match="search index"):
        open_index(tmp_path / "flat", articles, embedder, rebuild=False, kind="flat")


def _titled(arts, title: str):
    return [type(a)(a.id, title, a.lang, a.text, a.source) for a in arts]


def test_titles_are_embedded_and_a_new_title_re_embeds(tmp_path: Path, articles) -> None:
    (tmp_path / "recit-alpin.txt").write_text("Une autre histoire. Elle parle de montagnes.")
    other = load_articles([tmp_path / "recit-alpin.txt"])
    emb = FakeEmbedder(document_prompt="title: {title} | ")
    path = tmp_path / "idx"
    built = open_index(path, [*articles, *other], emb, titles_from=1)
    assert built.manifest.spec.document_prompt == "title: {title} | "
    assert emb.documents_embedded == 12
    assert (built.title_of(other[0].id), built.title_of(articles[0].id)) == (
        "recit alpin", "palmyre")
    # A word of the title alone, in no sentence, finds the titled article.
    hit = built.search(emb.embed_query("alpin"), 1)[0]
    assert hit.sentence.doc_id == other[0].id and hit.score > 0.3
    before = built.search(emb.embed_query("chroniques"), 1)[0].score
    renamed = [*_titled(articles, "Chroniques désertiques"), *other]
    again = open_index(path, renamed, emb, titles_from=1)
    # Only the renamed article's sentences are embedded again, with their new title.
    assert emb.documents_embedded == 12 + 10
    hit = again.search(emb.embed_query("chroniques"), 1)[0]
    assert hit.sentence.doc_id == articles[0].id and hit.score > before + 0.1


def test_a_placeholder_title_is_embedded_as_none(tmp_path: Path) -> None:
    (tmp_path / "feed.jsonl").write_text('{"text": "Une histoire de montagnes."}\n')
    art = load_articles([tmp_path / "feed.jsonl"])
    assert art[0].title == art[0].id  # the loader's placeholder
    emb = FakeEmbedder(document_prompt="title: {title} | ")
    index = open_index(tmp_path / "idx", art, emb, titles_from=1)
    assert index.title_of(art[0].id) == ""
    assert np.allclose(index.vectors([index.sentences[0].id]),
                       emb.embed_documents([index.sentences[0].text], titles=[""]))
    untitled = open_index(tmp_path / "plain", art, emb)  # titles_from defaults to never
    assert untitled.title_of(art[0].id) is None
    assert untitled.manifest.spec.document_prompt == "title: none | "


def test_titles_only_from_enough_articles(tmp_path: Path, articles) -> None:
    emb = FakeEmbedder(document_prompt="title: {title} | ")
    renamed = _titled(articles, "Chroniques désertiques")
    one = open_index(tmp_path / "idx", renamed, emb, titles_from=2)
    assert one.manifest.spec.document_prompt == "title: none | "
    assert one.search(emb.embed_query("chroniques"), 1)[0].score < 0.3
    # The same article among enough others: now its title is in its vectors.
    (tmp_path / "autre.txt").write_text("Une autre histoire. Elle parle de montagnes.")
    two = open_index(tmp_path / "idx", [*renamed, *load_articles([tmp_path / "autre.txt"])],
                     emb, titles_from=2)
    assert two.manifest.spec.document_prompt == "title: {title} | "
    assert two.search(emb.embed_query("chroniques"), 1)[0].score > 0.3


def test_an_index_embedded_without_context_is_rebuilt_reusing_the_unchanged(
        tmp_path: Path, articles) -> None:
    # An index from before sentences were embedded with who they name (no cast version
    # in its manifest): refused as built otherwise; rebuilt, only the sentences that
    # name someone introduced earlier are embedded again.
    path = tmp_path / "idx"
    build_index(path, articles, FakeEmbedder())
    manifest = json.loads((path / "manifest.json").read_text())
    del manifest["spec"]["cast_version"]
    (path / "manifest.json").write_text(json.dumps(manifest))
    old = SentenceIndex.load(path)
    with pytest.raises(IndexUnavailable, match="sentence context version"):
        open_index(path, articles, FakeEmbedder(), rebuild=False)
    emb = FakeEmbedder()
    rebuilt = open_index(path, articles, emb, rebuild=True)
    changed = [t for s, t in zip(old.sentences, embedded_texts(old.sentences), strict=True)
               if t != s.text]
    assert emb.documents_embedded == len(changed) == 3
    assert np.isclose(rebuilt.search(emb.embed_query(changed[0]), 1)[0].score, 1.0, atol=1e-5)
