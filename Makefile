# Two entry points: `make demo` (set up, then run the pipeline on the embedded corpus) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Stage commands in dvc.yaml call `python`: put the project's venv first on PATH.
export PATH := $(CURDIR)/$(BIN):$(PATH)
export DVC_NO_ANALYTICS := 1

.PHONY: setup demo corpus test lint bench clean-venv

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/fvc offline-plots
	touch $@

# The corpora that data.dvc (data/raw, training) and cross.dvc (data/cross, the crosseval stage's held-out people)
# track: pulled from a DVC remote when one holds them, else regenerated bit-for-bit.
# $(call corpus_folder,FOLDER,DVC_FILE,SYNTH_OPTIONS)
define corpus_folder
	@if [ -f $(1)/manifest.csv ]; then echo "corpus: $(1) present"; \
	elif $(BIN)/dvc pull --quiet $(2) 2>/dev/null; then echo "corpus: pulled $(1) from the DVC remote"; \
	else $(BIN)/fvc synth --out $(1) $(3) && $(BIN)/dvc commit --quiet --force $(2) && \
	  { git diff --quiet -- $(2) 2>/dev/null || echo "corpus: WARNING: the regenerated $(1) differs from the \
	committed $(2) (installed package versions differ from requirements.txt?)"; }; fi
endef

corpus: setup
	$(call corpus_folder,data/raw,data.dvc,)
	$(call corpus_folder,data/cross,cross.dvc,--identities held-out)

demo: corpus
	$(BIN)/dvc repro
	$(BIN)/dvc metrics show 2>/dev/null || true

test: setup
	$(BIN)/python -m pytest -q

# Every benchmark, each with its comparison in the same run; appends a dated section to BENCHMARKS.md.
bench: demo
	$(BIN)/python bench/run_all.py

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean-venv:
	rm -rf $(VENV)
