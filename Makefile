# Two entry points do all set-up on a fresh Debian/Ubuntu machine with python3 and venv:
#   make report   – comparison report of the bundled org setups (reports/<date>_…/report.html)
#   make test     – the full test suite (what CI runs)
#   make test-fast – unit, theory and command-line tests without the slow ones, for the edit-test loop
# Both create .venv and install the pinned versions (constraints.txt) on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# pytest on all cores: one test file per worker at a time (--dist loadfile), so a notebook's nbval
# cells run in order in one kernel and a module's fixtures are built once.
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider -q
PARALLEL := -n auto --dist loadfile

.PHONY: report test test-fast lint bench browser clean-venv

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/leadsim report

browser:
	@bash scripts/ensure-chromium.sh

# Everything CI runs: lint, types, then the tests and notebooks in parallel, then the tests marked
# serial (the workshop served on a port, process timing) one at a time.
test: $(STAMP) browser
	$(BIN)/ruff check sim tests benchmarks
	$(BIN)/mypy sim
	$(PYTEST) $(PARALLEL) -m "not serial" tests notebooks --nbval-lax
	$(PYTEST) -m serial tests

test-fast: $(STAMP)
	$(PYTEST) $(PARALLEL) -m "not slow and not serial" tests/unit tests/theory tests/cli

lint: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks
	$(BIN)/mypy sim

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_funnel.py
	$(BIN)/python benchmarks/bench_model.py

clean-venv:
	rm -rf $(VENV)
