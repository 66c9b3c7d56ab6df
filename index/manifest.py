"""The JSON manifest that records how an index was built.

An index is only used with the model, prompts, splitter and sources it was built
from; ``mismatch`` names the first difference so the caller can rebuild or refuse.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

FORMAT = 1


@dataclass(frozen=True)
class IndexSpec:
    """What an index must have been built from to be reused."""

    model_id: str
    query_prompt: str
    document_prompt: str
    splitter_version: str
    content_hash: str
    # Backend and precision of the embedder ("" for one that does not say, and for
    # indexes built before it was recorded); the dimension is ``Manifest.dimension``.
    variant: str = ""
    # "flat" (exact) or "hnsw" (approximate, for corpora past ~100k sentences).
    index_kind: str = "flat"
    # What a sentence is embedded with besides itself (``index/cast.py``); "" for
    # indexes embedded from the sentences alone.
    cast_version: str = ""


@dataclass(frozen=True)
class SourceInfo:
    id: str
    title: str
    lang: str
    source: str
    sentences: int


@dataclass
class Manifest:
    spec: IndexSpec
    dimension: int
    count: int
    sources: list[SourceInfo]
    files: dict[str, str] = field(default_factory=dict)  # file name -> sha256
    faiss_index: str = "IndexFlatIP"
    metric: str = "cosine"
    built_at: str = ""
    build_seconds: float = 0.0
    embedded: int = 0  # sentences embedded by the build that made this index…
    reused: int = 0  # …and those whose vectors it took from before (same text, same model)
    format: int = FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        raw: dict[str, Any] = json.loads(text)
        if raw.get("format") != FORMAT:
            raise ValueError(f"unsupported manifest format {raw.get('format')!r}")
        known = {f.name for f in fields(cls)}
        raw = {k: v for k, v in raw.items() if k in known}
        raw["spec"] = IndexSpec(**raw["spec"])
        raw["sources"] = [SourceInfo(**s) for s in raw["sources"]]
        return cls(**raw)

    @classmethod
    def read(cls, path: Path) -> Manifest:
        return cls.from_json(path.read_text(encoding="utf-8"))

    def mismatch(self, expected: IndexSpec) -> str | None:
        """A human-readable reason why this index does not fit ``expected``, or None."""
        labels = {
            "model_id": "embedding model",
            "query_prompt": "query prompt",
            "document_prompt": "document prompt",
            "variant": "embedding backend",
            "index_kind": "search index",
            "splitter_version": "sentence splitter version",
            "cast_version": "sentence context version",
            "content_hash": "articles",
        }
        for name, label in labels.items():
            have, want = getattr(self.spec, name), getattr(expected, name)
            if have != want:
                if name == "content_hash":
                    return "the articles changed since the index was built"
                return f"built with {label} {have!r}, settings ask for {want!r}"
        return None
