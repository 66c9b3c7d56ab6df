"""Readers for the public benchmarks in ``../shared/benchmarks`` (read-only, never copied)."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "benchmarks"


@dataclass
class QA:
    id: str
    question: str
    lang: str
    article: str  # id of the article holding the answer
    answers: list[str]
    answer_starts: list[int] = field(default_factory=list)
    paragraph: int = 0  # index of the paragraph in its article


@dataclass
class Corpus:
    name: str
    articles: dict[str, list[str]]  # article id -> paragraphs
    questions: list[QA]


def load_piaf(bench_dir: Path = DEFAULT_DIR) -> Corpus:
    raw = json.loads((bench_dir / "piaf-v1.1.json").read_text(encoding="utf-8"))
    articles: dict[str, list[str]] = {}
    questions = []
    for a, art in enumerate(raw["data"]):
        aid = f"piaf-{a}"
        articles[aid] = []
        for p, par in enumerate(art["paragraphs"]):
            articles[aid].append(par["context"])
            for qa in par["qas"]:
                questions.append(QA(
                    id=qa["id"], question=qa["question"], lang="fr", article=aid,
                    answers=[x["text"] for x in qa["answers"]],
                    answer_starts=[x["answer_start"] for x in qa["answers"]], paragraph=p,
                ))
    return Corpus("piaf", articles, questions)


def load_xling(bench_dir: Path = DEFAULT_DIR, lang: str = "en") -> Corpus:
    articles: dict[str, list[str]] = {}
    questions = []
    for line in (bench_dir / "xling_enq_frctx_asai327.jsonl").read_text().splitlines():
        obj = json.loads(line)
        aid = f"xling-{obj['title']}"
        articles.setdefault(aid, [obj["context_fr"]])
        questions.append(QA(
            id=obj["id"], question=obj[f"question_{lang}"], lang=lang, article=aid,
            answers=[x["text"] for x in obj["answers_fr"]],
            answer_starts=[x["answer_start"] for x in obj["answers_fr"]],
        ))
    return Corpus(f"xling-{lang}", articles, questions)


def split_articles(ids: list[str], seed: int = 0, held_out: float = 0.5) -> tuple[set, set]:
    """A fixed, seeded split into (development, held-out) article ids."""
    shuffled = sorted(ids)
    random.Random(seed).shuffle(shuffled)
    cut = int(len(shuffled) * (1 - held_out))
    return set(shuffled[:cut]), set(shuffled[cut:])
