# Two commands do everything on a fresh machine:
#   make chat   set up .venv, provision models, build the index, open the chat
#   make test   the same set-up, then the whole test suite (real-model tests included)
# Each step is idempotent and quick when already done.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.citebot-installed
export CITEBOT_DATA_DIR ?= data
# llama-cpp-python has no wheel: these flags build a portable CPU library on 2 cores;
# pip's wheel cache makes later installs instant.
export CMAKE_ARGS ?= -DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
export CMAKE_BUILD_PARALLEL_LEVEL ?= 2

.PHONY: setup models index chat test lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# torch first and pinned: the CPU build is on disk; anything else pulls CUDA.
	$(PY) -m pip install --disable-pip-version-check -q torch==2.13.0
	$(PY) -m pip install --disable-pip-version-check -q -e '.[dev,llm]'
	touch $(STAMP)

models: setup
	$(PY) -m bot models pull

index: models
	$(PY) -m bot index build

chat: models
	$(PY) -m bot chat

test: models
	$(PY) -m ruff check bot index tests bench
	$(PY) -m mypy
	$(PY) -m pytest

bench: models
	$(PY) -m bench.core

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
