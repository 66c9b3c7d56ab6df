"""BM25, reciprocal rank fusion and the hybrid retriever, with the fake embedder."""

from pathlib import Path

import numpy as np
import pytest

from bench.baselines.systems import ExcludingRetriever
from bot.settings import Settings
from index.fusion import reciprocal_rank_fusion
from index.lexical import LexicalIndex, Tokenizer
from index.retriever import Retriever, make_retriever
from index.store import build_index
from index.types import Article
from tests.fakes import FakeEmbedder

ARTICLES = [
    Article("a", "A", "fr", "Les soldats ont été blessés près de Palmyre.\n\n"
            "Le ministre a démissionné mardi.", "a"),
    Article("b", "B", "fr", "La construction du barrage a commencé en 1970. "
            "Le barrage produit de l'électricité.", "b"),
    Article("c", "C", "fr", "Les élections municipales auront lieu en mars.", "c"),
]


def test_tokenizer_stems_drops_stop_words_and_elisions() -> None:
    tok = Tokenizer()
    assert tok("L'armée et les armées") == tok("armée armées")
    assert tok("construite") == tok("construites")
    assert "le" not in tok("le barrage") and "the" not in tok("the dam")


def test_bm25_ranks_the_sentence_sharing_rare_words_first() -> None:
    texts = ["Le barrage a été construit en 1970.", "Le ministre a démissionné.",
             "Les barrages produisent de l'électricité."]
    lex = LexicalIndex(texts)
    assert lex.top("Quand le barrage fut-il construit ?", 3)[0] == 0
    assert lex.top("démission du ministre", 3)[0] == 1
    # Nothing shared, nothing returned: BM25 has no other notion of "not found".
    assert lex.top("zzz qqq", 3) == []
    assert lex.scores("").shape == (3,)


def test_rrf_rewards_agreement_and_keeps_first_seen_order_on_ties() -> None:
    fused = reciprocal_rank_fusion([["x", "y", "z"], ["y", "w"]])
    assert [k for k, _ in fused][:2] == ["y", "x"]
    assert [k for k, _ in reciprocal_rank_fusion([["p"], ["q"]])] == ["p", "q"]
    weighted = reciprocal_rank_fusion([["p"], ["q"]], weights=[1.0, 2.0])
    assert weighted[0][0] == "q"


def test_hybrid_keeps_cosine_scores_and_finds_lexical_only_matches(tmp_path: Path) -> None:
    emb = FakeEmbedder()
    index = build_index(tmp_path / "idx", ARTICLES, emb)
    hybrid = make_retriever(index, emb, "hybrid")
    dense = make_retriever(index, emb, "dense")
    assert hybrid.mode == "hybrid" and dense.mode == "dense"
    hits = hybrid.search("barrage construction", 3)
    assert hits[0].sentence.doc_id == "b"
    assert [h.rank for h in hits] == [1, 2, 3]
    for h in hits:  # scores stay cosine similarities, what the thresholds were fitted on
        cos = float(index.vectors([h.sentence.id])[0] @ emb.embed_query("barrage construction"))
        assert abs(h.score - cos) < 1e-5


def test_leaving_an_article_out_equals_an_index_without_it(tmp_path: Path) -> None:
    """The benchmark's unanswerable variants filter at search time; for exact dense search
    that must give exactly what an index built without the article gives."""
    emb = FakeEmbedder()
    full = build_index(tmp_path / "full", ARTICLES, emb)
    without = build_index(tmp_path / "without", [a for a in ARTICLES if a.id != "b"], emb)
    excluding = ExcludingRetriever(full, emb)
    excluding.exclude = "b"
    smaller = Retriever(without, emb)
    for query in ["barrage électricité", "soldats blessés", "élections en mars"]:
        got = excluding.search(query, 3)
        want = smaller.search(query, 3)
        assert [h.sentence.id for h in got] == [h.sentence.id for h in want]
        assert np.allclose([h.score for h in got], [h.score for h in want])
        assert all(h.sentence.doc_id != "b" for h in excluding.last_ranked)


def test_the_retrieval_setting_reaches_the_product(settings: Settings) -> None:
    from bot.app import create_citebot
    from tests.fakes import FakeDetector

    for mode, lexical in (("dense", False), ("hybrid", True)):
        s = settings.model_copy(update={"retrieval": mode, "llm": "none"})
        bot = create_citebot(s, embedder=FakeEmbedder(), detector=FakeDetector(), chat_model=None)
        assert (bot.qa.retriever.lexical is not None) is lexical


def test_several_queries_rank_by_their_mean_and_keep_the_first_ones_score(
        tmp_path: Path) -> None:
    emb = FakeEmbedder()
    retriever = Retriever(build_index(tmp_path / "idx", ARTICLES, emb), emb)
    joined = "Les soldats blessés près de Palmyre, puis le ministre a-t-il démissionné ?"
    alone = "Le ministre a-t-il démissionné mardi ?"
    # Joined, the earlier question's words can win; averaged with the follow-up alone,
    # the sentence the follow-up asks about comes first.
    assert retriever.search(joined, 1)[0].sentence.text.startswith("Les soldats")
    hits = retriever.search([joined, alone], 3)
    assert hits[0].sentence.text == "Le ministre a démissionné mardi."
    vecs = [emb.embed_query(q) for q in (joined, alone)]
    for h in hits:
        own = float(retriever.index.vectors([h.sentence.id])[0] @ vecs[0])
        mean = np.mean(vecs, axis=0)
        mean_score = float(retriever.index.vectors([h.sentence.id])[0] @ (
            mean / np.linalg.norm(mean)))
        assert h.score == pytest.approx(max(own, mean_score), abs=1e-5)
    assert retriever.search([joined], 3) == retriever.search(joined, 3)
