# Serial Portal: `make run` to use it, `make test` to test it. Nothing else is needed.
VENV   ?= .venv
PYTHON ?= python3
BIN     = $(VENV)/bin
FLASK   = $(BIN)/flask --app portal
STAMP   = $(VENV)/.installed

.PHONY: run test jstest lint bench services browser clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

instance/config.py:
	mkdir -p instance
	printf '# Written by make run for this install; keep it out of git.\nSECRET_KEY = "%s"\n' \
	  "$$($(PYTHON) -c 'import secrets; print(secrets.token_hex(32))')" > instance/config.py

## run: create the venv, migrate the SQLite database, load the demo once, serve on :5000
run: $(STAMP) instance/config.py
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port 5000

## services: start PostgreSQL if it is not answering (the tests use it)
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
	  echo "Starting PostgreSQL..."; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | sort -V | tail -n 1) main start; \
	  for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; }

## browser: install Debian's Chromium (browser tests), poppler-utils and zbar-tools (PDF text and barcode checks)
## and HarfBuzz's subsetter (WeasyPrint warns without it, and the suite turns warnings into errors) when missing and root
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/pdftotext ] || [ ! -x /usr/bin/zbarimg ] \
	    || ! /sbin/ldconfig -p | grep -q libharfbuzz-subset; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Chromium and poppler-utils with apt..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils zbar-tools libharfbuzz-subset0 >/dev/null; \
	  else \
	    echo "!!! Chromium is missing and we are not root: browser tests will be SKIPPED !!!"; \
	  fi; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check portal tests bench

## jstest: the scan station's ES modules (queue, transport, feedback) with Node's built-in runner, no packages
jstest:
	node --test tests/js/

## test: everything the tests need, then lint, the JS unit tests and the whole suite on SQLite and PostgreSQL
test: $(STAMP) services browser lint jstest
	$(BIN)/python -m pytest

## bench: every benchmark in bench/, printing its figures
bench: $(STAMP) services
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
