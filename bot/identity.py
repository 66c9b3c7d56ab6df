"""Questions on who someone is, and the sentence that says it.

A news article says who someone is where it first names them ("le secrétaire d'État
américain, Marco Rubio"); later sentences say what they did ("Marco Rubio a réaffirmé
l'appui…"). Retrieval ranks the later ones first for "Qui est Marco Rubio ?": they are
about him, and the first mention is about a phone call. So for a question asking who
someone is, or their role, the first sentence of the article that writes their name
goes first among the hits.

That sentence is long and mostly about something else ("…les condoléances du président
syrien Ahmed al-Charaa à son homologue américain, Donald Trump, tout en exprimant la
reconnaissance de Damas…"): "Donald Trump is the US president" scores 0.40 against it,
under the claim bar. A claim on who someone is is also compared, without the name, with
the words the sentence writes before the name (``role_words``): "is the US president"
scores 0.51 against "à son homologue américain". Without the name on both sides: with
it, "Asaad al-Shaibani a qualifié l'attaque de nouveau défi…" (another sentence's
claim) scored 0.51 against the words around his name, 0.30 without.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

from bot.facts import UPPER, WORDS, fold
from index.cast import people
from index.types import Hit, Sentence

_NAME = (rf"(?P<name>[{UPPER}][\w'’-]*(?:\s+(?:[{UPPER}][\w'’-]*|al-[{UPPER}][\w'’-]*"
         r"|de|du|von|van)){0,3})")
_ROLE = (r"(?:r[oô]le|fonction|poste|job|title|titre|position|m[ée]tier|profession"
         r"|occupation)")
# "…selon l'article ?", "…in the article?": the question is still who they are.
_END = (r"(?:\s+(?i:selon|dans|d['’]apr[eè]s)\s+(?i:l['’]\s*article|le\s+texte)"
        r"|\s+(?i:in|according\s+to)\s+(?i:the\s+(?:article|text)))?\s*\??\s*$")
_ASKS = [
    # "Qui est Marco Rubio ?", "Who was Bachar al-Assad?"
    re.compile(rf"^\W*(?i:qui\s+(?:est|était|etait)|who\s+(?:is|was))\s+{_NAME}{_END}"),
    # "Quel est le rôle d'Asaad al-Shaibani ?", "What is the job of …?"
    re.compile(rf"^\W*(?i:quel(?:le)?\s+(?:est|était|etait)\s+(?:le|la)|what\s+(?:is|was)"
               rf"\s+the)\s+(?i:{_ROLE})\s+(?i:de|d['’]\s*|of)\s*"
               rf"(?:(?i:the|le|la|l['’])\s*)?{_NAME}{_END}"),
    # "What is Asaad al-Shaibani's job?"
    re.compile(rf"^\W*(?i:what\s+(?:is|was))\s+{_NAME}['’]s\s+(?i:{_ROLE}){_END}"),
    # "Quel poste occupe Asaad al-Shaibani ?", "Quelle fonction exerce Marco Rubio ?"
    re.compile(rf"^\W*(?i:quel(?:le)?\s+{_ROLE}\s+(?:occupe|occupait|exerce|exerçait|a|avait))"
               rf"\s+{_NAME}{_END}"),
    # "What position does Marco Rubio hold?", "What role did X have?"
    re.compile(rf"^\W*(?i:what\s+{_ROLE}\s+(?:does|did))\s+{_NAME}"
               rf"\s+(?i:hold|have|occupy|fill)\b{_END}"),
]


def person_asked(question: str) -> str | None:
    """The name of whom ``question`` asks who they are, or their role."""
    for pattern in _ASKS:
        if m := pattern.match(question.strip()):
            return m.group("name")
    return None


def _words(text: str) -> set[str]:
    found = WORDS.findall(fold(text))
    # "al-Charaa" is written whole, and "Charaa" alone in some questions.
    return {*found, *(part for w in found for part in re.split(r"[-'’]", w))}


# Transliterations of one name: "sharaa"/"charaa" 0.83, "shaibani"/"chaibani" 0.88;
# two names of the article: "shaibani"/"charaa" 0.43.
_SPELLED = 0.75


def first_mention(name: str, sentences: Sequence[Sentence]) -> Sentence | None:
    """The first of ``sentences`` (in article order) that writes every word of ``name``;
    failing that, spelled otherwise: the English press writes "al-Sharaa" for the French
    "al-Charaa". Exact first: "Assad" is close to "Asaad" too."""
    wanted = {w for w in WORDS.findall(fold(name)) if len(w) > 2}
    if not wanted:
        return None
    ordered = sorted(sentences, key=lambda s: s.n)
    core = {p for w in wanted for p in re.split(r"[-'’]", w) if len(p) > 2}
    return next((s for s in ordered if wanted <= _words(s.text)), None) or next(
        (s for s in ordered if core and all(_spelled(p, _words(s.text)) for p in core)), None)


def _spelled(part: str, words: set[str]) -> bool:
    """Whether one of ``words`` is ``part`` spelled otherwise ("sharaa", "charaa"), by
    letters in common: not by a shared opening, "al-sh" opens two names of the article."""
    return any(SequenceMatcher(None, part, w).ratio() >= _SPELLED for w in words)


def introduced_first(question: str, hits: Sequence[Hit], sentences: Sequence[Sentence],
                     k: int) -> tuple[list[Hit], bool]:
    """``hits`` with the sentence that introduces whom ``question`` asks about first,
    scored as the best hit (it stands in for it), when the question asks who they are;
    and whether it does (then that sentence is the one to answer from)."""
    name = person_asked(question)
    if not hits or name is None:
        return list(hits), False
    doc = hits[0].sentence.doc_id
    first = first_mention(name, [s for s in sentences if s.doc_id == doc])
    if first is None:
        return list(hits), False
    if first.id == hits[0].sentence.id:
        return list(hits), True
    rest = [h for h in hits if h.sentence.id != first.id]
    ranked = [Hit(first, hits[0].score, 0), *rest][:k]
    return [Hit(h.sentence, h.score, rank) for rank, h in enumerate(ranked)], True


# "Qui est le président américain cité ?", "Who is his American counterpart?", "What is
# the name of the Syrian president?": the answer is the name the role describes.
_HOLDER_ASKS = re.compile(
    r"^\W*(?:(?:and|et)\s+)?(?:qui\s+(?:est|était|etait|sont|étaient)|who\s+(?:is|was|are|were)"
    r"|what\s+(?:is|was)\s+the\s+name\s+of|comment\s+s['’]appel+e|quel\s+est\s+le\s+nom\s+d)"
    r"\s*(?:the|his|her|their|its|le|la|les|l['’]|son|sa|ses|u|e\s+la|e\s+l['’])\s*\w",
    re.IGNORECASE)


def holder_asked(question: str) -> bool:
    """Whether ``question`` asks for the name of whoever holds a role it describes."""
    return bool(_HOLDER_ASKS.match(question.strip())) and person_asked(question) is None


def role_words(name: str, sentence: str) -> str | None:
    """The words ``sentence`` writes before ``name`` where it names that person ("à son
    homologue américain" for Donald Trump), without the name; None when it does not."""
    wanted = {w for w in WORDS.findall(fold(name)) if len(w) > 2}
    for person, words in people(sentence):
        if wanted and wanted <= _words(person) and words.endswith(person):
            return words[: len(words) - len(person)].strip(" ,;:") or None
    return None


def without_name(name: str, text: str) -> str:
    """``text`` without the words of ``name``: "Donald Trump is the US president" → "is
    the US president"."""
    for part in name.split():
        text = re.sub(rf"(?<![\w'’-]){re.escape(part)}(?![\w'’-])", "", text, flags=re.I)
    return " ".join(text.split())


# "Qui a transmis… ?", "Who expressed…?", "Par qui… ?", "By whom…?": the doer asked for
# (not who someone is: "Qui est…", "Who was…", which ``holder_asked`` reads).
_DOER_ASKS = re.compile(
    r"^\W*(?:(?:and|et)\s+)?(?:(?:par|by)\s+(?:qui|whom)\b|qui\s+(?!est\b|était\b|etait\b"
    r"|sont\b|étaient\b)\w|who\s+(?!is\b|was\b|are\b|were\b)\w)", re.IGNORECASE)
# A sentence whose subject is a pronoun: "Il a également transmis…" says who only in
# the sentence before.
_PRONOUN_SUBJECT = re.compile(r"^\W*(?:il|elle|ils|elles|he|she|they)\b", re.IGNORECASE)


def doer_asked(question: str) -> bool:
    """Whether ``question`` asks who did something."""
    return bool(_DOER_ASKS.match(question.strip()))


def pronoun_subject(sentence: str) -> bool:
    """Whether ``sentence`` opens on a subject pronoun."""
    return bool(_PRONOUN_SUBJECT.match(sentence))
