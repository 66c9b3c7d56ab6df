"""Embedding variants: which precisions each backend runs (no heavy imports: settings use it)."""

from __future__ import annotations

from typing import Literal

Backend = Literal["torch", "onnx", "openvino"]
Precision = Literal["fp32", "bf16", "int8"]

# bf16 runs natively on CPUs with AVX512-BF16 or AMX; int8 is dynamic quantisation of
# the exported model's matrix products.
PRECISIONS: dict[str, tuple[str, ...]] = {
    "torch": ("fp32", "bf16"),
    "onnx": ("fp32", "int8"),
    "openvino": ("fp32", "bf16", "int8"),
}
