# Two commands do all set-up from a fresh clone: `make demo` and `make test`.
# Both create (or reuse) .venv and install the project, editable, with its dev dependencies.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Reinstall when pyproject.toml changes, not on every run: the pulumi-aws wheel is large.
INSTALLED := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test lint bench venv clean

demo: $(INSTALLED)
	$(BIN)/irready demo --output-dir reports

test: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# Organization-scale figures for BENCHMARKS.md (minutes; not part of `make test`).
bench: $(INSTALLED)
	$(BIN)/python -m bench.org_scale --accounts 10 --regions 17 --workers 8,32,64

lint: $(INSTALLED)
	$(BIN)/ruff check .

venv: $(INSTALLED)

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "irready needs Python 3.11 or newer; set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

clean:
	rm -rf $(VENV) reports .pytest_cache .ruff_cache
