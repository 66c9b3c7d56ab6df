"""Yes-or-no questions: "Was a civilian among the dead?", "La Syrie a-t-elle rejoint
la coalition ?".

The 1.5B answer model cannot answer them. Asked one as it is, it wrote the sentinel: the
contract asks for a fact, and "yes" is none. Told to begin with yes or no, it said "No"
to every English question of bench/questions/palmyre_polar.jsonl, the fact after it
made up to fit ("No, Syria did not join the anti-IS coalition [9]", where [9] says it
joined on 12 November), and "Oui" to "La Syrie a-t-elle rejoint la coalition en 2014 ?"
(2014 is when the coalition was created). Told to give the fact that settles it, it
wrote the sentinel again, or copied the question. So a yes-or-no question gets the
sentence that settles it, quoted as the extractive answer would (in the reader's
language when that is not the article's): the reader reads the yes or the no there.
"""

from __future__ import annotations

import re

from bot.facts import fold

_EN = re.compile(
    r"^\W*(?:(?:and|so|but)\s+)?(?:is|are|was|were|did|does|do|has|have|had|can|could"
    r"|will|would|should|might|must)\s+\w", re.IGNORECASE)
_FR_ASKS = re.compile(r"^\W*(?:(?:et|mais)\s+)?est-ce\s+qu", re.IGNORECASE)
# Inversion: "a-t-elle", "est-il", "ont-ils", "y a-t-il".
_FR_INVERSION = re.compile(r"\w-(?:t-)?(?:il|elle|ils|elles|on)\b", re.IGNORECASE)
_FR_QUESTION_WORDS = re.compile(
    r"\b(?:qui|que|qu'|quoi|quel|quelle|quels|quelles|lequel|laquelle|lesquels"
    r"|lesquelles|ou|quand|comment|combien|pourquoi)\b")
# "Can you tell me who died?", "Savez-vous combien de soldats…": a question word asked
# through a yes-or-no form.
_INDIRECT = re.compile(
    r"\b(?:tell|say|know|explain|dire|savoir|sait|savez|sais|indiquer|expliquer)\b"
    r"(?:\s+(?:me|us|moi|nous))?\s+(?:who|what|which|where|when|how|why|whom|whose|qui|que"
    r"|qu'|quoi|quel|quelle|quels|quelles|ou|quand|comment|combien|pourquoi|si)\b")


def asks_yes_no(question: str) -> bool:
    """Whether ``question`` is answered by yes or no."""
    folded = fold(question).replace("’", "'")
    if _INDIRECT.search(folded):
        return False
    if _EN.match(question) or _FR_ASKS.match(question):
        return True
    m = _FR_INVERSION.search(folded)
    return m is not None and not _FR_QUESTION_WORDS.search(folded[: m.start()])
