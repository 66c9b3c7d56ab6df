"""Offline language detection: French or English, anything else → the article's language.

Short questions full of names ("Marco Rubio ?") are hard for any detector, so a
question lingua cannot place confidently keeps the conversation's previous language.
"""

from __future__ import annotations

import re
import threading
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from bot.citations import QUOTED
from bot.types import Lang

if TYPE_CHECKING:
    from lingua import LanguageDetector as LinguaDetector

_LATIN = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿŒœ]")
_LETTER = re.compile(r"[^\W\d_]")
# French sets ? ! : ; off with a space; English never does.
_FRENCH_SPACING = re.compile(r"\w[ \u00a0\u202f][?!:;]")
# Closed-class words that short questions are made of; names carry no language.
_EN_WORDS = frozenset(
    "who whom whose what which where when why how many much is are was were did does do "
    "the an and of to in on at from by with about has have had been will would can could "
    "there this that these those it he she they his her their".split()
)
_FR_WORDS = frozenset(
    "qui que quoi quel quelle quels quelles où quand pourquoi comment combien est sont "
    "était étaient ont le la les un une des du au aux et dans sur pour par avec sans "
    "il elle ils elles ce cette ces son sa ses leur leurs qu lequel laquelle".split()
)
_WORD = re.compile(r"[^\W\d_]+")
# Confidence (0-1, between French and English alone) below which we fall back.
MIN_CONFIDENCE = 0.7
# A Latin-script question this sure to be another language is not French or English.
OTHER_CONFIDENCE = 0.5
# A word copied from the article this sure to be of its language, not the answer's.
COPIED_CONFIDENCE = 0.9
_LOWER_WORD = re.compile(r"(?<![\w'’-])[a-zà-öø-ÿœ]{4,}(?![\w'’-])")


class Detector(Protocol):
    """What the chain needs to pick the answer's language."""

    def detect(self, text: str, fallback: Lang) -> Lang: ...

    def copied_words(self, text: str, source: str, lang: Lang) -> list[str]: ...

    def warm_up(self) -> None: ...


class LanguageDetector:
    def __init__(self) -> None:
        self._lock = threading.Lock()

    @cached_property
    def _fr_en(self) -> LinguaDetector:
        from lingua import Language, LanguageDetectorBuilder

        return LanguageDetectorBuilder.from_languages(
            Language.FRENCH, Language.ENGLISH
        ).with_preloaded_language_models().build()

    @cached_property
    def _latin(self) -> LinguaDetector:
        from lingua import Language, LanguageDetectorBuilder

        return LanguageDetectorBuilder.from_languages(
            Language.FRENCH, Language.ENGLISH, Language.SPANISH, Language.GERMAN,
            Language.ITALIAN, Language.PORTUGUESE, Language.DUTCH,
        ).with_preloaded_language_models().build()

    def warm_up(self) -> None:
        with self._lock:
            self._fr_en  # noqa: B018 - loading the models is the point
            self._latin  # noqa: B018

    def copied_words(self, text: str, source: str, lang: Lang) -> list[str]:
        """The words of ``text`` (in ``lang``) copied from ``source`` that are surely of
        the other language: "the minister syrien of affairs foreign", "promote the
        reprise economy". Lower-case words of four letters or more, outside « quotes »,
        that lingua puts in the other language with ``COPIED_CONFIDENCE`` (names,
        capitalised, carry no language; a cognate such as "administration" or "civil"
        scores 0.5–0.65)."""
        written = {w.lower() for w in _WORD.findall(source)}
        words = [w for w in _LOWER_WORD.findall(QUOTED.sub(" ", text)) if w in written]
        if not words:
            return []
        from lingua import Language

        other = Language.ENGLISH if lang == "fr" else Language.FRENCH
        with self._lock:
            return [w for w in words if self._fr_en.compute_language_confidence(
                w, other) >= COPIED_CONFIDENCE]

    def detect(self, text: str, fallback: Lang) -> Lang:
        """French or English if the text is in one of them, else ``fallback``."""
        letters = _LETTER.findall(text)
        if not letters:
            return fallback
        if sum(bool(_LATIN.match(ch)) for ch in letters) < len(letters) / 2:
            return fallback  # Arabic, Cyrillic, CJK…: neither French nor English
        words = [w.lower() for w in _WORD.findall(text)]
        en = sum(w in _EN_WORDS for w in words)
        fr = sum(w in _FR_WORDS for w in words)
        with self._lock:
            best = self._latin.compute_language_confidence_values(text)[0]
            if best.language.name not in ("FRENCH", "ENGLISH") and best.value >= OTHER_CONFIDENCE:
                return fallback
            values = self._fr_en.compute_language_confidence_values(text)
        top = values[0]
        lang: Lang = "fr" if top.language.name == "FRENCH" else "en"
        if top.value >= 0.9 or en == fr == 0 and top.value >= MIN_CONFIDENCE:
            return lang
        if en != fr:
            return "en" if en > fr else "fr"
        if _FRENCH_SPACING.search(text):
            return "fr"
        return lang if top.value >= MIN_CONFIDENCE else fallback
