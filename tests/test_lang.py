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


def test_words_copied_from_the_article_that_only_its_language_has(
        detector: LanguageDetector) -> None:
    source = ("Le ministre syrien des Affaires étrangères a évoqué les mesures destinées à "
              "favoriser la reprise économique et la sécurité civile.")
    assert detector.copied_words("He is the minister syrien of affairs foreign [1].",
                                 source, "en") == ["syrien"]
    assert detector.copied_words("Rubio wants to promote the reprise economy [1].",
                                 source, "en") == ["reprise"]
    # English words, cognates, names, quotes and words the source lacks: none.
    assert detector.copied_words("The minister spoke of civil security measures [1].",
                                 source, "en") == []
    assert detector.copied_words("The article says: « la reprise économique » [1].",
                                 source, "en") == []
    assert detector.copied_words("He liked the croissants in Syrie [1].", source, "en") == []
    # The other way round: an English word in a French answer on an English article.
    assert detector.copied_words("Il a parlé de security [1].", "The security operation.",
                                 "fr") == ["security"]
