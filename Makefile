# Two entry points: `make demo` (set up, then run the pipeline on the embedded corpus) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Stage commands in dvc.yaml call `python`: put the project's venv first on PATH.
export PATH := $(CURDIR)/$(BIN):$(PATH)
export DVC_NO_ANALYTICS := 1

.PHONY: setup demo corpus test lint clean-venv

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/fvc offline-plots
	touch $@

# The corpus that data.dvc tracks: pulled from a DVC remote when one holds it, else regenerated bit-for-bit.
corpus: setup
	@if [ -f data/raw/manifest.csv ]; then echo "corpus: data/raw present"; \
	elif $(BIN)/dvc pull --quiet data.dvc 2>/dev/null; then echo "corpus: pulled data/raw from the DVC remote"; \
	else $(BIN)/fvc synth --out data/raw && $(BIN)/dvc commit --quiet --force data.dvc && \
	  { git diff --quiet -- data.dvc 2>/dev/null || echo "corpus: WARNING: the regenerated corpus differs from the \
	committed data.dvc (installed package versions differ from requirements.txt?)"; }; fi

demo: corpus
	$(BIN)/dvc repro
	$(BIN)/dvc metrics show 2>/dev/null || true

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean-venv:
	rm -rf $(VENV)
