# The two commands: `make run` (set up and serve the embedded site) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

MESSAGES_IGNORE := --ignore=.venv --ignore=var --ignore=static --ignore=test-artifacts --ignore=node_modules --ignore=tests --ignore=bench

.PHONY: run test screenshots lint validate bench load faults answers setup clean messages

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt package-lock.json
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@# The Nu HTML checker (tests/test_markup.py); no install scripts: Java is the machine's.
	@if command -v npm >/dev/null 2>&1; then npm ci --ignore-scripts --no-audit --no-fund --silent; \
	else echo "npm not found: the markup check (tests/test_markup.py) will be skipped"; fi
	touch $@

setup: $(VENV)/.runtime
	@mkdir -p var
	@echo "Migrating the embedded SQLite database (var/db.sqlite3)…"
	$(PY) manage.py migrate --noinput --verbosity 0
	$(PY) manage.py load_catalogue
	$(PY) manage.py ensure_admin

run: setup
	@echo "Serving the catalogue at http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# Tests run in parallel (pytest-xdist), one worker more than there are cores unless TEST_WORKERS
# says otherwise (0: in this process): browser, server and worker tests wait on other processes,
# and the extra worker fills that time (on a busy 2-core machine: 489 s with 2 workers, 439 s
# with 3; on a quiet one, 2026-12-01: 213-222 s with 3, 243 s with 4, against 442 s for the
# serial suite of 849741a, measured in the same sitting). `--dist worksteal` gives each
# worker a third of the tests in pytest-django's order (slow ones first within each group:
# tests/conftest.py), and a worker that runs out takes half of what another has left: with
# `--dist load`, runs ended with one worker 15-18 s on its last tests after the others had
# finished. Tests that commit restore the catalogue when they end, so any test may follow them.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))

test: $(VENV)/.dev
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal

# The browser tests with a full-page screenshot of each page they visit, in test-artifacts/.
screenshots: $(VENV)/.dev
	SCREENSHOTS=1 $(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal -m browser

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

# Every kind of public page, in both languages, through the W3C Nu HTML checker (needs Java).
validate: $(VENV)/.dev
	$(PY) -m pytest -q tests/test_markup.py

# The English interface: gather the Chinese msgids into locale/en/LC_MESSAGES/django.po (translate
# every new entry there), then compile django.mo, which is committed. Needs GNU gettext.
# locale/zh_Hans holds the Wagtail admin strings that Wagtail's own Chinese catalogues lack; its
# msgids are Wagtail's English source strings, so it is only compiled here, never regenerated.
messages: $(VENV)/.runtime
	$(PY) manage.py makemessages -l en --add-location=file $(MESSAGES_IGNORE)
	$(PY) manage.py compilemessages -l en -l zh_Hans $(MESSAGES_IGNORE)

bench: $(VENV)/.dev
	$(PY) bench/run.py
	$(PY) bench/notify.py

load: $(VENV)/.dev
	$(PY) bench/load.py

faults: $(VENV)/.dev
	$(PY) bench/faults.py

answers: $(VENV)/.dev
	$(PY) bench/answers.py

clean:
	rm -rf $(VENV) var static
