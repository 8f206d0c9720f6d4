# The two commands of the README: `make quickstart` (the main job) and `make test` (the tests).
# Both set up what they need: `make setup` creates the two virtualenvs on first use.
PYTHON ?= python3
VENV := .venv
SERVER_VENV := .venv-server
PY := $(VENV)/bin/python
PIP_QUIET ?= -q

RUN ?= runs/quickstart
DATASET ?= $(notdir $(RUN))
# QUICK=1: a few steps on a small model (offline fallback allowed), for the quickstart and CI
QUICK ?=
NER_QUICK := -p allow_offline_fallback True -p max_steps 60 -p max_length 128 -p stride 32 -p epochs 1 -p batch_size 8 \
  -p learning_rate 3e-4
NER_ARGS ?= $(if $(QUICK),$(NER_QUICK),)
# the instruction model in quick mode: the offline LLM (SmolLM2-135M-Instruct from PyPI) with its own measured
# defaults (notebooks/instruct/fallback_defaults.json), a dozen steps, few validation and test samples
INSTRUCT_QUICK := -p allow_offline_fallback True -p max_steps 12 -p max_samples 240 -p max_test_samples 16 \
  -p max_validation_samples 16 -p batch_size 4 -p max_new_tokens 48 -p merge_weights True
INSTRUCT_ARGS ?= $(if $(QUICK),$(INSTRUCT_QUICK),)

.PHONY: setup quickstart test test-fast lint browser serve clean-venvs dataset train remix train-instruct cards space demo

setup: $(VENV)/.installed $(VENV)/.editable $(SERVER_VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-nodeps.txt
	@echo "setting up $(VENV) (the workspace) ..."
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install $(PIP_QUIET) --upgrade pip
	$(VENV)/bin/pip install $(PIP_QUIET) -r requirements.txt
	$(VENV)/bin/pip install $(PIP_QUIET) --no-deps -r requirements-nodeps.txt
	@touch $@

# the workspace itself, editable: `python -m annotate` from any folder, somos-annotate|cards|demo
# (setuptools comes pinned from requirements.txt, so no build environment is downloaded)
$(VENV)/.editable: $(VENV)/.installed pyproject.toml
	$(VENV)/bin/pip install $(PIP_QUIET) --no-deps --no-build-isolation -e .
	@touch $@

$(SERVER_VENV)/.installed: annotate/server/requirements.txt
	@echo "setting up $(SERVER_VENV) (argilla-server) ..."
	$(PYTHON) -m venv $(SERVER_VENV)
	$(SERVER_VENV)/bin/pip install $(PIP_QUIET) --upgrade pip
	$(SERVER_VENV)/bin/pip install $(PIP_QUIET) -r annotate/server/requirements.txt
	@touch $@

# Debian's chromium drives the headless UI checks; installed when missing (needs root, as on CI).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: sudo apt-get install chromium (browser tests will be skipped)"; fi; }

quickstart: setup
	$(PY) -m annotate quickstart

serve: setup
	$(PY) -m annotate serve

# Each stage alone, from the run folder (RUN=runs/NAME; the Argilla of ARGILLA_API_URL/ARGILLA_API_KEY).
dataset: setup
	$(PY) -m annotate export --dataset $(DATASET) --workspace $(DATASET) --run $(RUN)

train: setup
	@mkdir -p $(RUN)/notebooks
	$(PY) -m papermill --log-output notebooks/finetune_ner.ipynb $(RUN)/notebooks/finetune_ner.ipynb \
	  -p run_dir $(RUN) $(NER_ARGS)

remix: setup
	$(PY) -m annotate remix --run $(RUN)

train-instruct: setup
	@mkdir -p $(RUN)/notebooks
	$(PY) -m papermill --log-output notebooks/finetune_instruct.ipynb $(RUN)/notebooks/finetune_instruct.ipynb \
	  -p run_dir $(RUN) $(INSTRUCT_ARGS)

cards: setup
	$(PY) -m cards build --run $(RUN)

space: setup
	$(PY) -m demo space --run $(RUN)

demo: setup
	$(PY) -m demo --run $(RUN)

test: setup browser
	$(PY) -m pytest

test-fast: setup
	$(PY) -m pytest -m "not slow"

LINT_PATHS := annotate cards demo notebooks runfolder portable tests bench spaces

# ruff (lint + format) on everything, mypy on the packages of [tool.mypy] in pyproject.toml;
# all three run, and lint fails if any of them did
lint: setup
	@status=0; \
	echo "ruff check"; $(VENV)/bin/ruff check $(LINT_PATHS) || status=1; \
	echo "ruff format --check"; $(VENV)/bin/ruff format --check $(LINT_PATHS) || status=1; \
	echo "mypy"; $(VENV)/bin/mypy || status=1; \
	exit $$status

clean-venvs:
	rm -rf $(VENV) $(SERVER_VENV)
