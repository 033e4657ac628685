# The two quick-start commands: `make serve` and `make test`. Both install into .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: serve demo test check install clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(INSTALLED)

install: $(INSTALLED)

# Serve on http://127.0.0.1:8000/ from the embedded SQLite store (var/textbook.sqlite); on the
# first start it imports the sample book, adds demo users and publishes the book.
serve: $(INSTALLED)
	bash .ci/system-packages
	$(BIN)/textbook serve

# Import the sample book and publish it into build/ without serving it.
demo: $(INSTALLED)
	bash .ci/system-packages
	$(BIN)/textbook user add mia --email mia@example.org --password textbook-demo 2>/dev/null || true
	$(BIN)/textbook import books/numerical-methods --as mia
	$(BIN)/textbook build numerical-methods --out build

# Lint, type-check, check the import contracts, then run every test on SQLite and PostgreSQL.
check: $(INSTALLED)
	$(BIN)/ruff check textbook tests bench
	$(BIN)/ruff format --check textbook tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: check
	bash .ci/system-packages
	bash .ci/ace
	bash .ci/postgres
	$(BIN)/pytest

clean:
	rm -rf $(VENV) var build
