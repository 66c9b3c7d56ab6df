"""Wiring: from a ``Settings`` object to a ready ``Citebot`` (embedder, index, chain)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from langchain_core.language_models.chat_models import BaseChatModel

from bot.calibration import load_thresholds
from bot.chain import CitedQA
from bot.conversation import Conversation, Turn
from bot.generate import Generator, TokenSink, count_tokens, numbered_lines
from bot.lang import Detector, LanguageDetector
from bot.llm import LocalChatModel, make_chat_model
from bot.settings import Settings
from bot.types import Answer
from index.articles import load_articles
from index.embedder import (
    NO_TITLE,
    TITLE_FIELD,
    BatchedEmbedder,
    Embedder,
    SentenceTransformerEmbedder,
    variant_of,
)
from index.errors import CitebotError
from index.manifest import SourceInfo
from index.models import REGISTRY, check_model
from index.retriever import make_retriever
from index.store import SentenceIndex, build_index, open_index
from index.types import Article, Sentence

log = logging.getLogger(__name__)

BuildProgress = Callable[[int, int], None]


def _model_prompts(folder: Path) -> dict[str, str]:
    try:
        cfg = json.loads((folder / "config_sentence_transformers.json").read_text())
        return dict(cfg.get("prompts") or {})
    except (OSError, json.JSONDecodeError):
        return {}


def make_embedder(settings: Settings) -> BatchedEmbedder:
    """The embedder the settings name: a provisioned model, a local folder, or a hub id,
    run by the configured backend, precision and dimension."""
    name = settings.embedding_model
    if name in REGISTRY:
        ref = str(check_model(settings.models_root, REGISTRY[name]))
    elif Path(name).expanduser().is_dir():
        ref = str(Path(name).expanduser().resolve())
    elif settings.hub_offline:
        raise CitebotError(
            f"Embedding model {name!r} is neither provisioned nor a local folder, and the "
            "hub is off (CITEBOT_HUB_OFFLINE=true). Run `citebot models list`."
        )
    else:
        ref = name
    prompts = _model_prompts(Path(ref)) if Path(ref).is_dir() else {}
    query_prompt = (settings.query_prompt if settings.query_prompt is not None
                    else prompts.get("query", ""))
    document_prompt = (settings.document_prompt if settings.document_prompt is not None
                       else prompts.get("document", ""))
    if settings.embed_titles_from:
        # The model names the title it was trained with, "none" when there is none.
        document_prompt = document_prompt.replace(f"title: {NO_TITLE} |",
                                                  f"title: {TITLE_FIELD} |")
    elif TITLE_FIELD in document_prompt:
        document_prompt = document_prompt.replace(TITLE_FIELD, NO_TITLE)
    if settings.embedding_backend != "torch":
        if not Path(ref).is_dir():
            raise CitebotError(f"CITEBOT_EMBEDDING_BACKEND={settings.embedding_backend} needs "
                               "a local model folder to export; use torch for a hub id.")
        from index.runtimes import RuntimeEmbedder

        return RuntimeEmbedder(
            Path(ref), settings.models_root, backend=settings.embedding_backend,
            model_id=name, precision=settings.embedding_precision,
            query_prompt=query_prompt, document_prompt=document_prompt,
            batch_size=settings.embed_batch_size, threads=settings.threads,
            dim=settings.embedding_dim,
        )
    return SentenceTransformerEmbedder(
        ref,
        model_id=name,
        query_prompt=query_prompt,
        document_prompt=document_prompt,
        batch_size=settings.embed_batch_size,
        threads=settings.threads,
        offline=settings.hub_offline,
        precision=settings.embedding_precision,
        dim=settings.embedding_dim,
    )


@dataclass
class Citebot:
    """The product: answers questions within conversations."""

    settings: Settings
    qa: CitedQA
    notices: list[str] = field(default_factory=list)  # said once, at start-up

    def new_conversation(self) -> Conversation:
        return Conversation(max_turns=self.settings.history_turns)

    def ask(
        self, question: str, conversation: Conversation, on_token: TokenSink | None = None
    ) -> Answer:
        answer = self.qa.invoke(question, conversation, on_token)
        conversation.add(
            Turn(answer.question, answer.answer, answer.language,
                 tuple(c.id for c in answer.citations))
        )
        return answer

    def sources(self) -> list[SourceInfo]:
        return list(self.qa.retriever.index.manifest.sources)


def load_index(
    settings: Settings,
    embedder: Embedder,
    progress: BuildProgress | None = None,
    *,
    force: bool = False,
    articles: Sequence[Article] | None = None,
) -> SentenceIndex:
    """``articles``: ``settings.articles`` already loaded by the caller, if it has them."""
    settings.ensure_data_dir()
    if articles is None:
        articles = load_articles(settings.articles)
    if force:
        return build_index(settings.index_path, articles, embedder, progress,
                           kind=settings.index_kind, titles_from=settings.embed_titles_from)
    return open_index(
        settings.index_path, articles, embedder, rebuild=settings.auto_rebuild, progress=progress,
        kind=settings.index_kind, titles_from=settings.embed_titles_from,
    )


class _Auto:
    """Marker: build the chat model the settings name."""


AUTO = _Auto()


def open_chat_model(settings: Settings, chat_model: BaseChatModel | None | _Auto,
                    notices: list[str]) -> BaseChatModel | None:
    """The chat model the settings name, loaded; None (with a notice) when it cannot be."""
    if isinstance(chat_model, _Auto):
        try:
            chat_model = make_chat_model(settings)
        except CitebotError as e:
            # No model is no reason not to answer: quote the article instead.
            log.warning("answer model unavailable: %s", e)
            notices.append(str(e))
            return None
    if isinstance(chat_model, LocalChatModel):
        try:
            chat_model.load()
        except Exception as e:  # a corrupt GGUF or a broken build: quote instead
            log.warning("local answer model failed to load: %s", e)
            notices.append(f"The local answer model failed to load ({e}); "
                           "answers quote the article.")
            return None
    return chat_model


def make_generator(settings: Settings, chat_model: BaseChatModel | None | _Auto,
                   notices: list[str], sentences: Sequence[Sentence] = ()) -> Generator | None:
    """The answer step for ``chat_model``, its fixed prompt being warmed in the background.

    ``sentences``: the indexed corpus; when its numbered text fits
    ``settings.llm_article_tokens`` it all goes into the cached prompt prefix.
    """
    chat_model = open_chat_model(settings, chat_model, notices)
    if chat_model is None:
        return None
    fits = bool(sentences) and count_tokens(
        chat_model, numbered_lines(sentences)) <= settings.llm_article_tokens
    generator = Generator(chat_model, article=list(sentences) if fits else ())
    if isinstance(chat_model, LocalChatModel):
        # Restoring the saved prefix takes milliseconds, evaluating it seconds and
        # printing nothing: either runs while the user types.
        threading.Thread(target=chat_model.warm_up, args=(generator.system_text,),
                         name="llm-warm-up", daemon=True).start()
    return generator


def create_citebot(
    settings: Settings,
    embedder: Embedder | None = None,
    detector: Detector | None = None,
    progress: BuildProgress | None = None,
    chat_model: BaseChatModel | None | _Auto = AUTO,
    articles: Sequence[Article] | None = None,
) -> Citebot:
    embedder = embedder or make_embedder(settings)
    index = load_index(settings, embedder, progress, articles=articles)
    # An index of many articles needs higher bars than one article (bot/calibration.py).
    thresholds = load_thresholds(embedder.model_id, variant_of(embedder)).for_corpus(
        len(index.manifest.sources))
    if settings.answer_threshold is not None:
        thresholds = replace(thresholds, same_language=settings.answer_threshold,
                             cross_language=settings.answer_threshold)
    if detector is None:
        detector = LanguageDetector()
        # Its models take a second or two to load: do it while the user types.
        threading.Thread(target=detector.warm_up, name="lang-warm-up", daemon=True).start()
    notices: list[str] = []
    qa = CitedQA(
        retriever=make_retriever(index, embedder, settings.retrieval),
        detector=detector,
        thresholds=thresholds,
        generator=make_generator(settings, chat_model, notices, index.sentences),
        top_k=settings.top_k,
        max_citations=settings.max_citations,
        max_question_chars=settings.max_question_chars,
        llm_sentences=settings.llm_sentences,
    )
    return Citebot(settings, qa, notices)
