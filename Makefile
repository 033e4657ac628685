# The two quick-start commands: `make serve` and `make test`. Both install into .venv on first use:
# `make serve` only what serving needs, `make test` the test tools as well (the `test` extra,
# Chromium and Java).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SERVING := $(VENV)/.installed-serve
TESTING := $(VENV)/.installed-test

.PHONY: serve demo test check install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(SERVING): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(SERVING)

# The test extra holds everything serving needs too, so a serve after a test installs nothing.
$(TESTING): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(TESTING) $(SERVING)

install: $(TESTING)

# Serve on http://127.0.0.1:8000/ from the embedded SQLite store (var/textbook.sqlite); on the
# first start it imports the sample book, adds demo users and publishes the book.
serve: $(SERVING)
	bash .ci/system-packages serve
	$(BIN)/textbook serve

# Import the sample book and publish it into build/ without serving it.
demo: $(SERVING)
	bash .ci/system-packages serve
	$(BIN)/textbook import books/numerical-methods
	$(BIN)/textbook build numerical-methods --out build

# Lint, type-check, check the import contracts, then run every test on SQLite and PostgreSQL.
check: $(TESTING)
	$(BIN)/ruff check textbook tests bench
	$(BIN)/ruff format --check textbook tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: check
	bash .ci/system-packages test
	bash .ci/ace
	bash .ci/postgres
	$(BIN)/pytest

clean:
	rm -rf $(VENV) var build
