# d2r: two commands for a newcomer: `make run` and `make test`.
VENV   ?= .venv
PYTHON ?= python3
PY      = $(VENV)/bin/python
D2R     = $(VENV)/bin/d2r
OUT    ?= out

.PHONY: install run lint test test-fast bench train train-fast report clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

## run the whole pipeline on the bundled sample corpus with the shipped model
run: install
	$(D2R) run corpora/sample --out $(OUT)

## lint, format and type checks of the package (ruff, mypy)
lint: install
	$(VENV)/bin/ruff check pipeline tests benchmarks corpora/tools
	$(VENV)/bin/ruff format --check pipeline
	$(VENV)/bin/mypy

## the checks above, then the full test suite (slow end-to-end tests included)
test: lint
	$(PY) -m pytest -q

## the quick tests only
test-fast: install
	$(PY) -m pytest -q -m "not slow"

## speed figures, each beside its reference measured in the same run (BENCH_FULL=1 adds the whole corpus)
bench: install
	$(PY) benchmarks/bench.py

## retrain the models from corpora/annotations into models/ (fine-tuning the encoder needs torch: the encoder-train extra)
train: install
	$(PY) -m pip install --quiet -e ".[encoder-train]"
	$(D2R) train

## retrain the linear stage alone and keep the shipped encoder (no torch)
train-fast: install
	$(D2R) train --fast

report: install
	$(D2R) report $(OUT)

clean:
	rm -rf $(OUT) .pytest_cache build *.egg-info
