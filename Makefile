# The two quick-start commands: `make demo` and `make test`. Both install into .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test check install clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(INSTALLED)

install: $(INSTALLED)

# Import the sample book into the embedded SQLite store (var/textbook.sqlite) and publish it
# into build/: the web edition (build/numerical-methods/index.html), the EPUB and the PDF.
demo: $(INSTALLED)
	bash .ci/system-packages
	$(BIN)/textbook import books/numerical-methods
	$(BIN)/textbook build numerical-methods --out build

# Lint, type-check, check the import contracts, then run every test on SQLite and PostgreSQL.
check: $(INSTALLED)
	$(BIN)/ruff check textbook tests bench
	$(BIN)/ruff format --check textbook tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: check
	bash .ci/postgres
	$(BIN)/pytest

clean:
	rm -rf $(VENV) var build
