"""A sentence index on disk: FAISS vectors, sentences as JSONL, a JSON manifest.

Layout under ``<indexes>/<name>``, a symlink to one build folder::

    manifest.json   how it was built (model, dimension, prompts, splitter, sources)
    sentences.jsonl one sentence per line, in FAISS row order
    index.faiss     faiss.write_index output (no pickle anywhere)

A build writes a new folder and then swaps the symlink with one atomic rename, so a
build killed halfway leaves the previous index in use. Builds stream, reuse the vectors
of unchanged sentences and resume after an interruption: see ``index.reuse``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from index.articles import content_hash
from index.cast import CAST_VERSION, embedded_texts, in_context
from index.embedder import TITLE_FIELD, Embedder, titled, variant_of
from index.errors import CitebotError
from index.manifest import IndexSpec, Manifest, SourceInfo
from index.reuse import Checkpoint, EmbeddingKey, PreviousVectors, text_digest
from index.splitter import SPLITTER_VERSION, sentences_of
from index.types import Article, Hit, Sentence

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
SENTENCES = "sentences.jsonl"
VECTORS = "index.faiss"
BUILD_BATCH = 256  # sentences embedded, checkpointed and written at a time


class IndexUnavailable(CitebotError):
    """The index is missing, corrupt, or was built from something else."""


# Exact search stays within the 50 ms retrieval budget up to ~100k sentences; past
# that, HNSW (M=32, efSearch 128) found the true neighbour first 95% of the time at
# 100k in ~2 ms (bench/scale.py).
INDEX_KINDS = ("flat", "hnsw")
FAISS_NAMES = {"flat": "IndexFlatIP", "hnsw": "IndexHNSWFlat"}


def _new_faiss(kind: str, dimension: int) -> Any:
    import faiss

    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dimension, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 128  # written with the index, so loading keeps it
        return index
    if kind != "flat":
        raise CitebotError(f"Unknown index kind {kind!r}; choose one of {INDEX_KINDS}.")
    return faiss.IndexFlatIP(dimension)


def document_prompt_for(embedder: Embedder, articles: int, titles_from: int = 0) -> str:
    """The document prompt an index of ``articles`` articles is embedded with.

    Titles are embedded only from ``titles_from`` articles up (0: never): they tell
    articles apart, but within one article they blur a near miss with its answer.
    """
    prompt = embedder.document_prompt
    if TITLE_FIELD in prompt and not (titles_from and articles >= titles_from):
        return titled(prompt, None)
    return prompt


def spec_for(articles: Sequence[Article], embedder: Embedder, kind: str = "flat",
             titles_from: int = 0) -> IndexSpec:
    return IndexSpec(
        model_id=embedder.model_id,
        query_prompt=embedder.query_prompt,
        document_prompt=document_prompt_for(embedder, len(articles), titles_from),
        splitter_version=SPLITTER_VERSION,
        content_hash=content_hash(articles),
        variant=variant_of(embedder),
        index_kind=kind,
        cast_version=CAST_VERSION,
    )


def _file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class SentenceIndex:
    """Sentences and their vectors, searchable by cosine similarity."""

    def __init__(self, manifest: Manifest, sentences: list[Sentence], vectors: object) -> None:
        self.manifest = manifest
        self.sentences = sentences
        self._faiss = vectors
        self._by_id = {s.id: s for s in sentences}
        self._row = {s.id: row for row, s in enumerate(sentences)}
        self._titles = {src.id: embedded_title(src.id, src.title) for src in manifest.sources}

    def __len__(self) -> int:
        return len(self.sentences)

    def get(self, sentence_id: str) -> Sentence | None:
        return self._by_id.get(sentence_id)

    def title_of(self, doc_id: str) -> str | None:
        """The title the article's sentences were embedded with; None when untitled."""
        if TITLE_FIELD not in self.manifest.spec.document_prompt:
            return None
        return self._titles.get(doc_id, "")

    def vectors(self, sentence_ids: Sequence[str]) -> np.ndarray:
        """The stored embeddings of these sentences, in order."""
        rows = [self._row[i] for i in sentence_ids]
        return np.stack([self._faiss.reconstruct(r) for r in rows])  # type: ignore[attr-defined]

    def search(self, query: np.ndarray, k: int) -> list[Hit]:
        k = min(k, len(self.sentences))
        if k <= 0:
            return []
        q = np.asarray(query, dtype=np.float32).reshape(1, -1)
        scores, rows = self._faiss.search(q, k)  # type: ignore[attr-defined]
        return [
            Hit(self.sentences[int(r)], float(s), rank)
            for rank, (s, r) in enumerate(zip(scores[0], rows[0], strict=True), start=1)
            if r >= 0
        ]

    @classmethod
    def load(cls, path: Path) -> SentenceIndex:
        """Load and check a built index; raise ``IndexUnavailable`` on anything wrong."""
        import faiss

        if not (path / MANIFEST).is_file():
            raise IndexUnavailable(f"No index at {path}. Run `citebot index build`.")
        try:
            manifest = Manifest.read(path / MANIFEST)
            for name, digest in manifest.files.items():
                if _file_sha(path / name) != digest:
                    raise ValueError(f"{name} does not match its recorded sha256")
            sentences = [
                Sentence(**json.loads(line))
                for line in (path / SENTENCES).read_text(encoding="utf-8").splitlines()
            ]
            vectors = faiss.read_index(str(path / VECTORS))
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as e:
            raise IndexUnavailable(
                f"The index at {path} is corrupt ({e}). Rebuild it with `citebot index build`."
            ) from e
        if not (len(sentences) == vectors.ntotal == manifest.count):
            raise IndexUnavailable(f"The index at {path} is inconsistent; rebuild it.")
        if vectors.d != manifest.dimension:
            raise IndexUnavailable(f"The index at {path} has the wrong dimension; rebuild it.")
        return cls(manifest, sentences, vectors)


class _Writer:
    """A build folder being written as the sentences stream in, batch by batch."""

    def __init__(self, folder: Path, dimension: int, kind: str = "flat") -> None:
        self.folder = folder
        self.index = _new_faiss(kind, dimension)
        self.sentences = (folder / SENTENCES).open("w", encoding="utf-8")

    def add(self, sentences: Sequence[Sentence], vectors: np.ndarray) -> None:
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        for s in sentences:
            self.sentences.write(json.dumps(asdict(s), ensure_ascii=False) + "\n")

    def finish(self, manifest: Manifest) -> None:
        import faiss

        self.sentences.close()
        faiss.write_index(self.index, str(self.folder / VECTORS))
        manifest.files = {name: _file_sha(self.folder / name) for name in (VECTORS, SENTENCES)}
        (self.folder / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
        for name in (VECTORS, SENTENCES, MANIFEST):
            os.chmod(self.folder / name, 0o600)


def _swap_in(link: Path, build: Path) -> None:
    """Point ``link`` at ``build`` atomically, then drop older builds."""
    tmp_link = link.with_name(f".{link.name}.{os.getpid()}.link")
    tmp_link.unlink(missing_ok=True)
    tmp_link.symlink_to(os.path.relpath(build, link.parent))
    if link.exists() and not link.is_symlink():
        shutil.rmtree(link)  # a plain folder from an older layout
    os.replace(tmp_link, link)
    for old in build.parent.iterdir():
        if old != build:
            shutil.rmtree(old, ignore_errors=True)


def _previous_vectors(path: Path, key: EmbeddingKey) -> PreviousVectors | None:
    """The index at ``path`` as a source of vectors, if it was embedded like ``key``."""
    try:
        old = SentenceIndex.load(path)
    except IndexUnavailable:
        return None
    spec = old.manifest.spec
    old_key = EmbeddingKey(spec.model_id, spec.document_prompt, spec.variant,
                           old.manifest.dimension)
    if old_key != key:
        return None
    # Embedded like ``key``: titled exactly when the new build is; each sentence with
    # the context it was embedded with, if that was this version's.
    texts = embedded_texts(old.sentences) if old.manifest.spec.cast_version == CAST_VERSION \
        else [s.text for s in old.sentences]
    return PreviousVectors([text_digest(t, old.title_of(s.doc_id))
                            for s, t in zip(old.sentences, texts, strict=True)], old._faiss)


def embedded_title(doc_id: str, title: str) -> str:
    """The title a sentence is embedded with: none for a placeholder that only repeats
    the article's id (a JSONL line without a title)."""
    return "" if title == doc_id else title


def titled_key(key: EmbeddingKey) -> bool:
    return TITLE_FIELD in key.document_prompt


def _digest(sentence: Sentence, text: str, titles: dict[str, str] | None) -> bytes:
    return text_digest(text, None if titles is None else titles.get(sentence.doc_id, ""))


def _split(articles: Iterable[Article]) -> Iterator[tuple[Sentence, str]]:
    """Each sentence, with the text it is embedded as (``index/cast.py``)."""
    for art in articles:
        sentences = list(sentences_of(art.id, art.text))
        yield from zip(sentences, in_context(sentences), strict=True)


@contextmanager
def _disk_errors() -> Iterator[None]:
    """A failed write (a full disk, a file size limit) as an error the user can act on."""
    try:
        yield
    except (OSError, RuntimeError) as e:  # faiss reports failed writes as RuntimeError
        raise CitebotError(
            f"Could not write the index ({e}). Is the disk full? The previous index, if "
            "any, is still in use."
        ) from e


def build_index(
    path: Path,
    articles: Sequence[Article],
    embedder: Embedder,
    progress: Callable[[int, int], None] | None = None,
    *,
    batch_size: int = BUILD_BATCH,
    kind: str = "flat",
    titles_from: int = 0,
) -> SentenceIndex:
    """Split, embed and write ``articles`` as the index at ``path`` (atomically).

    ``titles_from``: embed each sentence with its article's title (for a document prompt
    with a title field) when there are at least this many articles; 0: never.

    Streams: sentences are embedded and written ``batch_size`` at a time, so memory is
    the vectors themselves plus one batch. Sentences whose text the previous index or an
    interrupted build's checkpoint already embedded the same way are not embedded again.
    """
    started = time.perf_counter()
    sources = []
    total = 0
    for art in articles:  # a cheap first pass: the count drives the progress bar
        n = sum(1 for _ in sentences_of(art.id, art.text))
        sources.append(SourceInfo(art.id, art.title, art.lang, art.source, n))
        total += n
    if not total:
        raise CitebotError("The articles contain no sentences to index.")
    key = EmbeddingKey(embedder.model_id,
                       document_prompt_for(embedder, len(articles), titles_from),
                       variant_of(embedder), embedder.dimension)
    titles = {a.id: embedded_title(a.id, a.title) for a in articles} if titled_key(key) else None
    previous = _previous_vectors(path, key)
    checkpoint = Checkpoint(path.with_name(f"{path.name}.checkpoint"), key)
    builds = path.with_name(f"{path.name}.builds")
    builds.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder = Path(tempfile.mkdtemp(prefix=f"{datetime.now(UTC):%Y%m%dT%H%M%S}-", dir=builds))
    done = embedded = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    def lookup(digest: bytes) -> np.ndarray | None:
        found = checkpoint.get(digest)
        if found is None and previous is not None:
            found = previous.get(digest)
        return found

    try:
        with _disk_errors():
            writer = _Writer(folder, key.dimension, kind)
        if progress:
            progress(0, total)
        batch: list[tuple[Sentence, str]] = []
        for item in itertools.chain(_split(articles), [None]):
            if item is not None:
                batch.append(item)
                if len(batch) < batch_size:
                    continue
            if not batch:
                break
            digests = [_digest(s, text, titles) for s, text in batch]
            vectors = np.zeros((len(batch), key.dimension), dtype=np.float32)
            fresh: dict[bytes, list[int]] = {}  # digest -> rows that need it, in order
            for row, digest in enumerate(digests):
                found = lookup(digest)
                if found is None:
                    fresh.setdefault(digest, []).append(row)
                else:
                    vectors[row] = found
            step(len(batch) - sum(len(rows) for rows in fresh.values()))
            if fresh:
                firsts = [batch[rows[0]] for rows in fresh.values()]
                texts = [text for _, text in firsts]
                new = np.asarray(
                    embedder.embed_documents(texts, progress=step) if titles is None else
                    embedder.embed_documents(texts, progress=step,
                                             titles=[titles[s.doc_id] for s, _ in firsts]),
                    dtype=np.float32)
                with _disk_errors():
                    checkpoint.save(list(fresh), new)
                for vec, rows in zip(new, fresh.values(), strict=True):
                    vectors[rows] = vec
                embedded += len(texts)
                step(sum(len(rows) for rows in fresh.values()) - len(texts))  # repeats
            with _disk_errors():
                writer.add([s for s, _ in batch], vectors)
            batch = []
        manifest = Manifest(
            spec=spec_for(articles, embedder, kind, titles_from),
            faiss_index=FAISS_NAMES[kind],
            dimension=key.dimension,
            count=total,
            sources=sources,
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            build_seconds=round(time.perf_counter() - started, 3),
            embedded=embedded,
            reused=total - embedded,
        )
        with _disk_errors():
            writer.finish(manifest)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    with _disk_errors():
        _swap_in(path, folder)
    checkpoint.remove()
    log.info("index built: %d sentences, %d embedded, %d reused", total, embedded,
             total - embedded)
    return SentenceIndex.load(path)


def open_index(
    path: Path,
    articles: Sequence[Article],
    embedder: Embedder,
    *,
    rebuild: bool = True,
    progress: Callable[[int, int], None] | None = None,
    kind: str = "flat",
    titles_from: int = 0,
) -> SentenceIndex:
    """The index for ``articles``: reused when its manifest fits, else rebuilt or refused."""
    expected = spec_for(articles, embedder, kind, titles_from)
    try:
        index = SentenceIndex.load(path)
        reason = index.manifest.mismatch(expected)
        if reason is None and index.manifest.dimension != embedder.dimension:
            reason = "built with another embedding dimension"
        if reason is None:
            return index
        problem: IndexUnavailable = IndexUnavailable(
            f"The index at {path} does not fit the current settings: {reason}. "
            "Run `citebot index build` to rebuild it."
        )
    except IndexUnavailable as e:
        problem = e
    if not rebuild:
        raise problem
    log.info("rebuilding index: %s", problem)
    return build_index(path, articles, embedder, progress, kind=kind, titles_from=titles_from)
