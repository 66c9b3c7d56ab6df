"""The people an article introduces, and the sentences embedded with who they are.

A news article says who someone is where it first names them ("le ministre syrien des
Affaires étrangères, Asaad al-Shaibani"); later sentences name them bare ("Asaad
al-Shaibani a qualifié l'attaque de nouveau défi…"). A reader asks by the role: "What
did the Syrian foreign minister call the attack?" scored 0.42 against the sentence that
answers it, under the one introducing him (0.53), which says nothing of the attack.

So a sentence that names someone introduced earlier in its article is embedded with
that introduction before it ("Asaad al-Shaibani (ministre syrien des Affaires
étrangères) : Asaad al-Shaibani a qualifié…"): 0.62 for that question, and 0.51 (from
0.53) for "What did al-Shaibani call the attack?". The sentence's text, as quoted and
cited, is unchanged; only what its vector is made from. ``CAST_VERSION`` is recorded in
the index manifest: an index embedded otherwise is rebuilt.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from index.text import UPPER, fold
from index.types import Sentence

# Recorded in the manifest; bump when what a sentence is embedded with changes.
CAST_VERSION = "cast-1"

_NAME_WORD = re.compile(rf"^\W*(?:[{UPPER}][\w'’-]+|(?:al|el|ben|bin|abu|ibn)-[{UPPER}][\w'’-]*)")
# The words a role takes before a name: "et le secrétaire d'État américain, Marco Rubio".
ROLE_WORDS = 5
# Determiners, which open a sentence capitalised ("Le Commandement central…").
DETERMINERS = frozenset("le la les un une des du ce cet cette ces son sa ses the a an "
                        "this that these those his her its their".split())
# Where a role's words begin: after the last of these followed by a lower-case word
# ("les condoléances du | président syrien Ahmed al-Charaa"). A role ending on one of
# them is none ("la chute de l'ancien régime de | Bachar al-Assad").
_FUNCTION = DETERMINERS | frozenset(
    "et ou de d à au aux par pour avec selon chez sur sous entre l en dans lors que qu qui "
    "dont où mais car donc puis alors comme ne se il elle ils elles est fut sont and or of "
    "to by for with from at on in that which who as is was are were".split())
_WORD = re.compile(r"\w+")
# Words with a digit or inner punctuation say no role ("l'âge de 15 ans", "nom, appelée").
_NOT_ROLE = re.compile(r"\d|[^\w'’-]")
# The names a sentence opens on ("Jean Dupont a…", "Le président Paul Martin…").
_OPENING = re.compile(rf"^\W*(?:(?i:{'|'.join(sorted(DETERMINERS))})\s+)?"
                      rf"(?:(?:[{UPPER}][\w'’-]*|(?:al|el)-[{UPPER}][\w'’-]*)\s*)*")
# A sentence whose subject is a pronoun says who only in the sentence before.
_PRONOUN = re.compile(r"^\W*(?:il|elle|he|she)\b", re.IGNORECASE)


def people(sentence: str, before: int = ROLE_WORDS) -> list[tuple[str, str]]:
    """The names of people ``sentence`` writes (two name words or more in a row:
    "Ahmed al-Charaa", not "Damas" or "Affaires"), each with the few words before it and
    itself, where a news sentence says who they are; those words stop at the name before
    ("…Ahmed al-Charaa à son homologue américain, Donald Trump")."""
    tokens = sentence.split()
    out = []
    i = last = 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and _NAME_WORD.match(tokens[j]):
            j += 1
            if tokens[j - 1][-1:] in ",;:).":
                break
        # "Le Commandement central…", "En Algérie…" open sentences: no first names.
        start = i + (j > i and _function(tokens[i]))
        if j - start >= 2:
            name = " ".join(tokens[start:j]).strip(",;:().")
            words = tokens[max(last, start - before): j]
            out.append((name, " ".join(words).strip(",;:().")))
            last = j
        i = max(j, i + 1)
    return out


def _function(token: str) -> bool:
    parts = _WORD.findall(fold(token))
    return len(parts) == 1 and parts[0] in _FUNCTION


def _elided(token: str) -> bool:
    # "l'ancien", "d'un": a function word and the lower-case word it runs into ("d'État"
    # runs into a name: part of the role).
    parts = re.split(r"['’]", token, maxsplit=1)
    return len(parts) == 2 and fold(parts[0]) in _FUNCTION and parts[1][:1].islower()


def role_of(name: str, words: str) -> str | None:
    """The role ``words`` (as ``people`` gives them) write before ``name``: "ministre
    syrien des Affaires étrangères" of "le ministre syrien des Affaires étrangères,
    Asaad al-Shaibani". A role opens after a determiner or a preposition ("du président
    syrien Ahmed al-Charaa"); None when none opens one, or no lower-case word says it."""
    before = words[: len(words) - len(name)].split() if words.endswith(name) else []
    start = None
    for k, token in enumerate(before):
        if _elided(token):
            start = k
        elif _function(token) and k + 1 < len(before) and before[k + 1][:1].islower():
            start = k + 1
    return None if start is None else _role(before[start:])


def _role(words: list[str]) -> str | None:
    words = [w.rstrip(",") for w in words]
    if not words or _function(words[-1]) or any(_NOT_ROLE.search(w) for w in words) \
            or not any(w[:1].islower() and not _function(w) for w in words):
        return None
    return " ".join(words)


def _role_after(name: str, sentence: str) -> str | None:
    """The role written after ``name`` between commas: "Jean Dupont, boulanger, a…"."""
    m = re.search(rf"{re.escape(name)}\s*,\s*([^,;:()]{{2,60}}?)\s*,", sentence)
    words = m.group(1).split() if m else []
    if not words or not words[0][:1].islower() or _function(words[0]) \
            or len(words) > ROLE_WORDS - 1:
        return None
    return _role(words)


def roles_in(sentence: str) -> dict[str, str]:
    """The people ``sentence`` names with the role it gives each, before or after them."""
    found: dict[str, str] = {}
    # (One word more than a role: the determiner that opens it.)
    for name, said in people(sentence, ROLE_WORDS + 1):
        if role := role_of(name, said) or _role_after(name, sentence):
            found.setdefault(name, role)
    return found


def _names_in(text: str) -> set[str]:
    return set(_WORD.findall(fold(text)))


def _mentions(name: str, words: set[str]) -> bool:
    # The full name, or its last word ("al-Shaibani", "Rubio"), as later sentences write it.
    parts = [p for p in _WORD.findall(fold(name)) if len(p) > 2]
    return bool(parts) and (set(parts) <= words or parts[-1] in words)


def in_context(sentences: Sequence[Sentence]) -> list[str]:
    """What each of one article's ``sentences`` (in order) is embedded as: itself, after
    who each person it names is, as an earlier sentence introduced them."""
    introduced: list[tuple[str, str, int]] = []  # name, role, sentence number
    out = []
    subject: str | None = None  # whom the sentence before opens on
    for s in sentences:
        words = _names_in(s.text)
        known = [f"{name} ({role})" for name, role, n in introduced
                 if n != s.n and (_mentions(name, words)
                                  or (name == subject and _PRONOUN.match(s.text)))]
        out.append(f"{' ; '.join(known)} : {s.text}" if known else s.text)
        for name, role in roles_in(s.text).items():
            if not any(_mentions(seen, _names_in(name)) for seen, _, _ in introduced):
                introduced.append((name, role, s.n))
        # "Il a également remercié…" is about whom the sentence before opened on.
        # ("Selon Jean Dupont, …" does not open on him: the name's first word must.)
        m = _OPENING.match(s.text)
        opening = _WORD.findall(fold(m.group(0))) if m else []
        subject = next((name for name, _, _ in introduced if opening
                        and opening[0] in _names_in(name)
                        and _mentions(name, set(opening))), None)
    return out


def embedded_texts(sentences: Iterable[Sentence]) -> list[str]:
    """``in_context`` for sentences of any number of articles, in their order."""
    sentences = list(sentences)  # read twice
    by_doc: dict[str, list[Sentence]] = {}
    for s in sentences:
        by_doc.setdefault(s.doc_id, []).append(s)
    texts = {s.id: t for doc in by_doc.values()
             for s, t in zip(doc, in_context(doc), strict=True)}
    return [texts[s.id] for s in sentences]
