from hypothesis import given
from hypothesis import strategies as st

from bot.citations import MARKER, validate_citations
from bot.types import Citation

ARTICLE = {"a:1": "Première phrase.", "a:2": "Deuxième phrase.", "a:3": "Troisième."}


def lookup(sid: str) -> str | None:
    return ARTICLE.get(sid)


def test_valid_answer_unchanged() -> None:
    cits = [Citation(1, "a:1", "Première phrase."), Citation(2, "a:2", "Deuxième phrase.")]
    text, out = validate_citations("One [1]. Two [2].", cits, lookup)
    assert text == "One [1]. Two [2]."
    assert out == cits


def test_markers_pointing_nowhere_are_dropped_and_renumbered() -> None:
    cits = [Citation(1, "a:1", "x"), Citation(2, "a:2", "y"), Citation(3, "zz:9", "invented")]
    text, out = validate_citations("A [2]. B [7]. C [3]. D [1].", cits, lookup)
    assert text == "A [1]. B. C. D [2]."
    assert [(c.n, c.id) for c in out] == [(1, "a:2"), (2, "a:1")]
    # the quoted text is the article's, whatever the answerer claimed
    assert [c.text for c in out] == ["Deuxième phrase.", "Première phrase."]


def test_unused_citations_dropped_and_duplicates_merged() -> None:
    cits = [Citation(1, "a:1", ""), Citation(2, "a:3", ""), Citation(3, "a:1", "")]
    text, out = validate_citations("X [3] and [1].", cits, lookup)
    assert text == "X [1] and [1]."
    assert [c.id for c in out] == ["a:1"]


@given(
    st.lists(st.sampled_from(["a:1", "a:2", "a:3", "b:1"]), max_size=5),
    st.lists(st.one_of(st.text(max_size=20), st.integers(0, 9).map(lambda n: f"[{n}]")),
             max_size=12),
)
def test_repair_invariants(ids: list[str], pieces: list[str]) -> None:
    cits = [Citation(n, sid, "?") for n, sid in enumerate(ids, start=1)]
    text, out = validate_citations(" ".join(pieces), cits, lookup)
    used = {int(m.group(1)) for m in MARKER.finditer(text)}
    # every marker left points at a returned citation, and every citation is used
    assert used == {c.n for c in out}
    assert [c.n for c in out] == list(range(1, len(out) + 1))
    assert all(ARTICLE[c.id] == c.text for c in out)
