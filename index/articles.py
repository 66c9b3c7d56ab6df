"""Load articles from .txt/.md files, folders of them, or JSONL ``{id,title,lang,text}``."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from index.errors import CitebotError
from index.types import Article

TEXT_SUFFIXES = (".txt", ".md")
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_LANG_SUFFIX = re.compile(r"\.(fr|en)$")


def _doc_id(raw: str) -> str:
    return _ID_UNSAFE.sub("-", raw).strip("-") or "doc"


def _guess_lang(stem: str) -> str:
    # ``palmyre.fr.txt`` says its language in its name; otherwise French, the default corpus.
    m = _LANG_SUFFIX.search(stem)
    return m.group(1) if m else "fr"


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise CitebotError(f"Cannot read article {path}: {e.strerror or e}") from e
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CitebotError(f"Article {path} is not UTF-8 text ({e.reason}).") from e


def _from_text_file(path: Path) -> Article:
    text = _read_text(path)
    # A file name is a poor title but the only one a .txt has: without its language
    # suffix and separators it reads as words (the title may be embedded with each sentence).
    title = " ".join(re.split(r"[-_\s]+", _LANG_SUFFIX.sub("", path.stem))).strip() or path.stem
    if path.suffix == ".md":
        heading = re.match(r"\s*#\s+(.+)\n", text)
        if heading:
            title, text = heading.group(1).strip(), text[heading.end() :]
    if not text.strip():
        raise CitebotError(f"Article {path} is empty.")
    return Article(
        id=_doc_id(path.stem), title=title, lang=_guess_lang(path.stem), text=text,
        source=str(path),
    )


def _from_jsonl(path: Path) -> Iterator[Article]:
    for lineno, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            text = obj["text"]
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise CitebotError(
                f"{path}:{lineno}: expected a JSON object with at least a 'text' field."
            ) from e
        if not isinstance(text, str) or not text.strip():
            raise CitebotError(f"{path}:{lineno}: 'text' must be a non-empty string.")
        raw_id = str(obj.get("id") or f"{path.stem}-{lineno}")
        yield Article(
            id=_doc_id(raw_id), title=str(obj.get("title") or raw_id),
            lang=str(obj.get("lang") or "fr"), text=text, source=f"{path}#{lineno}",
        )


def _files_of(path: Path) -> list[Path]:
    if path.is_dir():
        found = sorted(
            p for p in path.rglob("*") if p.is_file() and p.suffix in (*TEXT_SUFFIXES, ".jsonl")
        )
        if not found:
            raise CitebotError(f"No .txt, .md or .jsonl articles in folder {path}.")
        return found
    if not path.exists():
        raise CitebotError(f"Article not found: {path}")
    if path.suffix not in (*TEXT_SUFFIXES, ".jsonl"):
        raise CitebotError(f"Unsupported article type {path.suffix!r}: use .txt, .md or .jsonl.")
    return [path]


def load_articles(paths: Iterable[Path]) -> list[Article]:
    """Every article under ``paths``, with ids made unique in load order."""
    articles: list[Article] = []
    seen: dict[str, int] = {}
    for path in paths:
        for file in _files_of(Path(path)):
            loaded = _from_jsonl(file) if file.suffix == ".jsonl" else [_from_text_file(file)]
            for art in loaded:
                count = seen.get(art.id, 0) + 1
                seen[art.id] = count
                if count > 1:
                    art = Article(f"{art.id}-{count}", art.title, art.lang, art.text, art.source)
                articles.append(art)
    if not articles:
        raise CitebotError("No articles to index.")
    return articles


def content_hash(articles: Iterable[Article]) -> str:
    """One sha256 over ids, titles and texts: what the index must be rebuilt for when it
    changes (titles are shown with citations, and may be part of the embeddings)."""
    h = hashlib.sha256()
    for art in articles:
        h.update(art.id.encode())
        h.update(b"\0")
        h.update(art.title.encode())
        h.update(b"\0")
        h.update(art.text.encode())
        h.update(b"\0")
    return h.hexdigest()
