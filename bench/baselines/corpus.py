"""Benchmark corpora as citebot articles, with gold spans located in the article text.

An article is one SQuAD title (a Wikipedia page, a Service-Public sheet): its paragraphs
joined by blank lines, exactly what ``index/`` would load from a JSONL line. A gold
answer is a character span of that text; any retrieved unit (a sentence, a tutorial
chunk) that overlaps it holds the answer, so every system is judged on the same spans.

- ``wiki``: all PIAF paragraphs plus the 48 French xling contexts as distractors for
  each other. PIAF questions come from the held-out half of the articles (the same
  seeded split ``bench/calibrate.py`` tuned the thresholds on the other half); xling
  questions are asked in English and in French.
- ``spf``: Service-Public.fr sheets; the sheets that have questions plus random others.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bench.datasets import load_piaf, load_xling, split_articles
from index.splitter import sentences_of
from index.types import Article

CALIBRATION_SPLIT_SEED = 0  # bench/calibrate.py's default: its dev half is not reported


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    lang: str
    benchmark: str  # piaf, xling, spf
    doc_id: str
    answers: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]  # gold answer character spans in the article text

    @property
    def group(self) -> str:
        return f"{self.benchmark}-{self.lang}"


@dataclass(frozen=True)
class Span:
    """A retrieved or cited unit of an article (a sentence or a chunk)."""

    id: str
    doc_id: str
    start: int
    end: int

    def holds(self, q: Question) -> bool:
        return self.doc_id == q.doc_id and any(
            self.start < b and a < self.end for a, b in q.spans
        )


@dataclass
class BenchCorpus:
    name: str
    articles: list[Article]
    questions: list[Question]
    sentences: dict[str, Span] = field(default_factory=dict)  # sentence id -> its span

    @property
    def texts(self) -> dict[str, str]:
        return {a.id: a.text for a in self.articles}

    def write_jsonl(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as f:
            for a in self.articles:
                f.write(json.dumps({"id": a.id, "title": a.title, "lang": a.lang,
                                    "text": a.text}, ensure_ascii=False) + "\n")
        return path

    def gold_sentences(self, q: Question) -> list[str]:
        return [s.id for s in self.sentences.values() if s.holds(q)]


def _safe_id(raw: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip("-")


def locate_sentences(doc_id: str, text: str) -> list[Span]:
    """Each sentence of ``text`` (as the index splits it) with its character span."""
    out, pos = [], 0
    for s in sentences_of(doc_id, text):
        # The splitter folds white space; find the sentence back by its words.
        pattern = r"\s+".join(re.escape(w) for w in s.text.split(" "))
        m = re.compile(pattern).search(text, pos)
        start, end = (m.start(), m.end()) if m else (pos, pos + len(s.text))
        out.append(Span(s.id, doc_id, start, end))
        pos = end
    return out


class _ArticleBuilder:
    """Joins paragraphs into one article text and maps paragraph offsets into it."""

    def __init__(self, doc_id: str, paragraphs: list[str]) -> None:
        self.doc_id = doc_id
        self.offsets, parts, pos = [], [], 0
        for p in paragraphs:
            self.offsets.append(pos)
            parts.append(p)
            pos += len(p) + 2
        self.text = "\n\n".join(parts)

    def spans(self, paragraph: int, answers: Iterable[str], starts: Iterable[int],
              context: str) -> tuple[tuple[int, int], ...]:
        out = []
        for text, start in zip(answers, starts, strict=False):
            if context[start : start + len(text)] != text:
                # One PIAF span does not match its offset: take the nearest occurrence.
                found = [m.start() for m in re.finditer(re.escape(text), context)]
                if not found:
                    continue
                start = min(found, key=lambda s, a=start: abs(s - a))
            base = self.offsets[paragraph] + start
            out.append((base, base + len(text)))
        return tuple(out)


def _finish(name: str, builders: list[tuple[_ArticleBuilder, str]],
            questions: list[Question]) -> BenchCorpus:
    articles = [Article(b.doc_id, title, "fr", b.text, f"{name}#{b.doc_id}")
                for b, title in builders]
    corpus = BenchCorpus(name, articles, [q for q in questions if q.spans])
    for a in articles:
        corpus.sentences.update((s.id, s) for s in locate_sentences(a.id, a.text))
    return corpus


def wiki_corpus(bench_dir: Path, paragraphs: int = 0, seed: int = 0, *, xling: bool = True,
                held_out_only: bool = True) -> BenchCorpus:
    """PIAF (+ xling contexts); ``paragraphs`` > 0 samples that many PIAF paragraphs."""
    piaf = load_piaf(bench_dir)
    _, held_out = split_articles(list(piaf.articles), CALIBRATION_SPLIT_SEED)
    if not held_out_only:
        held_out = set(piaf.articles)
    pairs = [(aid, p) for aid, pars in piaf.articles.items() for p in range(len(pars))]
    if paragraphs:
        pairs = random.Random(seed).sample(pairs, min(paragraphs, len(pairs)))
    kept: dict[str, list[int]] = {}
    for aid, p in sorted(pairs, key=lambda x: (int(x[0].split("-")[1]), x[1])):
        kept.setdefault(aid, []).append(p)
    builders: list[tuple[_ArticleBuilder, str]] = []
    questions: list[Question] = []
    titles = _piaf_titles(bench_dir)
    for aid, ps in kept.items():
        b = _ArticleBuilder(aid, [piaf.articles[aid][p] for p in ps])
        builders.append((b, titles.get(aid, aid)))
        if aid not in held_out:
            continue
        local = {p: i for i, p in enumerate(ps)}
        for q in piaf.questions:
            if q.article == aid and q.paragraph in local:
                ctx = piaf.articles[aid][q.paragraph]
                questions.append(Question(
                    q.id, q.question, "fr", "piaf", aid, tuple(q.answers),
                    b.spans(local[q.paragraph], q.answers, q.answer_starts, ctx)))
    seen: dict[str, _ArticleBuilder] = {}
    for lang in ("en", "fr") if xling else ():
        xl = load_xling(bench_dir, lang)
        for q in xl.questions:
            doc = _safe_id(q.article)
            if doc not in seen:
                seen[doc] = _ArticleBuilder(doc, xl.articles[q.article])
                builders.append((seen[doc], q.article.removeprefix("xling-")))
            ctx = xl.articles[q.article][0]
            questions.append(Question(
                f"{q.id}-{lang}", q.question, lang, "xling", doc, tuple(q.answers),
                seen[doc].spans(0, q.answers, q.answer_starts, ctx)))
    return _finish("wiki", builders, questions)


def _piaf_titles(bench_dir: Path) -> dict[str, str]:
    raw = json.loads((bench_dir / "piaf-v1.1.json").read_text(encoding="utf-8"))
    return {f"piaf-{i}": art["title"] for i, art in enumerate(raw["data"])}


def spf_corpus(bench_dir: Path, sheets: int = 0, seed: int = 0) -> BenchCorpus:
    """Service-Public sheets; ``sheets`` > 0 keeps the questioned ones plus random others."""
    raw = json.loads((bench_dir / "piafml_spf_qr_test.json").read_text(encoding="utf-8"))
    data = raw["data"]
    asked = [i for i, a in enumerate(data) if any(p.get("qas") for p in a["paragraphs"])]
    chosen = set(range(len(data)))
    if sheets:
        others = [i for i in range(len(data)) if i not in set(asked)]
        extra = random.Random(seed).sample(others, max(0, min(len(others),
                                                              sheets - len(asked))))
        chosen = set(asked) | set(extra)
    builders, questions = [], []
    for i in sorted(chosen):
        art = data[i]
        doc = _safe_id(f"spf-{art['title']}")
        pars = [p["context"] for p in art["paragraphs"]]
        b = _ArticleBuilder(doc, pars)
        builders.append((b, art["title"]))
        for p, par in enumerate(art["paragraphs"]):
            for qa in par.get("qas", []):
                questions.append(Question(
                    str(qa.get("id") or f"{doc}-{len(questions)}"), qa["question"], "fr",
                    "spf", doc, tuple(x["text"] for x in qa["answers"]),
                    b.spans(p, [x["text"] for x in qa["answers"]],
                            [x["answer_start"] for x in qa["answers"]], par["context"])))
    return _finish("spf", builders, questions)
