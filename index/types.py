"""Value objects that flow from ingestion to retrieval."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Article:
    """One source document, as loaded from disk."""

    id: str
    title: str
    lang: str
    text: str
    source: str  # where it came from (a path, or path#line for JSONL)


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of an article with a stable id ``<doc>:<n>`` (n counts from 1)."""

    id: str
    doc_id: str
    n: int
    paragraph: int
    text: str


@dataclass(frozen=True, slots=True)
class Hit:
    """A retrieved sentence with its similarity to the query (cosine, higher is closer)."""

    sentence: Sentence
    score: float
    rank: int
