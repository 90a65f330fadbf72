# evalkit: two commands on a fresh machine.
#   make report   set up .venv and run the main job on the bundled sample data (2021-2023)
#   make test     set up .venv and run the tests
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
YEARS ?= 2021-2023

.PHONY: setup report test bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (evalkit)"
	touch $(STAMP)

report: setup
	$(VENV)/bin/evalkit run --years $(YEARS)

test: setup
	$(PY) -m pytest

bench: setup
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) bench/bench_load.py
	$(PY) bench/bench_metrics.py --sizes 100k,1M
	$(PY) bench/bench_report.py

clean:
	rm -rf data/processed/2* outputs/2* .pytest_cache
