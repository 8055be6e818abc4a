# Two commands: `make run` (set up, seed the demo, serve) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: totp install run serve migrate seed test test-browser lint format screenshots frontend bench-quick clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput

seed: migrate
	DEBUG=1 $(BIN)/python manage.py seed_demo

run: seed
	@echo "Serving Talk London at http://127.0.0.1:8000"
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

# pytest exits 5 when it collects nothing; that is not a failure of the suite.
# The current TOTP code of a demo staff account: make totp EMAIL=moderator@demo.talk.london
totp: install
	@DEBUG=1 $(BIN)/python manage.py demo_totp $(EMAIL)

test: install
	TALKLONDON_TESTING=1 $(BIN)/pytest $(PYTEST_ARGS) || [ $$? -eq 5 ]

test-browser: install
	TALKLONDON_TESTING=1 $(BIN)/pytest -m browser $(PYTEST_ARGS) || [ $$? -eq 5 ]

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

screenshots: install
	$(BIN)/python tests/browser/screenshots.py

# Every benchmark in its CI smoke form (a few minutes; needs PostgreSQL and Redis). It fails only
# when a benchmark is broken, not when a target is missed. See bench/README.md.
bench-quick: install
	$(BIN)/python bench/run_all.py --quick

frontend:
	npm --prefix frontend ci && npm --prefix frontend run build

clean:
	rm -rf $(VENV) var
