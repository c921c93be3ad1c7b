# Two commands do all set-up from a fresh clone: `make demo` and `make test`.
# Both create (or reuse) .venv and install the project, editable, with its dev dependencies.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Reinstall when pyproject.toml changes, not on every run: the pulumi-aws wheel is large.
INSTALLED := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# checkov lives in its own virtualenv: it pins boto3 and packaging versions that break Pulumi.
CHECKOV_VENV ?= .checkov-venv
CHECKOV_INSTALLED := $(CHECKOV_VENV)/.installed-$(shell cksum policies/checkov-requirements.txt | cut -d' ' -f1)

# The ASL validator (npm asl-validator) for the scheduled audit's state machine, pinned by its lock file.
ASL_INSTALLED := tools/asl/node_modules/.installed-$(shell cksum tools/asl/package-lock.json | cut -d' ' -f1)

.PHONY: demo test lint import-contracts bench venv checkov asl clean

demo: $(INSTALLED)
	$(BIN)/irready demo --output-dir reports

# The suite is CPU-bound Python (the tests and moto's server share one interpreter lock), so it runs in
# TEST_WORKERS processes (pytest-xdist), each with its own emulator; --dist loadfile keeps every module on one
# worker, so its module-scoped seeding happens once. `python -m pytest tests/x.py` still runs in one process.
TEST_WORKERS ?= 2

test: $(INSTALLED) $(CHECKOV_INSTALLED) $(ASL_INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/python -m tests.support.wheel
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# Organization-scale figures for BENCHMARKS.md (minutes; not part of `make test`), against the canned
# AWS stand-in at 50 ms per call; every run stops by itself (--max-seconds) and stops its stand-in.
# The figures BENCHMARKS.md reports come from exactly these runs (about 20 minutes on an idle 2-core machine).
bench: $(INSTALLED)
	$(BIN)/python -m bench.org_scale --aws canned --accounts 1 --regions 17 --workers 8 --max-seconds 300
	$(BIN)/python -m bench.org_scale --aws canned --accounts 100 --regions 17 --workers 64 --processes 1 --max-seconds 900
	$(BIN)/python -m bench.org_scale --aws canned --accounts 100 --regions 17 --workers 64 --max-seconds 900
	$(BIN)/python -m bench.org_scale --aws canned --accounts 1000 --regions 17 --workers 64 --max-seconds 1800

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/python -m tests.support.wheel

# The dependency direction (pyproject's [tool.importlinter] contracts), on the built wheel's tree:
# an editable install hides the package-dir mapped subpackages from import-linter.
import-contracts: $(INSTALLED)
	$(BIN)/python -m tests.support.wheel

venv: $(INSTALLED)

checkov: $(CHECKOV_INSTALLED)

asl: $(ASL_INSTALLED)

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "irready needs Python 3.11 or newer; set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

$(CHECKOV_INSTALLED): policies/checkov-requirements.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r policies/checkov-requirements.txt
	rm -f $(CHECKOV_VENV)/.installed-*
	touch $@

$(ASL_INSTALLED): tools/asl/package-lock.json
	cd tools/asl && npm ci --no-audit --no-fund --silent
	touch $@

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) tools/asl/node_modules reports build .pytest_cache .ruff_cache
