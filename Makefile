# Two entry points do all set-up on a fresh Debian/Ubuntu machine with python3 and venv:
#   make report   – comparison report of the bundled org setups (reports/<date>_…/report.html)
#   make test     – the full test suite (what CI runs)
# Both create .venv and install the pinned versions (constraints.txt) on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: report test lint bench browser clean-venv

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/leadsim report

browser:
	@bash scripts/ensure-chromium.sh

test: $(STAMP) browser
	$(BIN)/ruff check sim tests benchmarks
	$(BIN)/mypy sim
	$(BIN)/python -m pytest -p no:cacheprovider -q tests notebooks --nbval-lax

lint: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks
	$(BIN)/mypy sim

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_funnel.py
	$(BIN)/python benchmarks/bench_model.py

clean-venv:
	rm -rf $(VENV)
