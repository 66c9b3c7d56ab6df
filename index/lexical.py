"""BM25 over the indexed sentences, with French stemming and French/English stop words.

Built in memory from the sentences of a ``SentenceIndex`` when the index is opened
(about a second for PIAF's 8,000 sentences), so nothing more is written to disk and it
can never disagree with the vectors. English stop words are dropped too: English
questions over French articles still share names and numbers with them, and their
function words would only add noise.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)
# French elisions: "l'armée", "qu'il" → "armée", "il".
_ELISION = re.compile(r"\b(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_FRENCH

    return frozenset(STOPWORDS_FRENCH) | frozenset(STOPWORDS_EN)


class Tokenizer:
    """Lower-cased words, elisions and stop words removed, French Snowball stems."""

    def __init__(self) -> None:
        import Stemmer

        self._stemmer = Stemmer.Stemmer("french")
        self._stop = _stop_words()

    def __call__(self, text: str) -> list[str]:
        text = _ELISION.sub(" ", unicodedata.normalize("NFC", text).lower())
        words = [w for w in _WORD.findall(text) if w not in self._stop]
        return list(self._stemmer.stemWords(words))


class LexicalIndex:
    """BM25 (Lucene variant) scores of a query against every sentence, by row."""

    def __init__(self, texts: Sequence[str], tokenizer: Tokenizer | None = None) -> None:
        import bm25s

        self._tokenize = tokenizer or Tokenizer()
        self._bm25 = bm25s.BM25()
        # An empty document still needs one token for bm25s to keep rows aligned.
        corpus = [self._tokenize(t) or ["\0"] for t in texts]
        self._bm25.index(corpus, show_progress=False)
        self._size = len(texts)

    def __len__(self) -> int:
        return self._size

    def scores(self, query: str) -> np.ndarray:
        """One BM25 score per row; all zero when the query has no known word."""
        tokens = [t for t in self._tokenize(query) if t in self._bm25.vocab_dict]
        if not tokens:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def top(self, query: str, n: int) -> list[int]:
        """Rows of the ``n`` best-scoring sentences that share a word with the query."""
        scores = self.scores(query)
        n = min(n, self._size)
        if n <= 0:
            return []
        rows = np.argpartition(-scores, n - 1)[:n]
        rows = rows[np.argsort(-scores[rows], kind="stable")]
        return [int(r) for r in rows if scores[r] > 0]
