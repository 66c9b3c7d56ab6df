"""Export a provisioned sentence-transformers model to ONNX, and quantise it, locally.

Nothing is downloaded: the ONNX graph is traced from the provisioned weights with
``torch.onnx`` and int8 is ONNX Runtime's dynamic quantisation of that graph. Each
export lives in ``<models>/<model>.onnx/<precision>/`` with an ``export.json`` that
records the source model's fingerprint, the tool versions and every file's size and
sha256; an export whose source changed, or whose files are missing or truncated, is made
again. The whole pipeline (transformer, pooling, dense layers, normalisation) is in one
graph whose output is the normalised sentence vector, so a runtime only tokenises.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from index.errors import CitebotError

log = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "export.json"
GRAPH = "model.onnx"
TOKENIZER = "tokenizer.json"
OUTPUT = "sentence_embedding"  # "embedding" clashes with a node name inside the graph
EXPORTABLE = ("fp32", "int8")


@dataclass
class ExportManifest:
    source: str
    source_fingerprint: str
    precision: str
    dimension: int
    max_length: int
    tools: dict[str, str]
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> size, sha256
    created_at: str = ""
    format: int = FORMAT


@dataclass(frozen=True)
class ExportedModel:
    """A ready ONNX export: the graph, its tokenizer and what it produces."""

    folder: Path
    precision: str
    dimension: int
    max_length: int

    @property
    def graph(self) -> Path:
        return self.folder / GRAPH

    @property
    def tokenizer(self) -> Path:
        return self.folder / TOKENIZER


def exports_root(models_root: Path, model_dir: Path) -> Path:
    return models_root / f"{model_dir.name}.onnx"


def fingerprint(model_dir: Path) -> str:
    """What the export depends on: every file's path and size, and the verified hashes."""
    h = hashlib.sha256()
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        h.update(f"{path.relative_to(model_dir).as_posix()}\0{path.stat().st_size}\0".encode())
    marker = model_dir / ".citebot-model.json"
    if marker.is_file():
        h.update(marker.read_bytes())
    return h.hexdigest()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(8 << 20):
            h.update(chunk)
    return h.hexdigest()


def _read_manifest(folder: Path) -> ExportManifest | None:
    try:
        raw = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        manifest = ExportManifest(**raw)
    except (OSError, ValueError, TypeError):
        return None
    return manifest if manifest.format == FORMAT else None


def _is_current(folder: Path, source_fp: str) -> ExportManifest | None:
    """The manifest when the export at ``folder`` fits the source and its files are whole.

    Sizes are checked on every start (cheap); the sha256 were checked when it was made.
    """
    manifest = _read_manifest(folder)
    if manifest is None or manifest.source_fingerprint != source_fp:
        return None
    for name, meta in manifest.files.items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != meta["size"]:
            return None
    return manifest


def _tool_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("torch", "transformers", "sentence-transformers", "onnx", "onnxruntime"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = ""
    return out


def _export_fp32(model_dir: Path, out: Path) -> tuple[int, int]:
    """Trace the whole sentence-transformers pipeline into ``out/model.onnx``."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    import torch
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(model_dir), device="cpu",
                             model_kwargs={"attn_implementation": "eager"}).eval()

    class Pipeline(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.st = st

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            features = {"input_ids": input_ids, "attention_mask": attention_mask}
            return self.st(features)["sentence_embedding"]

    sample = st.tokenizer(["title: none | text: Une phrase d'exemple, assez longue.", "Bref."],
                          padding=True, return_tensors="pt")
    max_length = int(st.max_seq_length or 2048)
    batch = torch.export.Dim("batch", min=1, max=4096)
    seq = torch.export.Dim("seq", min=2, max=max_length)
    with torch.no_grad():
        torch.onnx.export(
            Pipeline().eval(), (sample["input_ids"], sample["attention_mask"]),
            str(out / GRAPH), dynamo=True, external_data=True,
            input_names=["input_ids", "attention_mask"], output_names=[OUTPUT],
            dynamic_shapes={"input_ids": {0: batch, 1: seq},
                            "attention_mask": {0: batch, 1: seq}},
        )
    dim = st.get_embedding_dimension() if hasattr(st, "get_embedding_dimension") else (
        st.get_sentence_embedding_dimension())
    return int(dim or 0), max_length


def _quantise_int8(fp32: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Only the matrix products: that is where the time goes, and int8 activations keep
    # the vectors within a rounding error of fp32 on VNNI CPUs.
    quantize_dynamic(fp32 / GRAPH, out / GRAPH, weight_type=QuantType.QInt8,
                     op_types_to_quantize=["MatMul"], use_external_data_format=True)


def ensure_export(models_root: Path, model_dir: Path, precision: str) -> ExportedModel:
    """The ONNX export of ``model_dir`` at ``precision``, made now if missing or stale."""
    if precision not in EXPORTABLE:
        raise CitebotError(f"No ONNX export for precision {precision!r}; use one of "
                           f"{', '.join(EXPORTABLE)}.")
    if not (model_dir / "modules.json").is_file():
        raise CitebotError(f"{model_dir} is not a sentence-transformers folder; only those "
                           "can be exported to ONNX. Use CITEBOT_EMBEDDING_BACKEND=torch.")
    root = exports_root(models_root, model_dir)
    folder = root / precision
    source_fp = fingerprint(model_dir)
    manifest = _is_current(folder, source_fp)
    if manifest is None:
        fp32 = ensure_export(models_root, model_dir, "fp32") if precision == "int8" else None
        log.warning("exporting %s to ONNX %s (a minute or two, once)", model_dir.name, precision)
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        work = Path(tempfile.mkdtemp(prefix=f".{precision}-", dir=root))
        try:
            if fp32 is None:
                dim, max_length = _export_fp32(model_dir, work)
            else:
                _quantise_int8(fp32.folder, work)
                dim, max_length = fp32.dimension, fp32.max_length
            shutil.copyfile(model_dir / TOKENIZER, work / TOKENIZER)
            files = {p.name: {"size": p.stat().st_size, "sha256": _sha256(p)}
                     for p in sorted(work.iterdir()) if p.is_file()}
            manifest = ExportManifest(
                source=model_dir.name, source_fingerprint=source_fp, precision=precision,
                dimension=dim, max_length=max_length, tools=_tool_versions(), files=files,
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
            (work / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2))
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(work, folder)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
    return ExportedModel(folder, precision, manifest.dimension, manifest.max_length)
