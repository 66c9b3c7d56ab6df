"""Embedders that run an ONNX export (``index.export``) on ONNX Runtime or OpenVINO.

Neither imports torch: tokenisation is the model's own ``tokenizer.json`` through the
``tokenizers`` library (the same fast tokenizer sentence-transformers uses), and the
graph returns normalised sentence vectors. OpenVINO compiles the ONNX graph at load and
caches the compiled blob next to the export, so later starts are quick.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.embedder import BatchedEmbedder, normalise
from index.export import OUTPUT, ExportedModel, ensure_export
from index.variants import PRECISIONS

log = logging.getLogger(__name__)


class RuntimeEmbedder(BatchedEmbedder):
    """A sentence-transformers model exported to ONNX, run by ``backend``."""

    def __init__(
        self,
        model_dir: Path,
        models_root: Path,
        *,
        backend: str,
        model_id: str,
        precision: str = "fp32",
        query_prompt: str = "",
        document_prompt: str = "",
        batch_size: int = 16,
        threads: int | None = None,
        dim: int | None = None,
        query_cache_size: int = 256,
    ) -> None:
        if backend not in ("onnx", "openvino"):
            raise ValueError(f"unknown runtime backend {backend!r}")
        if precision not in PRECISIONS[backend]:
            raise ValueError(f"{backend} embeddings support {PRECISIONS[backend]}, "
                             f"not {precision}")
        super().__init__(
            model_id=model_id, query_prompt=query_prompt, document_prompt=document_prompt,
            batch_size=batch_size, dim=dim, precision=precision,
            query_cache_size=query_cache_size,
        )
        self.backend = backend
        self._model_dir = model_dir
        self._models_root = models_root
        self._threads = threads
        self._export: ExportedModel | None = None
        self._tokenizer: Any = None
        self._run: Any = None

    def load(self) -> ExportedModel:
        if self._export is None:
            # OpenVINO's bf16 is an inference hint on the fp32 graph, not another file.
            graph_precision = "int8" if self.precision == "int8" else "fp32"
            export = ensure_export(self._models_root, self._model_dir, graph_precision)
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(export.tokenizer))
            tokenizer.enable_truncation(export.max_length)
            tokenizer.no_padding()
            self._tokenizer = tokenizer
            self._run = self._onnxruntime(export) if self.backend == "onnx" else (
                self._openvino(export))
            self._export = export
        return self._export

    def _onnxruntime(self, export: ExportedModel) -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if self._threads:
            options.intra_op_num_threads = self._threads
        options.log_severity_level = 3  # its shape-inference warnings are not ours to fix
        log.info("loading %s on ONNX Runtime", export.graph)
        session = ort.InferenceSession(str(export.graph), options,
                                       providers=["CPUExecutionProvider"])

        def run(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
            return session.run([OUTPUT], {"input_ids": ids, "attention_mask": mask})[0]

        return run

    def _openvino(self, export: ExportedModel) -> Any:
        import openvino as ov

        core = ov.Core()
        config: dict[str, Any] = {
            "PERFORMANCE_HINT": "LATENCY",
            "INFERENCE_PRECISION_HINT": "bf16" if self.precision == "bf16" else "f32",
            "CACHE_DIR": str(export.folder / "openvino-cache"),
        }
        if self._threads:
            config["INFERENCE_NUM_THREADS"] = self._threads
        log.info("compiling %s for OpenVINO (%s)", export.graph, self.precision)
        request = core.compile_model(str(export.graph), "CPU", config).create_infer_request()

        def run(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
            out = request.infer({"input_ids": ids, "attention_mask": mask})
            return np.array(out[0], dtype=np.float32)  # a copy: the request reuses its buffer

        return run

    @property
    def native_dimension(self) -> int:
        return self.load().dimension

    def _lengths(self, texts: Sequence[str]) -> list[int]:
        # Exact token counts: tokenising costs well under a millisecond a sentence, and
        # padding is the one waste a sorted batch still has.
        self.load()
        return [len(e.ids) for e in self._tokenizer.encode_batch(list(texts))]

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        self.load()
        encodings = self._tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        return normalise(self._run(ids, mask))
