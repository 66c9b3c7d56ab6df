"""The local model's evaluated prompt prefix, kept on disk between runs.

Evaluating the fixed system prompt (the citation contract and, for a short article, the
whole article) costs 10-20 s on two cores: every start-up used to pay it before the
first answer. llama.cpp can write its context state (the KV cache of those tokens) to a
file and read it back in milliseconds, so the second start-up skips the evaluation.

The state is raw llama.cpp bytes, not pickle. Its JSON sidecar records what produced
it (model file, context size, llama-cpp-python version, prompt digest) and the file's
SHA-256: anything that differs, or a file cut short, means evaluating afresh.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FORMAT = 1
TMP = ".partial"
KEEP = 4  # states of other prompts (other articles) kept before the oldest goes


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_internals(llama: Any) -> None:
    # llama-cpp-python exposes no public way to restore tokens with a state file: fail
    # loudly on a version without these, rather than sample from stale logits.
    for name in ("_ctx", "_requires_eval", "input_ids", "n_tokens"):
        if not hasattr(llama, name):
            raise RuntimeError(f"llama-cpp-python without Llama.{name}: prefix states "
                               "need the version pinned in pyproject.toml")


@dataclass(frozen=True)
class PrefixStates:
    """A folder of saved prefix states, one per (model, context size, prompt)."""

    folder: Path

    def key(self, model_path: str, n_ctx: int, prompt: str) -> dict[str, Any]:
        import llama_cpp

        stat = Path(model_path).stat()
        return {
            "format": FORMAT,
            "model": str(Path(model_path).resolve()),
            "model_size": stat.st_size,
            "model_mtime_ns": stat.st_mtime_ns,
            "n_ctx": n_ctx,
            "llama_cpp": llama_cpp.__version__,
            "prompt_sha256": hashlib.sha256(prompt.encode()).hexdigest(),
        }

    def _paths(self, key: dict[str, Any]) -> tuple[Path, Path]:
        name = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:32]
        return self.folder / f"{name}.state", self.folder / f"{name}.json"

    def restore(self, llama: Any, key: dict[str, Any]) -> bool:
        """Load the saved state for ``key`` into ``llama``; False when there is none
        usable (the caller evaluates the prompt instead)."""
        import llama_cpp

        state, meta = self._paths(key)
        try:
            record = json.loads(meta.read_text())
            if not isinstance(record, dict) or record.get("key") != key \
                    or record.get("sha256") != _sha256(state):
                log.info("prefix state %s is stale or damaged; evaluating afresh", state.name)
                return False
        except (OSError, ValueError):
            return False
        _check_internals(llama)
        capacity = llama.n_ctx()
        tokens = (llama_cpp.llama_token * capacity)()
        count = ctypes.c_size_t(0)
        ok = llama_cpp.llama_state_load_file(llama._ctx.ctx, str(state).encode(), tokens,
                                             capacity, ctypes.byref(count))
        if not ok or not 0 < count.value <= capacity:
            log.warning("llama.cpp could not read prefix state %s", state)
            llama.reset()
            return False
        n = count.value
        llama.input_ids[:n] = tokens[:n]
        llama.n_tokens = n
        # The logits on record are not those of a live decode: llama-cpp-python then
        # replays the last prompt token instead of sampling from them.
        llama._requires_eval = True
        with contextlib.suppress(OSError):
            os.utime(meta)  # recently used: kept longest
        return True

    def save(self, llama: Any, key: dict[str, Any]) -> None:
        """Write ``llama``'s current state for ``key``; failures only cost the next start."""
        import llama_cpp

        _check_internals(llama)
        state, meta = self._paths(key)
        n = llama.n_tokens
        tokens = (llama_cpp.llama_token * n)(*llama.input_ids[:n].tolist())
        temporary: list[Path] = []
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Unique names: two processes starting at once must not write one file.
            tmp = self._temporary(state.name, temporary)
            if not llama_cpp.llama_state_save_file(llama._ctx.ctx, str(tmp).encode(), tokens, n):
                raise OSError("llama_state_save_file failed")
            record = {"key": key, "tokens": n, "sha256": _sha256(tmp)}
            # State first, then the record naming its digest: a crash in between leaves a
            # record that does not match, never a record trusting a half-written state.
            os.replace(tmp, state)
            meta_tmp = self._temporary(meta.name, temporary)
            meta_tmp.write_text(json.dumps(record, indent=2) + "\n")
            os.replace(meta_tmp, meta)
        except OSError as e:
            log.warning("could not save the prompt prefix state: %s", e)
            return
        finally:
            for path in temporary:
                path.unlink(missing_ok=True)
        self._prune()

    def _temporary(self, name: str, made: list[Path]) -> Path:
        fd, path = tempfile.mkstemp(prefix=f".{name}.", suffix=TMP, dir=self.folder)
        os.close(fd)
        made.append(Path(path))
        return made[-1]

    def _prune(self) -> None:
        """Keep the ``KEEP`` most recently used states; drop orphans and leftovers of
        interrupted saves (an hour old: another process may be writing them now)."""

        def mtime(path: Path) -> float:
            try:
                return path.stat().st_mtime
            except OSError:  # removed meanwhile by another process
                return 0.0

        records = sorted(self.folder.glob("*.json"), key=mtime, reverse=True)
        kept = {r.with_suffix(".state") for r in records[:KEEP]}
        doomed = [p for r in records[KEEP:] for p in (r.with_suffix(".state"), r)]
        doomed += [p for p in self.folder.glob("*.state") if p not in kept]
        doomed += [p for p in self.folder.glob(f".*{TMP}") if time.time() - mtime(p) > 3600]
        for path in doomed:
            with contextlib.suppress(OSError):
                path.unlink()
