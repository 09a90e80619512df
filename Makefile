# Two commands on a fresh machine: `make demo` and `make test` (README quick start).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint install services browser office clean bench wrk

# Playwright must never fetch a browser of its own: the tests drive Debian's Chromium.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# PostgreSQL on 127.0.0.1:5432 (database test, user postgres) for the tests that run on both backends.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -n1) main start
	@for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
	@pg_isready -h 127.0.0.1 -p 5432

demo: install
	$(BIN)/dondoc demo

# Debian's Chromium for the browser tests (tests/web/test_browser.py), installed when missing.
browser:
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y chromium chromium-driver; }
	@test -x /usr/bin/chromium

# LibreOffice (Writer, no GUI) and poppler's pdftotext (and pdftoppm): the tests open every generated report in a
# real word processor and read the PDF back (tests/tasks/test_report_docx.py, tests/flows/test_report.py).
office:
# Tesseract with its Vietnamese model reads scanned plans (tasks/importing/readers/, issue 14).
	@command -v soffice >/dev/null && command -v pdftotext >/dev/null && command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx vie || { $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends libreoffice-writer-nogui poppler-utils tesseract-ocr tesseract-ocr-vie; }
	@command -v soffice >/dev/null && command -v tesseract >/dev/null

# ruff (import order and the bug-finding families) and mypy over the code: zero findings, or make
# test fails before a single test runs (configuration in pyproject.toml)
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

test: install lint services browser office
	$(BIN)/python -m pytest -n 2 -q

# the web benchmark's load generator (a Python client would take the CPU it measures)
wrk:
	@command -v wrk >/dev/null || { $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y wrk; }

bench: install services wrk
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf var .pytest_cache .hypothesis
