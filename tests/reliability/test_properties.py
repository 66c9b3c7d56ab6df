"""Property-based tests (hypothesis): the sentence splitter, the citation validator and
the claim verifier hold their invariants on any text, including hostile text."""

from __future__ import annotations

import re

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.citations import MARKER, validate_citations
from bot.types import Citation
from bot.verify import claims_of, verify
from index import splitter
from index.splitter import sentences_of, split_paragraphs, split_sentences
from index.types import Sentence
from tests.fakes import FakeEmbedder

# Text that looks like prose: words, sentence ends, abbreviations, quotes, brackets and
# white space of every kind, plus anything else Unicode has (no lone surrogates: they
# cannot come out of a UTF-8 file).
_PIECES = st.sampled_from([
    "Il", "M.", "Mme", "J.-P.", "etc.", "3.5", "2,5", "U.S.", "« Oui ! »", "(voir p. 12)",
    "[2]", "…", "...", "?", "!", ".", " ", "\n", "\n\n", "\r\n", "\t", "\u00a0", "\u202f",
    "\u2028", "»", "\"", "’", "Le", "soldat", "a", "dit", "Palmyre", "ÉTAT", "1er", "x" * 50,
])
prose = st.lists(
    st.one_of(_PIECES, st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=8)),
    max_size=60,
).map("".join)


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@given(prose)
def test_sentences_preserve_the_text_modulo_white_space(text: str) -> None:
    sentences = list(sentences_of("doc", text))
    joined = " ".join(s.text for s in sentences)
    assert joined == " ".join(_fold(p) for p in split_paragraphs(text))
    assert _fold(joined) == _fold(text)
    for s in sentences:
        assert s.text and s.text == s.text.strip()  # never empty, never padded
        assert "\n" not in s.text and _fold(s.text) == s.text  # one line: safe to number


@given(prose)
def test_ids_are_stable_sequential_and_unique(text: str) -> None:
    first = list(sentences_of("doc", text))
    assert first == list(sentences_of("doc", text))  # deterministic
    assert [s.n for s in first] == list(range(1, len(first) + 1))
    assert [s.id for s in first] == [f"doc:{s.n}" for s in first]
    # Line endings and trailing space do not move ids (a file saved on Windows).
    unix = text.replace("\r\n", "\n").replace("\r", "\n")
    assert list(sentences_of("doc", unix)) == first
    assert list(sentences_of("doc", unix.replace("\n", "\r\n") + "  ")) == first


@given(st.lists(prose, min_size=1, max_size=4), prose)
def test_appending_a_paragraph_keeps_earlier_ids(paragraphs: list[str], extra: str) -> None:
    blocks = [p.replace("\r", " ").replace("\n", " ") for p in paragraphs]
    text = "\n\n".join(blocks)
    before = list(sentences_of("doc", text))
    after = list(sentences_of("doc", text + "\n\n" + extra.replace("\n", " ")))
    assert after[: len(before)] == before


# The splitter before its linear-time rewrite: it is the oracle for identical output
# (the index manifest records SPLITTER_VERSION, unchanged by the rewrite).
_OLD_WORD_BEFORE = re.compile(r"([\w.\-’']+)$")
_OLD_BOUNDARY = re.compile(
    r"([.!?…]+)((?:[ \u00a0\u202f]?[" + re.escape(splitter._CLOSERS) + r"])*)(\s+)")


def _old_is_abbreviation(before: str) -> bool:
    m = _OLD_WORD_BEFORE.search(before)
    if not m:
        return False
    word = m.group(1).lower().rstrip(".")
    if word in splitter.ABBREVIATIONS:
        return True
    last = re.split(r"[.\-]", word)[-1]
    return len(last) == 1 and last.isalpha() and m.group(1)[-1:].isalpha()


def _old_split(paragraph: str) -> list[str]:
    text = re.sub(r"\s+", " ", paragraph).strip()
    if not text:
        return []
    out, start = [], 0
    for m in _OLD_BOUNDARY.finditer(text):
        if not splitter._starts_sentence(text[m.end():]):
            continue
        if m.group(1) == "." and _old_is_abbreviation(text[start : m.start(1)]):
            continue
        out.append(text[start : m.end(2)].strip())
        start = m.end()
    tail = text[start:].strip()
    return [*out, tail] if tail else out


@given(prose)
def test_linear_time_splitter_splits_as_before(text: str) -> None:
    assert split_sentences(text) == _old_split(text)


def test_pathological_runs_are_handled() -> None:
    # Quadratic before: 8,000 dots or an 8,000-character token took seconds. Output,
    # not time, is asserted; bench-free, the test stays fast only if splitting is linear.
    dots = "." * 200_000 + "x"
    assert split_sentences(dots) == [dots]
    token = "x" * 100_000 + "," + "y" * 100_000 + ". Suite."
    assert split_sentences(token) == [token[:-7], "Suite."]


# -- the citation validator ------------------------------------------------------------

ARTICLE = {"a:1": "Première phrase [2] citée.", "a:2": "Deuxième.", "b:1": "Autre."}
ids = st.sampled_from([*ARTICLE, "zz:9", "a:99"])
answer_text = st.lists(
    st.one_of(st.text(max_size=15), st.integers(0, 1000).map(lambda n: f"[{n}]"),
              st.sampled_from([" [1]", "[01]", "[ 2 ]", "[[3]]", "[-1]", "[1,2]"])),
    max_size=15,
).map(" ".join)


@given(st.lists(ids, max_size=6), answer_text)
def test_validator_invariants(cited: list[str], answer: str) -> None:
    citations = [Citation(n, sid, "what the answerer claimed") for n, sid in
                 enumerate(cited, start=1)]
    text, out = validate_citations(answer, citations, ARTICLE.get)
    assert [c.n for c in out] == list(range(1, len(out) + 1))
    assert {int(m.group(1)) for m in MARKER.finditer(text)} == {c.n for c in out}
    assert all(ARTICLE[c.id] == c.text for c in out)  # verbatim, whatever was claimed
    assert len({c.id for c in out}) == len(out)  # one number per sentence
    # Only markers change: the words are the answerer's.
    assert _fold(MARKER.sub("", text)) == _fold(MARKER.sub("", answer))
    # Idempotent: a validated answer validates to itself.
    assert validate_citations(text, out, ARTICLE.get) == (text, out)


# -- the claim verifier ---------------------------------------------------------------

_EMB = FakeEmbedder(dim=512)
NUMBERED = [Sentence(f"a:{i}", "a", i, 1, t) for i, t in enumerate([
    "Deux soldats américains et un civil ont trouvé la mort près de Palmyre.",
    "Trois autres militaires ont été blessés lors de l’embuscade.",
    "Marco Rubio a réaffirmé l’appui des États-Unis au gouvernement syrien.",
], start=1)]
VECTORS = _EMB.embed_documents([s.text for s in NUMBERED])


def _similarity(claims: list[str]) -> np.ndarray:
    return _EMB.embed_documents(claims) @ VECTORS.T
claim_words = st.sampled_from([
    "Deux", "soldats", "américains", "civil", "mort", "Palmyre", "Trois", "blessés",
    "embuscade", "Marco", "Rubio", "Paris", "quarante", "40", "2", "3", ".", "!", "?",
    "[1]", "[2]", "[3]", "[4]", "[0]", "[99]", "NOT_IN_ARTICLE", "«", "»", "\n", "🙂",
])
model_output = st.lists(st.one_of(claim_words, st.text(max_size=6)), max_size=40).map(" ".join)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(model_output)
def test_verifier_only_cites_numbered_sentences(draft: str) -> None:
    v = verify(draft, NUMBERED, "Qui est mort ?", similarity=_similarity, bar=0.3,
               name_bar=0.99)
    ids_ = [s.id for s in NUMBERED]
    assert all(c.id in ids_ and c.text == NUMBERED[ids_.index(c.id)].text
               for c in v.citations)
    assert [c.n for c in v.citations] == list(range(1, len(v.citations) + 1))
    markers = {int(m.group(1)) for m in MARKER.finditer(v.answer)}
    assert markers == {c.n for c in v.citations}
    assert v.dropped >= 0 and v.repaired >= 0
    kept = len(claims_of(draft)) - v.dropped
    assert len(MARKER.findall(v.answer)) >= kept  # each kept claim carries a marker
    assert (kept == 0) == (v.answer == "")


def test_verifier_handles_vectors_of_the_claims_embedder() -> None:
    # A guard that the property above really exercises kept claims.
    v = verify("Deux soldats américains et un civil ont trouvé la mort près de Palmyre [3].",
               NUMBERED, "Qui est mort ?", similarity=_similarity, bar=0.3, name_bar=0.99)
    assert v.citations and v.citations[0].id == "a:1" and v.repaired == 1
    assert np.isclose(float(VECTORS[0] @ VECTORS[0]), 1.0)


def test_a_claim_another_sentence_says_far_better_is_not_given_to_an_allowed_one() -> None:
    # Allowed the second sentence only, a copy of the first is not passed on to it for
    # the few words they share.
    claim = "des soldats américains et un civil ont trouvé la mort lors de l’embuscade [2]."
    allowed = {"similarity": _similarity, "bar": 0.05, "name_bar": 0.05, "eligible": [1]}
    assert _similarity([claim])[0, 1] > 0.05
    v = verify(claim, NUMBERED, "Qui est mort ?", **allowed)  # type: ignore[arg-type]
    assert not v.citations and v.dropped == 1
    # Free to cite it, the claim goes to the first; close calls stay with the allowed one.
    v = verify(claim, NUMBERED, "Qui est mort ?", similarity=_similarity, bar=0.05,
               name_bar=0.05)
    assert [c.id for c in v.citations] == ["a:1"]
    v = verify("trois autres militaires ont été blessés [2].", NUMBERED, "Combien ?",
               **allowed)  # type: ignore[arg-type]
    assert [c.id for c in v.citations] == ["a:2"]
