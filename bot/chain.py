"""The cited-QA chain (LangChain LCEL): prepare → retrieve → decide → answer → validate.

Each step is a ``RunnableLambda`` over one state dict, so steps can be swapped (the
generative answerer replaces ``answer``) and traced; each records its own timing.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda

from bot.calibration import Thresholds
from bot.citations import validate_citations
from bot.conversation import Conversation
from bot.extractive import extractive_answer, supporting_hits
from bot.inputs import clean_question
from bot.lang import Detector
from bot.messages import message
from bot.types import Answer, Lang
from index.retriever import Retriever

State = dict[str, Any]


def _timed(name: str, step: Callable[[State], State]) -> Runnable[State, State]:
    def run(state: State) -> State:
        started = time.perf_counter()
        out = step(state)
        out.setdefault("timings_ms", {})[name] = (time.perf_counter() - started) * 1000
        return out

    return RunnableLambda(run, name=name)


@dataclass
class CitedQA:
    """The chain's steps and what they need; ``runnable`` wires them with LCEL."""

    retriever: Retriever
    detector: Detector
    thresholds: Thresholds
    top_k: int = 5
    max_citations: int = 2
    max_question_chars: int = 1000

    def __post_init__(self) -> None:
        langs = Counter(s.lang for s in self.retriever.index.manifest.sources)
        self.article_lang: Lang = "en" if langs.most_common(1)[0][0] == "en" else "fr"
        self._doc_lang = {s.id: s.lang for s in self.retriever.index.manifest.sources}

    def prepare(self, state: State) -> State:
        conv: Conversation = state["conversation"]
        fallback = conv.forced_lang or conv.last_language or self.article_lang
        clean = clean_question(state["question"], self.max_question_chars, fallback)
        lang = conv.forced_lang or self.detector.detect(clean.text, fallback)
        notices = [message("truncated", lang, limit=self.max_question_chars)] * clean.truncated
        return {**state, "question": clean.text, "language": lang, "notices": notices}

    def retrieve(self, state: State) -> State:
        return {**state, "hits": self.retriever.search(state["question"], self.top_k)}

    def decide(self, state: State) -> State:
        hits = state["hits"]
        doc_lang = self._doc_lang.get(hits[0].sentence.doc_id, self.article_lang) if hits else ""
        threshold = self.thresholds.for_pair(state["language"], doc_lang)
        support = supporting_hits(hits, threshold, self.max_citations)
        return {**state, "support": support}

    def answer(self, state: State) -> State:
        if not state["support"]:
            return {**state, "answer": message("not_in_article", state["language"]),
                    "citations": []}
        text, citations = extractive_answer(state["support"], state["language"])
        return {**state, "answer": text, "citations": citations}

    def validate(self, state: State) -> State:
        def lookup(sentence_id: str) -> str | None:
            s = self.retriever.index.get(sentence_id)
            return s.text if s else None

        text, citations = validate_citations(state["answer"], state["citations"], lookup)
        if state["citations"] and not citations:
            # Whatever the answerer wrote, nothing in it is backed by the article.
            text = message("not_in_article", state["language"])
        return {**state, "answer": text, "citations": citations}

    @property
    def runnable(self) -> Runnable[State, State]:
        return (
            _timed("prepare", self.prepare)
            | _timed("retrieval", self.retrieve)
            | _timed("decide", self.decide)
            | _timed("answer", self.answer)
            | _timed("verification", self.validate)
        )

    def invoke(self, question: str, conversation: Conversation) -> Answer:
        started = time.perf_counter()
        out = self.runnable.invoke({"question": question, "conversation": conversation})
        timings = out["timings_ms"]
        timings["embed_query"] = self.retriever.last_embed_ms
        timings["total"] = (time.perf_counter() - started) * 1000
        return Answer(
            question=out["question"],
            language=out["language"],
            answered=bool(out["citations"]),
            answer=out["answer"],
            citations=out["citations"],
            timings_ms=timings,
            notices=out["notices"],
        )
