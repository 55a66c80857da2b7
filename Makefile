# Two commands matter: `make run` and `make test`. Everything else supports them.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
MO := trainer/translations/es/LC_MESSAGES/messages.mo
PO := trainer/translations/es/LC_MESSAGES/messages.po
export FLASK_APP := trainer

.PHONY: run test install install-prod translations extract-messages db demo bench check-content screenshots clean

run: install db
	@$(BIN)/flask trainer seed-demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# Two workers on two cores: each has its own SQLite files and PostgreSQL databases.
# `make test PYTEST_WORKERS=0` runs the suite in one process (e.g. to debug with pdb).
PYTEST_WORKERS ?= 2
test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

install: $(VENV)/.installed $(MO)

# Production: the app and its runtime dependencies only (no test extras), in the checkout (docs/deployment.md).
install-prod:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	$(BIN)/pybabel compile -d trainer/translations

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	@touch $@

$(MO): $(PO) $(VENV)/.installed
	$(BIN)/pybabel compile -d trainer/translations

translations: $(MO)

# After changing UI text: refresh the catalogue, translate the new entries in $(PO).
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ --no-location --sort-output -o trainer/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i trainer/translations/messages.pot -d trainer/translations

db: install
	$(BIN)/flask trainer init-db
	$(BIN)/flask trainer sync-content

check-content: install
	$(BIN)/flask trainer check-content

bench: install
	$(BIN)/python bench/run.py

# PNGs of every role's main pages in both languages at 390 and 1366 px, for review.
screenshots: install
	$(BIN)/python -m tests.browser.screenshots build/screenshots

clean:
	rm -rf $(VENV) instance $(MO)
