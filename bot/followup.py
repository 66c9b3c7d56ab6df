"""Make a follow-up question standalone for retrieval, cheaply.

"And how many were wounded?" says nothing searchable about what "were wounded"
refers to; prefixing the previous question gives the retriever the missing subject.
Only questions that look like follow-ups (a leading "and/et", pronouns that point
back, or one or two words) are expanded, so a new topic is searched on its own.
"""

from __future__ import annotations

import re

from bot.conversation import Conversation

_LEADS = re.compile(r"^\s*(and|also|then|what about|how about|et|puis|aussi|alors|mais)\b", re.I)
_BACK_POINTERS = frozenset(
    "he she it they him her them his its their this that these those there "
    "il elle ils elles lui leur leurs cela ça celui celle ceux celles ce cet cette ces là y "
    "son sa ses".split()
)
_WORD = re.compile(r"[^\W\d_]+")
# "Why?", "Quand ?", "Combien ?": too few words to be a question on their own.
SHORT = 2


def is_follow_up(question: str) -> bool:
    words = [w.lower() for w in _WORD.findall(question)]
    return bool(
        _LEADS.match(question) or len(words) <= SHORT or any(w in _BACK_POINTERS for w in words)
    )


def standalone_query(question: str, conversation: Conversation) -> str:
    """The text to search with: the question, after the previous one when it follows up."""
    if not conversation.turns or not is_follow_up(question):
        return question
    return f"{conversation.turns[-1].question} {question}"
