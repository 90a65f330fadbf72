# evalkit: two commands on a fresh machine (each one is `python3 tasks.py <target>`, so the same
# works without make).
#   make report   set up .venv and run the main job on the bundled sample data (2021-2023)
#   make test     set up .venv and run the tests
PYTHON ?= python3

.PHONY: setup report test bench clean

setup:
	$(PYTHON) tasks.py setup

report:
	$(PYTHON) tasks.py report

test:
	$(PYTHON) tasks.py test

bench:
	$(PYTHON) tasks.py bench

clean:
	rm -rf data/processed/2* outputs/2* .pytest_cache
