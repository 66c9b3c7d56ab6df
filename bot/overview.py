"""Questions on the article as a whole: "What is this article about?", "Résume l'article".

No sentence is about "the article", so retrieval scores every one low ("De quoi parle
cet article ?" 0.28 at best, under the gate) and the question was refused. A news
article says what it is about in its lede, its opening paragraph: that is what such a
question is answered from, whatever the scores.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.text import fold
from index.types import Sentence

_TEXT = r"(?:article|story|text|piece|report|news|texte|papier|depeche|recit)"
_THIS = r"(?:this|the|that|cet|cette|ce|l'|le|la)\s*"
# Matched on the question folded to lower case without accents.
_ASKS = re.compile(
    r"^\W*(?:(?:and|so|et|alors|ok|okay),?\s+)?(?:"
    # "What is this article about?", "What's the story about?"
    rf"what(?:'s| is| was)\s+{_THIS}{_TEXT}\s+(?:about|on)"
    # "Summarise the article", "Can you summarize it?", "Give me a summary"
    r"|(?:(?:can|could) you\s+|please\s+)?summari[sz]e\b"
    r"|(?:give me |write )?(?:a |the )?(?:short |brief |quick )?summary\b"
    r"|tl;?dr\b"
    r"|what(?:'s| is| are)\s+(?:the )?(?:gist|main points?|key points?)\b"
    r"|what happened\s*\W*$"
    rf"|what does {_THIS}{_TEXT} (?:say|tell|report)\s*(?:us\s*)?\W*$"
    # "De quoi parle cet article ?", "De quoi traite le texte ?", "De quoi s'agit-il ?"
    rf"|de quoi (?:parle|traite)\s+{_THIS}{_TEXT}"
    r"|de quoi s'agit-il"
    # "Résume l'article", "Résumez-moi le texte", "Fais un résumé", "Un résumé ?"
    r"|(?:peux-tu |pouvez-vous |tu peux |vous pouvez )?(?:me |nous )?resume[rz]?\b"
    r"|(?:un |le )resume\s*\W*$"
    r"|(?:fais|faites|donne|donnez)(?:-moi)? (?:un |le )?resume\b"
    rf"|quel (?:est|etait) (?:le )?(?:sujet|theme|propos)\b"
    rf"|que (?:dit|raconte) {_THIS}{_TEXT}"
    r"|quels sont les points (?:principaux|cles|essentiels)"
    r"|qu'est-ce qui s'est passe\s*\W*$|que s'est-il passe\s*\W*$"
    r")")


def asks_overview(question: str) -> bool:
    """Whether ``question`` asks what the article as a whole says."""
    return bool(_ASKS.search(fold(question).replace("’", "'")))


# A title line: no closing punctuation ("Attaque près de Palmyre").
_CLOSED = re.compile(r"[.!?…»\"”)]\s*$")


def lede(sentences: Sequence[Sentence], doc_id: str, most: int = 2) -> list[Sentence]:
    """The opening sentences of ``doc_id``'s first paragraph that is not a title line,
    at most ``most`` of them."""
    own = sorted((s for s in sentences if s.doc_id == doc_id), key=lambda s: s.n)
    body = [s for s in own if _CLOSED.search(s.text)]
    if not body:
        return own[:1]
    first = body[0].paragraph
    return [s for s in body if s.paragraph == first][:most]
