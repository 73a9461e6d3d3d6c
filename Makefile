# teoffice: the README's commands. `make run` and `make test` set up what they need.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# The first Python >= 3.12 found: on PATH, then pyenv's versions (newest first).
PYTHON ?= $(shell for p in python3.13 python3.12 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[3-9]*/bin/python3 $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*/bin/python3 2>/dev/null | sort -rV) python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v $$p; break; }; done)
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := teoffice.settings

.PHONY: help install run test lint format check bench clean worker beat messages compilemessages

help:
	@echo "make run    set up and serve the demo office on http://$(HOST):$(PORT)"
	@echo "make test   run the whole test suite (DATABASE_URL / REDIS_URL for the real services)"
	@echo "make lint   ruff lint and format check"
	@echo "make bench  the benchmark at scale (see docs/scaling.md)"

$(BIN)/.installed: requirements.lock pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "No Python >= 3.12 found. Install python3.13 (or set PYTHON=/path/to/python3.13)."; exit 1; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	@touch $@

install: $(BIN)/.installed compilemessages

# The fi/sv catalogs are compiled in the build (*.mo are not committed); needs GNU gettext.
compilemessages: $(BIN)/.installed
	TEOFFICE_TESTING=1 $(BIN)/python manage.py compilemessages --ignore=.venv --ignore=staticfiles --ignore=node_modules

# After adding strings: refresh the catalogs, translate the new entries, then `make test`.
messages: $(BIN)/.installed
	TEOFFICE_TESTING=1 $(BIN)/python manage.py makemessages -l fi -l sv --no-obsolete \
		--ignore=.venv --ignore=staticfiles --ignore=artifacts --ignore=node_modules

run: install
	DEBUG=true $(BIN)/python manage.py migrate --no-input
	DEBUG=true $(BIN)/python manage.py seed_demo
	@echo
	@echo "teoffice demo: http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	@echo "Sign in as adviser, adviser_other, teamlead or manager; the password is: demo"
	@echo
	DEBUG=true $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Tests run on every core (pytest-xdist); PYTEST_WORKERS=0 runs them in one process.
PYTEST_WORKERS ?= auto
test: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install
	TEOFFICE_TESTING=1 $(BIN)/python manage.py check
	TEOFFICE_TESTING=1 $(BIN)/python manage.py makemigrations --check --dry-run

# The benchmark needs PostgreSQL: DATABASE_URL, or the local server with trust auth.
BENCH_CLIENTS ?= 1000000
BENCH_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/teoffice)
bench: install
	DATABASE_URL=$(BENCH_DATABASE_URL) TEOFFICE_TESTING=1 $(BIN)/python manage.py bench \
		--clients $(BENCH_CLIENTS) --out bench-$(BENCH_CLIENTS).json $(BENCH_ARGS)

worker: install
	$(BIN)/celery -A teoffice worker -l info --concurrency=2

beat: install
	$(BIN)/celery -A teoffice beat -l info -s $${TMPDIR:-/tmp}/teoffice-celerybeat-schedule

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 *.egg-info
