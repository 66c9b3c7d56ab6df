"""Follow-up questions: made standalone for retrieval, cheaply, and their answers checked
for being the previous answer again.

"And how many were wounded?" says nothing searchable about what "were wounded"
refers to; prefixing the previous question gives the retriever the missing subject.
Only questions that look like follow-ups (a leading "and/et", pronouns that point
back, or one or two words) are expanded, so a new topic is searched on its own.
The joined text is searched together with the follow-up alone (``search_queries``):
joined, the earlier question's words can outweigh the new one's.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from bot.citations import MARKER
from bot.conversation import Conversation, Turn
from bot.facts import fold
from bot.novelty import adds_nothing

_LEADS = re.compile(r"^\s*(and|also|then|what about|how about|et|puis|aussi|alors|mais)\b", re.I)
_BACK_POINTERS = frozenset(
    "he she it they him her them his its their this that these those there "
    "il elle ils elles lui leur leurs cela ça celui celle ceux celles ce cet cette ces là y "
    "son sa ses".split()
)
# French puts an object pronoun between the question word and the verb ("Qui le
# dirigeait ?", "Qui les a tués ?"): "le/la/les" there point back, elsewhere they are
# articles ("Qui est le président ?"). Not after "que", where they are mostly articles
# ("Que le ministre a-t-il dit ?"), nor before a capital ("Qui la Syrie a-t-elle…").
_OBJECT_PRONOUN = re.compile(
    r"^\s*(?i:qui|quand|où|ou|comment|pourquoi)\s+"
    r"(?i:l['’]|le|la|les|lui|leur)(?:\s+|(?<=['’]))[^\W\d_A-ZÀ-ÖØ-Þ]")
_WORD = re.compile(r"[^\W\d_]+")
# "Why?", "Quand ?", "Combien ?": too few words to be a question on their own.
SHORT = 2


def is_follow_up(question: str) -> bool:
    words = [w.lower() for w in _WORD.findall(question)]
    return bool(
        _LEADS.match(question) or _OBJECT_PRONOUN.match(question) or len(words) <= SHORT
        or any(w in _BACK_POINTERS for w in words)
    )


def standalone_query(question: str, conversation: Conversation) -> str:
    """The text to search with: the question, after the previous one when it follows up."""
    if not conversation.turns or not is_follow_up(question):
        return question
    return f"{conversation.turns[-1].question} {question}"


def search_queries(question: str, conversation: Conversation) -> tuple[str, ...]:
    """The texts whose vectors are averaged to search with.

    "Who called Marco Rubio? What did he pass on to him?" ranks the sentence on the call
    above the one on what was passed on: the earlier question names both men, the new
    one only asks what was passed on. Searched alone, the follow-up finds its sentence
    but may miss whom "he" means; the two averaged keep the referents and the new ask.
    """
    joined = standalone_query(question, conversation)
    return (joined,) if joined == question else (joined, question)


# How alike (0-1, characters of the folded text) an answer must be to the previous one
# to count as the same answer.
REPEAT_RATIO = 0.85


def _alike(a: str, b: str) -> bool:
    def bare(text: str) -> str:
        return " ".join(fold(MARKER.sub("", text)).split()).strip(" .?!")

    return SequenceMatcher(None, bare(a), bare(b)).ratio() >= REPEAT_RATIO


def _says_nothing_new(question: str, answer: str, last: Turn) -> bool:
    """Whether every content word and number of ``answer`` was already in the last
    exchange or in ``question``: "Quand l'ancien régime est-il tombé ?" answered "…en
    décembre 2024", then "Qui le dirigeait ?" answered "L'ancien régime est tombé en
    2024"."""
    said = " ".join([last.question, MARKER.sub("", last.answer), question])
    return adds_nothing(MARKER.sub("", answer), said)


def repeats_previous(question: str, answer: str, conversation: Conversation) -> bool:
    """Whether ``answer`` to a new ``question`` says again what the last answered turn said.

    Shown the earlier exchange, a small model often answers the earlier question once
    more ("What did he pass on to him?" → "Marco Rubio was called by al-Shaibani"):
    verified, since the article says it, yet no answer to what was asked. So is an
    answer saying nothing the exchange and the question had not already said: when the
    answer to a follow-up is something already named ("Where?" after "…died near
    Palmyra"), the quote of its sentence says it as well. The same question asked again
    may of course get the same answer.
    """
    answered = [t for t in conversation.turns if t.cited_ids]
    if not answered:
        return False
    last = answered[-1]
    return not _alike(question, last.question) and (
        _alike(answer, last.answer) or _says_nothing_new(question, answer, last))
