# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PO := $(wildcard locales/*/LC_MESSAGES/kiemdiem.po)
MO := $(PO:.po=.mo)

.PHONY: setup demo test test-print lint bench messages clean

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

# The storage-heavy part of the suite again on PostgreSQL (a throwaway cluster started by
# the tests, tests/pg_server.py). Left out: tests of SQLite itself (locks, the reader, rows
# with NUL bytes that PostgreSQL's text refuses) and tests reaching into db.conn.
PG_TESTS := tests/test_review_flow.py tests/test_review_storage.py tests/test_flows.py \
	tests/test_secretary_progress.py tests/test_secretary_alerts.py tests/test_campaigns.py \
	tests/test_reminders.py tests/test_reminder_jobs.py tests/test_outbox.py \
	tests/test_outbox_sender.py tests/test_onboarding.py tests/test_invite_access.py \
	tests/test_import.py tests/test_member_removal.py tests/test_two_channels.py \
	tests/test_inbox.py tests/test_ratings_storage.py \
	tests/test_secretary_returns.py tests/test_vote.py tests/test_campaign_chat.py \
	tests/test_document_link_store.py tests/test_heavy_work.py tests/test_paperwork_docs.py \
	tests/test_paperwork_sheets.py

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest
	KIEMDIEM_TEST_PG=1 $(BIN)/python -m pytest -q $(PG_TESTS)

# The papers rendered to PDF by LibreOffice and read back (tests/test_print.py): installs
# what it needs when missing (Debian packages; fonts metric-compatible with Times New Roman).
# The first pages are left as PNG in $(PRINT_OUT).
PRINT_PACKAGES := libreoffice-calc-nogui libreoffice-writer-nogui poppler-utils fonts-liberation
PRINT_OUT ?= /tmp/paperwork
test-print: setup
	@if ! (command -v soffice && command -v pdftotext && fc-list | grep -qi "liberation serif" \
	       && ls /usr/lib/libreoffice/program/libsclo.so /usr/lib/libreoffice/program/libswlo.so \
	       ) >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	        $(PRINT_PACKAGES); fi
	KIEMDIEM_TEST_PRINT=1 KIEMDIEM_PRINT_OUT=$(PRINT_OUT) $(BIN)/python -m pytest -v -s \
	    -m print tests/test_print.py

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

# The rating chain in chat (conversations/ratings/), storage-heavy too.
PG_TESTS += tests/test_rating_chain.py tests/test_rating_sheet.py tests/test_rating_console.py

# A changed or closed campaign told through the outbox (conversations/campaigns/notices.py).
PG_TESTS += tests/test_campaign_notices.py
