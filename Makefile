# The README's two commands: `make run` and `make test`. Both set up .venv on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DB ?= sqlite:///openbeian-demo.db

.PHONY: run test lint typecheck fmt bench chromium wrk edge clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/openbeian --database $(DB) db upgrade
	$(BIN)/openbeian --database $(DB) demo
	$(BIN)/openbeian --database $(DB) serve --host $(HOST) --port $(PORT)

# Debian's chromium drives the browser tests (Playwright cannot download its own browser here).
chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "chromium could not be installed: browser tests will be skipped (CI requires them)"

test: $(STAMP) chromium edge
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# Debian's nginx and HAProxy run the gate's edge tests (nginx auth_request and map, HAProxy runtime map sync).
edge:
	@test -x /usr/sbin/nginx -a -x /usr/sbin/haproxy || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light haproxy >/dev/null) \
	  || echo "nginx-light / haproxy could not be installed: the edge tests will be skipped (CI requires them)"

# Debian's wrk drives the HTTP benchmarks (a real load generator on 127.0.0.1).
wrk:
	@test -x /usr/bin/wrk || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) \
	  || echo "wrk could not be installed: the HTTP benchmarks will report it"

# Every benchmark on data it generates; rewrites BENCHMARKS.md (SCALE=quick for a few minutes' check).
SCALE ?= full
bench: $(STAMP) wrk
	$(BIN)/python bench/run_all.py --scale $(SCALE)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache openbeian-demo.db*
