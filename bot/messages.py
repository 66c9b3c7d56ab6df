"""Every user-facing sentence, in French and English."""

from __future__ import annotations

from bot.types import Lang

_MESSAGES: dict[str, dict[Lang, str]] = {
    "not_in_article": {
        "en": "The article does not say.",
        "fr": "L’article ne le dit pas.",
    },
    "extractive_intro": {
        "en": "The article says:",
        "fr": "Selon l’article :",
    },
    "model_failed": {
        "en": "The answer model was unavailable, so the article is quoted instead.",
        "fr": "Le modèle de réponse n’a pas pu répondre : voici les phrases de l’article.",
    },
    "model_unverified": {
        "en": "The generated answer could not be checked against the article, so the "
        "article is quoted instead.",
        "fr": "La réponse générée n’a pas pu être vérifiée dans l’article : voici les "
        "phrases de l’article.",
    },
    "model_missing": {
        "en": "The local answer model is not available ({reason}); answers quote the article.",
        "fr": "Le modèle de réponse local est indisponible ({reason}) : les réponses citent "
        "l’article.",
    },
    "empty_question": {
        "en": "Please type a question about the article.",
        "fr": "Posez une question sur l’article.",
    },
    "no_words": {
        "en": "I could not read a question in that message: please use words.",
        "fr": "Je n’ai pas trouvé de question dans ce message : écrivez-la avec des mots.",
    },
    "truncated": {
        "en": "Your question was too long and was cut to its first {limit} characters.",
        "fr": "Votre question était trop longue : seuls ses {limit} premiers caractères "
        "ont été lus.",
    },
    "reset": {
        "en": "New conversation: earlier questions are forgotten.",
        "fr": "Nouvelle conversation : les questions précédentes sont oubliées.",
    },
    "help": {
        "en": "Ask a question about the article in French or English. Every answer quotes "
        "the article's sentences, numbered [n]. Commands: /sources (the articles), "
        "/reset (new conversation), /help, /quit.",
        "fr": "Posez une question sur l’article, en français ou en anglais. Chaque réponse "
        "cite les phrases de l’article, numérotées [n]. Commandes : /sources (les articles), "
        "/reset (nouvelle conversation), /help, /quit.",
    },
    "unknown_command": {
        "en": "Unknown command {command}. Try /help.",
        "fr": "Commande inconnue {command}. Essayez /help.",
    },
}


def message(key: str, lang: Lang, **values: object) -> str:
    return _MESSAGES[key][lang].format(**values)
