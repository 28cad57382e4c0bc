# Every target installs what it needs into .venv, so a fresh machine needs only Python 3.11+ and make.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench schema lint migrate demo services browser clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test,bench]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/suixing migrate
	$(BIN)/suixing demo --if-empty
	$(BIN)/suixing serve --host 127.0.0.1 --port 8000

test: $(STAMP) services browser
	$(BIN)/python -m pytest -q

# Browser tests drive Debian's chromium; it is installed from the system's packages, never downloaded.
browser:
	@{ test -x /usr/bin/chromium && dpkg -s fonts-noto-cjk >/dev/null 2>&1; } || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

services:
	@sh .ci/services.sh

bench: $(STAMP) services
	$(BIN)/python -m bench.cob --loans 1000000
	$(BIN)/python -m bench.api
	$(BIN)/python -m bench.model
	$(BIN)/python -m bench.workers
	$(BIN)/python -m bench.pools

schema: $(STAMP)
	$(BIN)/strawberry export-schema api.schema:schema --output schema.graphql

lint: $(STAMP)
	$(BIN)/ruff check .

migrate: $(STAMP)
	$(BIN)/suixing migrate

clean:
	rm -rf $(VENV) *.sqlite3 .pytest_cache
