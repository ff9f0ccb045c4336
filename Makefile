# AI4S Lab: the commands a newcomer needs.
#   make demo   create .venv, install everything, run the showcase notebooks, print report paths
#   make test   create .venv, install test dependencies, run ruff, mypy and pytest
#   make lab    JupyterLab on 127.0.0.1 with AI4S Lab importable
#   make bench  run the benchmarks in bench/
# A GPU user picks a CUDA build of torch with e.g. TORCH_SPEC="torch==2.13.0 --index-url ..."

PYTHON ?= python3
TORCH_SPEC ?= torch==2.13.0
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
PYTEST_ARGS ?=
# Tests run on this many worker processes (pytest-xdist; "auto": one per CPU core).
PYTEST_WORKERS ?= auto
LAB_PORT ?= 8888

.PHONY: demo test lab bench lint typecheck install clean help

help:
	@sed -n '2,6p' Makefile | sed 's/^# *//'

$(PY):
	$(PYTHON) -m venv $(VENV)

# torch first, pinned: an unpinned torch would pull the newest (multi-GB CUDA) build. Where the
# index serves the CUDA build of the pin too, override: TORCH_SPEC="torch==2.13.0 --index-url
# https://download.pytorch.org/whl/cpu" (README). TORCH_SPEC is pip arguments, split by the
# shell: quote a version range inside it, TORCH_SPEC="'torch>=2.4,<3'".
$(VENV)/.torch: | $(PY)
	$(PIP) install $(TORCH_SPEC)
	@touch $@

# The JupyterLab extension (extensions/) is built by the package build (jlpm, Node.js >= 18).
EXTENSION_SOURCES := $(wildcard extensions/src/*.ts extensions/style/* extensions/package.json)

$(VENV)/.installed-all: pyproject.toml $(EXTENSION_SOURCES) $(VENV)/.torch
	$(PIP) install -e ".[all]"
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed-all
	$(PIP) install -e ".[test]"
	@touch $@

install: $(VENV)/.installed-all

demo: $(VENV)/.installed-all
	$(VENV)/bin/ai4s-lab showcase --notebooks notebooks --out reports

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check ai4s_lab tests bench tools
	$(VENV)/bin/ruff format --check ai4s_lab tests bench tools

typecheck: $(VENV)/.installed-test
	$(VENV)/bin/mypy

test: lint typecheck
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Jupyter refuses to start as root unless told to; containers often run as root.
LAB_ROOT_FLAG := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)

lab: $(VENV)/.installed-all
	$(VENV)/bin/jupyter lab --ip 127.0.0.1 --port $(LAB_PORT) --no-browser --notebook-dir . $(LAB_ROOT_FLAG)

bench: $(VENV)/.installed-test
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) reports runs sweeps test-artifacts .mypy_cache .ruff_cache .pytest_cache \
		extensions/lib extensions/node_modules ai4s_lab/labextension
