"""The one settings object, read once at start-up and passed to whatever needs it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from index.models import EMBEDDINGGEMMA

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ARTICLE = PROJECT_ROOT / "articles" / "palmyre.fr.txt"


class Settings(BaseSettings):
    """citebot's settings; each may be set as ``CITEBOT_<NAME>`` or in a ``.env`` file."""

    model_config = SettingsConfigDict(
        env_prefix="CITEBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore",
    )

    data_dir: Path = Field(
        Path("data"),
        description="Where models, indexes and history live (git-ignored; made private, 0700).",
    )
    articles: list[Path] = Field(
        default_factory=lambda: [DEFAULT_ARTICLE],
        description="Article files or folders (.txt, .md, JSONL {id,title,lang,text}) to answer "
        "from. As an env var: a JSON list.",
    )
    models_dir: Path | None = Field(
        None,
        description="Where provisioned models live; default: <data_dir>/models.",
    )
    index_name: str = Field("default", description="Name of the index folder under data_dir.")
    embedding_model: str = Field(
        EMBEDDINGGEMMA.name,
        description="A provisioned model name (see `citebot models list`), a local "
        "sentence-transformers folder, or a hub id (needs hub access and hub_offline=false).",
    )
    query_prompt: str | None = Field(
        None, description="Prefix for queries; default: the model's own retrieval prompt."
    )
    document_prompt: str | None = Field(
        None, description="Prefix for indexed sentences; default: the model's own prompt. "
        "A '{title}' in it is filled with each sentence's article title.",
    )
    embed_titles_from: int = Field(
        20, ge=0,
        description="Embed each sentence with its article's title once the index holds this "
        "many articles (0: never), where the model's document prompt has a title "
        "('title: none | ' for EmbeddingGemma). Titles help find the right article among "
        "many but blur near misses within one (bench/quality.py, bench/calibrate.py); 20 is "
        "where the corpus thresholds, fitted on titled vectors, apply.",
    )
    hub_offline: bool = Field(
        True, description="Set HF_HUB_OFFLINE=1 so nothing is fetched from a model hub."
    )
    embed_batch_size: int = Field(
        8, ge=1, le=1024,
        description="Sentences per embedding batch, sorted by length; 8 measured fastest for "
        "onnx int8 on 2 cores (bench/speed.py), torch prefers 16.",
    )
    threads: int | None = Field(
        None, ge=1, le=256,
        description="CPU threads for the embedding model (torch, ONNX Runtime, OpenVINO); "
        "default: the runtime's own choice.",
    )
    embedding_backend: Literal["torch", "onnx", "openvino"] = Field(
        "onnx",
        description="Runs the embedding model: 'torch' (sentence-transformers), 'onnx' (ONNX "
        "Runtime; the default, with int8: 3.2x torch fp32, recall@5 within a point) or "
        "'openvino'; the last two run an ONNX export made locally, once, under "
        "<models_dir>/<model>.onnx. Compared by bench/speed.py.",
    )
    embedding_precision: Literal["fp32", "bf16", "int8"] = Field(
        "int8",
        description="Embedding arithmetic: 'fp32'; 'bf16' (torch, openvino; fast on CPUs with "
        "AVX512-BF16/AMX); 'int8' (onnx, openvino; dynamic quantisation of the export).",
    )
    embedding_dim: Literal[128, 256, 512, 768] | None = Field(
        None,
        description="Keep the first N dimensions of each vector (Matryoshka), re-normalised: "
        "a smaller index and faster search; default: the model's full size.",
    )
    index_kind: Literal["flat", "hnsw"] = Field(
        "flat",
        description="FAISS search: 'flat' (exact; within 50 ms up to ~100k sentences on 2 "
        "cores) or 'hnsw' (approximate, ~2 ms at 100k, for larger corpora; bench/scale.py). "
        "Changing it rebuilds the index.",
    )
    top_k: int = Field(5, ge=1, le=50, description="Sentences retrieved per question.")
    retrieval: Literal["dense", "hybrid"] = Field(
        "dense",
        description="'dense': embedding similarity only; 'hybrid': embeddings fused with BM25 "
        "(French stems) by reciprocal rank fusion. Compared by bench/quality.py.",
    )
    max_citations: int = Field(
        2, ge=1, le=10, description="At most this many sentences quoted in an extractive answer."
    )
    answer_threshold: float | None = Field(
        None,
        description="Override the calibrated similarity below which a question is deemed "
        "not answered by the article (default: bot/calibration.json for the model).",
    )
    auto_rebuild: bool = Field(
        True, description="Rebuild the index when it is missing or stale, instead of refusing."
    )
    llm: Literal["local", "openai", "none"] = Field(
        "local",
        description="Answer model: 'local' (the provisioned GGUF via llama.cpp), 'openai' "
        "(any OpenAI-compatible server), or 'none' (quote the article). Falls back to "
        "'none' when the model is missing, fails or times out.",
    )
    llm_max_tokens: int = Field(120, ge=8, le=2048, description="Cap on answer tokens.")
    llm_timeout_s: float = Field(
        30.0, gt=0, description="Give up on the model after this long and quote instead."
    )
    llm_threads: int | None = Field(
        None, ge=1, le=256, description="Threads for llama.cpp; default: all cores."
    )
    llm_context: int = Field(4096, ge=512, le=32768, description="llama.cpp context size.")
    llm_sentences: int = Field(
        3, ge=1, le=20, description="At most this many retrieved sentences shown to the model."
    )
    llm_article_tokens: int = Field(
        1500, ge=0, le=16384,
        description="When all indexed sentences fit this many tokens, the whole article goes "
        "into the model's fixed, KV-cached prompt prefix (fast first token); larger corpora "
        "show the model only the retrieved sentences. 0: always retrieved sentences.",
    )
    llm_state_cache: bool = Field(
        True,
        description="Save the local model's evaluated prompt prefix under "
        "<data_dir>/cache/llm, so later start-ups restore it in milliseconds instead of "
        "evaluating it again (10-20 s on two cores).",
    )
    openai_base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1."
    )
    openai_api_key: SecretStr = Field(
        SecretStr("not-needed"), description="API key for the OpenAI-compatible server."
    )
    openai_model: str | None = Field(None, description="Model name on that server.")
    max_question_chars: int = Field(
        1000, ge=20, le=100_000, description="Longer questions are truncated, with a notice."
    )
    history_turns: int = Field(
        6, ge=0, le=50, description="Past question/answer pairs kept per conversation."
    )
    log_level: str = Field("WARNING", description="Python logging level.")
    telegram_token: SecretStr | None = Field(
        None, description="Telegram bot token from @BotFather (never logged or printed)."
    )
    telegram_token_file: Path | None = Field(
        None, description="A file holding the Telegram token, instead of telegram_token."
    )
    telegram_base_url: str = Field(
        "https://api.telegram.org/bot",
        description="Bot API base URL, the token is appended (a local Bot API server, tests).",
    )
    allowed_users: Annotated[list[int], NoDecode] = Field(
        default_factory=list,
        description="Telegram user ids allowed to ask (comma-separated); empty: everyone.",
    )
    allowed_chats: Annotated[list[int], NoDecode] = Field(
        default_factory=list,
        description="Telegram chat ids the bot answers in (comma-separated); empty: all.",
    )
    user_questions_per_minute: int = Field(
        10, ge=1, le=10_000, description="Per-user question rate limit in Telegram."
    )
    telegram_edit_interval_s: float = Field(
        1.5, ge=0.1, le=60,
        description="Least time between edits of a streamed answer (Telegram rate limits).",
    )
    telegram_timeout_s: float = Field(
        10.0, gt=0, le=300, description="Seconds to wait for Telegram to answer a request."
    )
    telegram_workers: int = Field(
        2, ge=1, le=64, description="Threads computing answers for Telegram chats."
    )
    webhook_url: str | None = Field(
        None, description="Public HTTPS URL Telegram posts updates to; unset: long polling."
    )
    webhook_secret: SecretStr | None = Field(
        None,
        description="Secret Telegram sends with each webhook request (A-Z a-z 0-9 _ -); "
        "default: a random one per start.",
    )
    webhook_listen: str = Field("127.0.0.1", description="Address the webhook server binds.")
    webhook_port: int = Field(8443, ge=1, le=65535, description="Port of the webhook server.")

    @field_validator("allowed_users", "allowed_chats", mode="before")
    @classmethod
    def _id_list(cls, v: object) -> object:
        # "123, -100456" from the environment; JSON lists and Python lists pass through.
        if isinstance(v, str):
            v = v.strip()
            if v.startswith("["):
                return json.loads(v)
            return [int(part) for part in v.replace(";", ",").split(",") if part.strip()]
        return v

    @model_validator(mode="after")
    def _embedding_variant(self) -> Settings:
        from index.variants import PRECISIONS

        allowed = PRECISIONS[self.embedding_backend]
        if self.embedding_precision not in allowed:
            raise ValueError(f"embedding_backend {self.embedding_backend!r} supports precision "
                             f"{', '.join(allowed)}, not {self.embedding_precision!r}")
        return self

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, v: Path) -> Path:
        return v.expanduser()

    @property
    def models_root(self) -> Path:
        return (self.models_dir or self.data_dir / "models").expanduser()

    @property
    def index_path(self) -> Path:
        return self.data_dir / "indexes" / self.index_name

    @property
    def llm_state_dir(self) -> Path:
        return self.data_dir / "cache" / "llm"

    @property
    def history_path(self) -> Path:
        return self.data_dir / "history.sqlite3"

    def ensure_data_dir(self) -> Path:
        """Create the data dir, private to its owner: it holds history and tokens' traces."""
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.data_dir.chmod(0o700)
        return self.data_dir
