import pytest

from bot.lang import LanguageDetector


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Who is Asaad al-Shaibani?", "en"),
        ("Qui est Asaad al-Shaibani ?", "fr"),
        ("And how many were wounded?", "en"),
        ("Et combien ont été blessés ?", "fr"),
        ("Where did the ambush take place?", "en"),
        ("Où l’embuscade a-t-elle eu lieu ?", "fr"),
        ("Why?", "en"),
        ("Pourquoi ?", "fr"),
        ("What did the Syrian minister say about the attack on the troops?", "en"),
        ("Que pense le ministre syrien de l’attaque contre les troupes ?", "fr"),
    ],
)
def test_french_or_english(detector: LanguageDetector, text: str, lang: str) -> None:
    assert detector.detect(text, fallback="fr" if lang == "en" else "en") == lang


@pytest.mark.parametrize(
    "text",
    ["¿Quién murió cerca de Palmira?", "Кто погиб возле Пальмиры?", "من قتل قرب تدمر؟",
     "Wer ist in der Nähe von Palmyra gestorben?", "🙂", "12345"],
)
def test_other_languages_get_the_fallback(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text, fallback="fr") == "fr"
    assert detector.detect(text, fallback="en") == "en"
