"""The shared embedder machinery, through a fake model behind ``BatchedEmbedder``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from bot.app import make_embedder
from bot.settings import Settings
from index.embedder import BatchedEmbedder, length_batches, normalise, truncate
from index.runtimes import RuntimeEmbedder
from tests.conftest import REPO


class _CountingModel(BatchedEmbedder):
    """A 'model' whose vector is a function of the text; records every batch it gets."""

    backend = "fake"

    def __init__(self, **kw: object) -> None:
        super().__init__(model_id="counting", query_prompt="q: ", document_prompt="d: ",
                         **kw)  # type: ignore[arg-type]
        self.batches: list[list[str]] = []

    @property
    def native_dimension(self) -> int:
        return 8

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        self.batches.append(texts)
        rng = [np.random.default_rng(abs(hash(t)) % 2**32) for t in texts]
        return normalise(np.stack([r.standard_normal(8) for r in rng]))


def test_length_batches_cover_every_text_once_grouped_by_length() -> None:
    lengths = [5, 50, 1, 30, 7, 80, 2]
    batches = length_batches(lengths, 3)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    assert [len(b) for b in batches] == [3, 3, 1]
    ordered = [lengths[i] for b in batches for i in b]
    assert ordered == sorted(ordered, reverse=True)


def test_documents_come_back_in_input_order_with_their_prompt() -> None:
    emb = _CountingModel(batch_size=2)
    texts = ["un", "une phrase bien plus longue", "trois mots ici", "x"]
    vecs = emb.embed_documents(texts)
    alone = np.stack([emb.embed_documents([t])[0] for t in texts])
    assert np.allclose(vecs, alone)
    assert all(t.startswith("d: ") for b in emb.batches for t in b)
    assert max(len(b) for b in emb.batches) == 2


def test_progress_counts_every_sentence() -> None:
    seen: list[int] = []
    _CountingModel(batch_size=3).embed_documents([f"s{i}" for i in range(7)], seen.append)
    assert sum(seen) == 7


def test_matryoshka_truncation_renormalises() -> None:
    full = _CountingModel(batch_size=4)
    small = _CountingModel(batch_size=4, dim=4)
    texts = ["alpha", "beta gamma"]
    a, b = full.embed_documents(texts), small.embed_documents(texts)
    assert small.dimension == 4 and b.shape == (2, 4)
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-6)
    assert np.allclose(b, normalise(a[:, :4]))
    assert np.array_equal(truncate(a, None), a) and np.array_equal(truncate(a, 8), a)


def test_repeated_query_is_served_from_the_cache() -> None:
    emb = _CountingModel(query_cache_size=2)
    first = emb.embed_query("Qui est mort ?")
    assert emb.batches == [["q: Qui est mort ?"]]
    again = emb.embed_query("Qui est mort ?")
    assert again is first and len(emb.batches) == 1
    assert not again.flags.writeable  # one shared vector: nobody may change it
    emb.embed_query("b")
    emb.embed_query("c")  # evicts the least recently used
    emb.embed_query("Qui est mort ?")
    assert len(emb.batches) == 4


def test_variant_names_backend_and_precision() -> None:
    assert _CountingModel(precision="int8").variant == "fake-int8"


@pytest.mark.parametrize(("backend", "precision"), [("torch", "int8"), ("onnx", "bf16")])
def test_unsupported_precision_is_refused_by_settings(backend: str, precision: str) -> None:
    with pytest.raises(ValidationError, match="supports precision"):
        Settings(embedding_backend=backend, embedding_precision=precision)  # type: ignore[arg-type]


def test_settings_choose_the_runtime_without_loading_it(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "config_sentence_transformers.json").write_text(
        json.dumps({"prompts": {"query": "Q: ", "document": "D: "}}))
    settings = Settings(data_dir=tmp_path / "data", embedding_model=str(model),
                        embedding_backend="onnx", embedding_precision="int8",
                        embedding_dim=256)
    emb = make_embedder(settings)
    assert isinstance(emb, RuntimeEmbedder)
    assert (emb.variant, emb.model_id, emb.query_prompt) == ("onnx-int8", str(model), "Q: ")


def test_light_commands_import_no_heavy_module() -> None:
    # What makes `citebot --help` and `citebot config` start fast: bench/startup.py
    # measures the time, this guards the cause.
    code = (
        "import sys\n"
        "from bot.cli import app\n"
        "from typer.testing import CliRunner\n"
        "r = CliRunner().invoke(app, ['config', '--json'])\n"
        "assert r.exit_code == 0, r.output\n"
        "import index.embedder, index.runtimes, index.store, index.export\n"
        "heavy = {'torch', 'sentence_transformers', 'transformers', 'faiss', "
        "'langchain_core', 'onnxruntime', 'openvino'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_title_field_takes_each_texts_title() -> None:
    emb = _CountingModel(batch_size=4)
    emb._document_prompt = "title: {title} | text: "
    emb.embed_documents(["un", "deux", "trois"], titles=["Palmyre", "Super_Bowl_50", ""])
    seen = sorted(t for b in emb.batches for t in b)
    assert seen == ["title: Palmyre | text: un", "title: Super Bowl 50 | text: deux",
                    "title: none | text: trois"]
    emb.batches.clear()
    emb.embed_documents(["sans titre"])  # claims, or callers that have none
    assert emb.batches == [["title: none | text: sans titre"]]
    with pytest.raises(ValueError, match="2 titles for 1 texts"):
        emb.embed_documents(["x"], titles=["a", "b"])


def test_a_prompt_without_a_title_field_ignores_titles() -> None:
    emb = _CountingModel(batch_size=4)
    a = emb.embed_documents(["un"], titles=["Palmyre"])
    assert emb.batches == [["d: un"]] and np.allclose(a, emb.embed_documents(["un"]))


@pytest.mark.parametrize(("titles_from", "expected"), [
    (20, "title: {title} | text: "), (0, "title: none | text: ")])
def test_the_models_untitled_prompt_gets_a_title_field(tmp_path: Path, titles_from: int,
                                                       expected: str) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "config_sentence_transformers.json").write_text(json.dumps(
        {"prompts": {"query": "task: search result | query: ",
                     "document": "title: none | text: "}}))
    settings = Settings(data_dir=tmp_path / "data", embedding_model=str(model),
                        embed_titles_from=titles_from)
    assert make_embedder(settings).document_prompt == expected
