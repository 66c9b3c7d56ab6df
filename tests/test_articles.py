import json
from pathlib import Path

import pytest

from index.articles import content_hash, load_articles
from index.errors import CitebotError
from tests.conftest import ARTICLE


def test_text_file(tmp_path: Path) -> None:
    [art] = load_articles([ARTICLE])
    assert (art.id, art.title, art.lang) == ("palmyre.fr", "palmyre", "fr")
    assert "Palmyre" in art.text


def test_markdown_heading_is_title(tmp_path: Path) -> None:
    p = tmp_path / "note.en.md"
    p.write_text("# A title\n\nFirst sentence. Second one.\n")
    [art] = load_articles([p])
    assert (art.title, art.lang) == ("A title", "en")
    assert "# A title" not in art.text


def test_folder_and_jsonl_with_unique_ids(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Un. Deux.")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("Trois.")
    rows = [{"id": "x/1", "title": "X", "lang": "en", "text": "Hello there."},
            {"text": "Sans id."}]
    (tmp_path / "more.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    arts = load_articles([tmp_path])
    ids = [a.id for a in arts]
    assert len(ids) == len(set(ids)) == 4
    assert {"x-1", "a", "a-2"} <= set(ids)


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("empty.txt", b"  \n", "empty"),
        ("bad.txt", b"\xff\xfe\x00bad", "not UTF-8"),
        ("bad.jsonl", b"{not json}\n", "JSON object"),
        ("bad.pdf", b"%PDF", "Unsupported"),
    ],
)
def test_bad_articles_are_clear_errors(
    tmp_path: Path, name: str, content: bytes, fragment: str
) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(CitebotError, match=fragment):
        load_articles([p])


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(CitebotError, match="not found"):
        load_articles([tmp_path / "nope.txt"])


def test_content_hash_tracks_text() -> None:
    arts = load_articles([ARTICLE])
    same = load_articles([ARTICLE])
    assert content_hash(arts) == content_hash(same)
    changed = [type(arts[0])(arts[0].id, arts[0].title, "fr", arts[0].text + " Plus.", "x")]
    assert content_hash(changed) != content_hash(arts)
