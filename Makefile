# Two commands on a fresh machine: `make demo` and `make test` (README quick start).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install services clean bench

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

test: install services
	$(BIN)/python -m pytest -n 2 -q

bench: install services
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf var .pytest_cache .hypothesis
