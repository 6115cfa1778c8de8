# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PO := $(wildcard locales/*/LC_MESSAGES/kiemdiem.po)
MO := $(PO:.po=.mo)

.PHONY: setup demo test lint bench messages clean

setup: $(STAMP) $(MO)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[dev]'
	touch $(STAMP)

locales/%/LC_MESSAGES/kiemdiem.mo: locales/%/LC_MESSAGES/kiemdiem.po $(STAMP)
	$(BIN)/pybabel compile -D kiemdiem -i $< -o $@

demo: setup
	$(BIN)/kiemdiem demo

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# Re-extract user-facing strings and merge them into the catalogues.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -o locales/kiemdiem.pot --no-location --sort-output .
	$(BIN)/pybabel update -D kiemdiem -i locales/kiemdiem.pot -d locales --no-fuzzy-matching

clean:
	rm -rf $(VENV) $(MO) .pytest_cache .ruff_cache
