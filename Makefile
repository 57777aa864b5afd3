# emolens: `make run` starts the web app (SQLite, shipped model), `make test` runs every test. Both set up .venv first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev

.PHONY: install run test lint bench clean

# Serving needs the runtime dependencies only (ONNX Runtime, no torch, playwright or mypy).
$(RUNTIME): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(RUNTIME)

# Tests, lint and training add the extras.
$(DEV): $(RUNTIME)
	# torch 2.13.0's CPU build lies on this machine's disk; install it first so nothing pulls a CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	# cluster: Ray, so the tests run `emolens batch` on a real local Ray head.
	$(BIN)/pip install --quiet -e ".[train,dev,cluster]"
	touch $(DEV)

install: $(DEV)

run: $(RUNTIME)
	$(BIN)/emolens serve --host $(or $(HOST),127.0.0.1) --port $(or $(PORT),8000)

# With Debian's PostgreSQL installed, the PostgreSQL tests run on a throw-away cluster (.ci/start-postgres,
# as in CI); without it they are skipped. A set EMOLENS_TEST_POSTGRES_URL names another server instead.
test: $(DEV)
	EMOLENS_TEST_POSTGRES_URL="$${EMOLENS_TEST_POSTGRES_URL:-$$(command -v pg_ctlcluster >/dev/null && .ci/start-postgres)}" \
	  $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(DEV)
	$(BIN)/ruff check src tests
	$(BIN)/mypy src/emolens

bench: $(RUNTIME)
	$(BIN)/emolens bench

clean:
	rm -rf $(VENV) build dist .pytest_cache
