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
    "translated_intro": {
        "en": "The article says (in translation):",
        "fr": "Selon l’article (en traduction) :",
    },
    "polar_yes": {
        "en": "Yes.",
        "fr": "Oui.",
    },
    "polar_no": {
        "en": "No.",
        "fr": "Non.",
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
    "sources_line": {
        "en": "Sentences: {ids}",
        "fr": "Phrases : {ids}",
    },
    "start": {
        "en": "Hello! I answer questions about the article, quoting its sentences as proof. "
        "Ask in French or English.\n\n{help}",
        "fr": "Bonjour ! Je réponds aux questions sur l’article en citant ses phrases. "
        "Posez votre question en français ou en anglais.\n\n{help}",
    },
    "help_telegram": {
        "en": "Every answer quotes the article's sentences, numbered [n]. In groups, mention "
        "me or reply to me. Commands: /sources (the articles), /reset (new conversation), "
        "/lang fr|en|auto (answer language), /help.",
        "fr": "Chaque réponse cite les phrases de l’article, numérotées [n]. Dans un groupe, "
        "mentionnez-moi ou répondez-moi. Commandes : /sources (les articles), /reset "
        "(nouvelle conversation), /lang fr|en|auto (langue des réponses), /help.",
    },
    "sources": {
        "en": "{title}: {sentences} sentences",
        "fr": "{title} : {sentences} phrases",
    },
    "not_allowed": {
        "en": "Sorry, this bot is private.",
        "fr": "Désolé, ce bot est privé.",
    },
    "rate_limited": {
        "en": "Too many questions: please wait {seconds} s.",
        "fr": "Trop de questions : attendez {seconds} s.",
    },
    "apology": {
        "en": "Sorry, something went wrong on my side. Please try again.",
        "fr": "Désolé, une erreur s’est produite de mon côté. Réessayez.",
    },
    "lang_set": {
        "en": "Answer language: {choice}.",
        "fr": "Langue des réponses : {choice}.",
    },
    "lang_usage": {
        "en": "Usage: /lang fr, /lang en or /lang auto.",
        "fr": "Usage : /lang fr, /lang en ou /lang auto.",
    },
    "unknown_command": {
        "en": "Unknown command {command}. Try /help.",
        "fr": "Commande inconnue {command}. Essayez /help.",
    },
}


def message(key: str, lang: Lang, **values: object) -> str:
    return _MESSAGES[key][lang].format(**values)
