# `make run` and `make test` set everything up on a fresh machine: the virtual
# environment, the Python packages, and (for the peer tests) the npm packages.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

# The Fedify peer for tests/peers: installed from its lockfile, again only when that changes.
PEER_DIR := tests/peers/fedify
PEER_STAMP := $(PEER_DIR)/node_modules/.installed
# The OpenID Connect provider for tests/oauth/test_oidc_login.py (oidc-provider), the same way.
OIDC_DIR := tests/oidc
OIDC_STAMP := $(OIDC_DIR)/node_modules/.installed

HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint venv peer-deps clean bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

$(PEER_STAMP): $(PEER_DIR)/package.json $(PEER_DIR)/package-lock.json
	npm ci --prefix $(PEER_DIR) --no-audit --no-fund
	touch $(PEER_STAMP)

$(OIDC_STAMP): $(OIDC_DIR)/package.json $(OIDC_DIR)/package-lock.json
	npm ci --prefix $(OIDC_DIR) --no-audit --no-fund
	touch $(OIDC_STAMP)

peer-deps: $(PEER_STAMP) $(OIDC_STAMP)

run: $(STAMP)
	FEDI_DOMAIN=$${FEDI_DOMAIN:-localhost:$(PORT)} FEDI_SCHEME=$${FEDI_SCHEME:-http} \
		$(BIN)/python server.py serve --host $(HOST) --port $(PORT) --init-admin

lint: $(STAMP)
	$(BIN)/ruff check .

# With FEDI_TEST_POSTGRES=postgres://user:pw@host:port (as .ci/run sets it) the suite runs a
# second time with every test node on its own database on that PostgreSQL server.
test: $(STAMP) $(PEER_STAMP) $(OIDC_STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n 2
	@if [ -n "$${FEDI_TEST_POSTGRES:-}" ]; then \
		echo "== the suite again, on PostgreSQL"; \
		FEDI_TEST_DB=$$FEDI_TEST_POSTGRES $(BIN)/python -m pytest -q -n 2; \
	fi

# Every benchmark in README "Benchmarks", each against its baseline in the same run (about 5 minutes
# on 2 cores). Home timeline reads use wrk when installed (apt-get install -y wrk), else a Python client.
# BENCH_POSTGRES=postgres://user:pw@host:port also runs the hot paths on a fresh PostgreSQL database
# with 2 web processes and 2 workers (about 3 minutes more); BENCH_ARGS="--db postgres://..."
# runs the people search on PostgreSQL.
bench: $(STAMP)
	$(BIN)/python bench/inbox_ingest.py
	$(BIN)/python bench/home_timeline.py
	$(BIN)/python bench/fan_out.py
	$(BIN)/python bench/memory.py
	$(BIN)/python bench/directory_search.py $(BENCH_ARGS)
	$(BIN)/python bench/federation_latency.py
	@if [ -n "$${BENCH_POSTGRES:-}" ]; then \
		for script in inbox_ingest home_timeline fan_out; do \
			$(BIN)/python bench/$$script.py --db "$$BENCH_POSTGRES" --web 2 --workers 2 || exit 1; \
		done; \
	fi

clean:
	rm -rf $(VENV) data .pytest_cache $(PEER_DIR)/node_modules $(OIDC_DIR)/node_modules
