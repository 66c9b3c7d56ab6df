"""The systems compared side by side, each behind ``build(corpus)`` and ``ask(question)``.

- ``bm25``: BM25 over the same sentences (``index/lexical.py``: French stems, stop words).
- ``minilm``, ``e5``: the real ``index/`` code (splitter, FAISS store) with another
  embedder. Like BM25 they always answer, by quoting their best sentence.
- ``tutorial``: the LangChain RAG tutorial: ``RecursiveCharacterTextSplitter`` 1,000/200,
  the same embedder as citebot, ``InMemoryVectorStore``, the 4 best chunks as sources.
  Without a model its answer is the best chunk.
- ``citebot-*``: the product, ``create_citebot`` and ``Citebot.ask`` on an index of the
  whole corpus, with dense or hybrid retrieval, quoting or with the local LLM.

Unanswerable variants ask a question of the corpus *without its source article*. Rather
than build one index per question, candidates from that article are dropped at search
time. For exact (flat) inner-product search this is the same thing: a sentence's score
does not depend on the other sentences, so the top n of the index without article A are
the top n + |A| of the full index minus A's sentences. BM25's IDF and mean length do
depend on the corpus, so there the filter is an approximation (one article out of
hundreds changes them by well under 1%); the chunk store filters the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from bench.baselines.cache import CachedEmbedder
from bench.baselines.corpus import BenchCorpus, Question, Span
from bench.baselines.metrics import Reply
from bot.app import Citebot, create_citebot
from bot.settings import Settings
from index.embedder import Embedder
from index.lexical import LexicalIndex
from index.retriever import Retriever
from index.splitter import sentences_of
from index.store import SentenceIndex, build_index
from index.types import Hit, Sentence

RANKED = 10  # retrieval depth scored by recall@k and MRR
Progress = Callable[[int, int], None]


@dataclass
class Build:
    """What building a system's index cost."""

    units: int
    seconds: float
    embedded: int = 0  # units embedded in this run (the rest came from the cache)
    rate: float = 0.0  # units per second of embedding
    rate_measured_now: bool = False


class System(Protocol):
    name: str

    def build(self, corpus: BenchCorpus, workdir: Path, progress: Progress) -> Build: ...

    def ask(self, q: Question, exclude: str | None) -> Reply: ...


def _rate(embedder: Embedder, before: tuple[int, float]) -> tuple[int, float, bool]:
    if isinstance(embedder, CachedEmbedder):
        fresh = embedder.fresh_texts - before[0]
        seconds = embedder.fresh_seconds - before[1]
        if fresh:
            return fresh, fresh / max(seconds, 1e-9), True
        rate, now = embedder.texts_per_second()
        return 0, rate, now
    return 0, 0.0, False


def _fresh(embedder: Embedder) -> tuple[int, float]:
    if isinstance(embedder, CachedEmbedder):
        return embedder.fresh_texts, embedder.fresh_seconds
    return 0, 0.0


class ExcludingRetriever(Retriever):
    """The product's retriever, able to leave one article out and keeping a deeper ranking.

    The chain asks for ``top_k`` hits; the first ``top_k`` of a deeper search are the same
    hits, so the chain is unchanged while the benchmark scores ``RANKED`` of them.
    """

    exclude: str | None = None
    last_ranked: list[Hit]

    def _extra(self) -> int:
        if self.exclude is None:
            return 0
        return next((s.sentences for s in self.index.manifest.sources
                     if s.id == self.exclude), 0)

    def dense_candidates(self, vec: np.ndarray, n: int) -> list[Hit]:
        hits = super().dense_candidates(vec, n + self._extra())
        kept = [h for h in hits if h.sentence.doc_id != self.exclude][:n]
        return [Hit(h.sentence, h.score, i) for i, h in enumerate(kept, start=1)]

    def lexical_candidates(self, query: str, n: int) -> list[Sentence]:
        found = super().lexical_candidates(query, n + self._extra())
        return [s for s in found if s.doc_id != self.exclude][:n]

    def search(self, query: str, k: int) -> list[Hit]:
        self.last_ranked = super().search(query, max(k, RANKED))
        return self.last_ranked[:k]


def _spans(corpus: BenchCorpus, ids: Sequence[str]) -> list[Span]:
    return [corpus.sentences[i] for i in ids if i in corpus.sentences]


class DenseBaseline:
    """A plain sentence retriever with some embedder; quotes its best sentence."""

    def __init__(self, name: str, embedder: Embedder) -> None:
        self.name = name
        self.embedder = embedder

    def build(self, corpus: BenchCorpus, workdir: Path, progress: Progress) -> Build:
        self.corpus = corpus
        before = _fresh(self.embedder)
        started = time.perf_counter()
        index = build_index(workdir / "indexes" / f"{corpus.name}-{self.name}",
                            corpus.articles, self.embedder, progress,
                            titles_from=Settings().embed_titles_from)
        seconds = time.perf_counter() - started
        self.retriever = ExcludingRetriever(index, self.embedder)
        fresh, rate, now = _rate(self.embedder, before)
        return Build(len(index), seconds, fresh, rate, now)

    def ask(self, q: Question, exclude: str | None) -> Reply:
        self.retriever.exclude = exclude
        started = time.perf_counter()
        hits = self.retriever.search(q.text, RANKED)
        total = (time.perf_counter() - started) * 1000
        ranked = _spans(self.corpus, [h.sentence.id for h in hits])
        return Reply(ranked, bool(hits), hits[0].sentence.text if hits else "", ranked[:1],
                     {"embed_query": self.retriever.last_embed_ms, "total": total})


class BM25Baseline:
    """BM25 over the corpus sentences; quotes its best sentence."""

    name = "bm25"

    def build(self, corpus: BenchCorpus, workdir: Path, progress: Progress) -> Build:
        self.corpus = corpus
        started = time.perf_counter()
        self.sentences = [s for a in corpus.articles for s in sentences_of(a.id, a.text)]
        self.lexical = LexicalIndex([s.text for s in self.sentences])
        self.per_doc: dict[str, int] = {}
        for s in self.sentences:
            self.per_doc[s.doc_id] = self.per_doc.get(s.doc_id, 0) + 1
        progress(len(self.sentences), len(self.sentences))
        seconds = time.perf_counter() - started
        return Build(len(self.sentences), seconds, len(self.sentences),
                     len(self.sentences) / max(seconds, 1e-9), True)

    def ask(self, q: Question, exclude: str | None) -> Reply:
        started = time.perf_counter()
        extra = self.per_doc.get(exclude, 0) if exclude else 0
        rows = self.lexical.top(q.text, RANKED + extra)
        found = [self.sentences[r] for r in rows if self.sentences[r].doc_id != exclude]
        found = found[:RANKED]
        total = (time.perf_counter() - started) * 1000
        ranked = _spans(self.corpus, [s.id for s in found])
        # BM25 has no notion of "not found" beyond sharing no word with the question.
        return Reply(ranked, bool(found), found[0].text if found else "", ranked[:1],
                     {"total": total})


class TutorialBaseline:
    """LangChain's RAG tutorial: 1,000/200 character chunks, chunk-level sources."""

    name = "tutorial"
    sources = 4  # the tutorial's retriever default

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def build(self, corpus: BenchCorpus, workdir: Path, progress: Progress) -> Build:
        from langchain_core.vectorstores import InMemoryVectorStore
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from bench.baselines.lc import LangChainEmbeddings

        self.corpus = corpus
        before = _fresh(self.embedder)
        started = time.perf_counter()
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200,
                                                  add_start_index=True)
        docs = splitter.create_documents([a.text for a in corpus.articles],
                                         metadatas=[{"doc_id": a.id} for a in corpus.articles])
        self.store = InMemoryVectorStore(LangChainEmbeddings(self.embedder, progress, len(docs)))
        self.store.add_documents(docs)
        seconds = time.perf_counter() - started
        fresh, rate, now = _rate(self.embedder, before)
        return Build(len(docs), seconds, fresh, rate, now)

    def ask(self, q: Question, exclude: str | None) -> Reply:
        started = time.perf_counter()
        found = self.store.similarity_search_with_score(
            q.text, k=RANKED,
            filter=(lambda d: d.metadata["doc_id"] != exclude) if exclude else None,
        )
        total = (time.perf_counter() - started) * 1000
        ranked = [Span(f"{d.metadata['doc_id']}@{d.metadata['start_index']}",
                       d.metadata["doc_id"], d.metadata["start_index"],
                       d.metadata["start_index"] + len(d.page_content)) for d, _ in found]
        answer = found[0][0].page_content if found else ""
        return Reply(ranked, bool(found), answer, ranked[: self.sources], {"total": total})


class CitebotFamily:
    """One citebot index and chain per corpus, shared by the dense/hybrid/LLM variants."""

    def __init__(self, embedder: Embedder, base: Settings) -> None:
        self.embedder = embedder
        self.base = base
        self.bots: dict[bool, Citebot] = {}
        self.corpus: BenchCorpus | None = None

    def build(self, corpus: BenchCorpus, workdir: Path, progress: Progress) -> Build:
        self.corpus = corpus
        self.workdir = workdir
        self.bots = {}
        self.retrievers: dict[str, ExcludingRetriever] = {}
        before = _fresh(self.embedder)
        started = time.perf_counter()
        bot = create_citebot(self._settings(llm=False), embedder=self.embedder,
                             progress=progress, chat_model=None)
        seconds = time.perf_counter() - started
        self.bots[False] = bot
        index = bot.qa.retriever.index
        fresh, rate, now = _rate(self.embedder, before)
        return Build(len(index), seconds, fresh, rate, now)

    def _settings(self, llm: bool) -> Settings:
        assert self.corpus is not None
        articles = self.corpus.write_jsonl(self.workdir / f"{self.corpus.name}.jsonl")
        return self.base.model_copy(update={
            "data_dir": self.workdir, "models_dir": self.base.models_root,
            "articles": [articles], "index_name": self.corpus.name,
            "llm": "local" if llm else "none", "auto_rebuild": True,
        })

    def bot(self, llm: bool) -> Citebot:
        if llm not in self.bots:
            # The index is built: this only loads it, and the local model.
            bot = create_citebot(self._settings(llm=True), embedder=self.embedder)
            if bot.qa.generator is None:
                # A silent fallback to quoting would report quoting as the LLM's numbers.
                raise RuntimeError(f"the local answer model is unavailable: {bot.notices}")
            self.bots[llm] = bot
        return self.bots[llm]

    def retriever(self, mode: str) -> ExcludingRetriever:
        if mode not in self.retrievers:
            index: SentenceIndex = self.bots[False].qa.retriever.index
            lexical = LexicalIndex([s.text for s in index.sentences]) if mode == "hybrid" else None
            self.retrievers[mode] = ExcludingRetriever(index, self.embedder, lexical)
        return self.retrievers[mode]


class CitebotVariant:
    """citebot with a retrieval mode, quoting (``llm=False``) or with the local model."""

    def __init__(self, family: CitebotFamily, mode: str, llm: bool) -> None:
        self.family = family
        self.mode = mode
        self.llm = llm
        self.name = f"citebot-{mode}" + ("+llm" if llm else "")

    def build(self, corpus: BenchCorpus, workdir: Path, progress: Progress) -> Build:
        if self.family.corpus is not corpus:
            return self.family.build(corpus, workdir, progress)
        index = self.family.bots[False].qa.retriever.index
        return Build(len(index), 0.0)

    def ask(self, q: Question, exclude: str | None) -> Reply:
        bot = self.family.bot(self.llm)
        retriever = self.family.retriever(self.mode)
        retriever.exclude = exclude
        bot.qa.retriever = retriever
        answer = bot.ask(q.text, bot.new_conversation())
        corpus = self.family.corpus
        assert corpus is not None
        ranked = _spans(corpus, [h.sentence.id for h in retriever.last_ranked])
        cited = _spans(corpus, [c.id for c in answer.citations])
        return Reply(ranked, answer.answered, answer.answer, cited, dict(answer.timings_ms))
