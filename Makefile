# Firebreak: `make run` starts the whole product, `make test` runs the tests.
# Both create the virtual environment and install from pyproject.toml first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run setup test lint types check-all

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

# Embedded default: SQLite + Celery's filesystem broker, DEBUG on, demo data loaded.
run: export DEBUG ?= 1
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_data
	@echo ""
	@echo "Firebreak is starting on http://$${HOST:-127.0.0.1}:$${PORT:-8000}/  (web, worker and beat; Ctrl-C stops all)"
	@echo ""
	$(VENV)/bin/honcho start

test: $(STAMP)
	$(VENV)/bin/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

types: $(STAMP)
	$(VENV)/bin/mypy portal clients plans incidents
