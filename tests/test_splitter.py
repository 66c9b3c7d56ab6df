import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.splitter import sentences_of, split_paragraphs, split_sentences
from tests.conftest import ARTICLE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("M. Dupont est arrivé. Il est parti.", ["M. Dupont est arrivé.", "Il est parti."]),
        ("Mme Martin et J.-P. Sartre lisent. Fin.", ["Mme Martin et J.-P. Sartre lisent.", "Fin."]),
        ("Le taux est de 3.5 % cette année. Ensuite 2,5 %.",
         ["Le taux est de 3.5 % cette année.", "Ensuite 2,5 %."]),
        ("Né en 300 av. J.-C. à Rome. Mort ensuite.",
         ["Né en 300 av. J.-C. à Rome.", "Mort ensuite."]),
        ("Il a dit « Bonjour ! » Puis il est parti.",
         ["Il a dit « Bonjour ! »", "Puis il est parti."]),
        ("Il cria « Au secours ! » et partit. Bon.",
         ["Il cria « Au secours ! » et partit.", "Bon."]),
        ("Ils étaient sept. Puis vers l’est. Ensuite rien.",
         ["Ils étaient sept.", "Puis vers l’est.", "Ensuite rien."]),
        ("Quoi ? Rien ! Vraiment… Oui.", ["Quoi ?", "Rien !", "Vraiment…", "Oui."]),
        ("Il attendait… puis il partit.", ["Il attendait… puis il partit."]),
        ("C. de Gaulle naquit à Lille. Ici.", ["C. de Gaulle naquit à Lille.", "Ici."]),
        ("Voir p. 12 et cf. Dupont. Ensuite.", ["Voir p. 12 et cf. Dupont.", "Ensuite."]),
        ("He said \"Stop.\" Then he left.", ["He said \"Stop.\"", "Then he left."]),
        ("", []),
        ("Pas de point final", ["Pas de point final"]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_paragraphs_blank_lines_or_lines() -> None:
    assert split_paragraphs("a\nb\n\nc") == ["a\nb", "c"]
    assert split_paragraphs("a\r\nb\n") == ["a", "b"]


def test_default_article_ids_are_stable_and_verbatim() -> None:
    text = ARTICLE.read_text(encoding="utf-8")
    sentences = list(sentences_of("palmyre.fr", text))
    assert [s.id for s in sentences] == [f"palmyre.fr:{n}" for n in range(1, 11)]
    assert sentences == list(sentences_of("palmyre.fr", text))
    soldiers = [s for s in sentences if "deux soldats américains et un civil" in s.text]
    assert len(soldiers) == 1 and soldiers[0].id == "palmyre.fr:7"
    for s in sentences:
        assert s.text in text  # verbatim: the article's own words


words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=200)


@given(words)
def test_splitting_preserves_text(text: str) -> None:
    folded = re.sub(r"\s+", " ", text).strip()
    parts = split_sentences(text)
    assert " ".join(parts) == folded
    assert all(p and p == p.strip() for p in parts)
