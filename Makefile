# emolens: `make run` starts the web app (SQLite, shipped model), `make test` runs every test. Both set up .venv first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch 2.13.0's CPU build lies on this machine's disk; install it first so nothing pulls a CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	# cluster: Ray, so the tests run `emolens batch` on a real local Ray head.
	$(BIN)/pip install --quiet -e ".[train,dev,cluster]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/emolens serve --host $(or $(HOST),127.0.0.1) --port $(or $(PORT),8000)

# With Debian's PostgreSQL installed, the PostgreSQL tests run on a throw-away cluster (.ci/start-postgres,
# as in CI); without it they are skipped. A set EMOLENS_TEST_POSTGRES_URL names another server instead.
test: $(STAMP)
	EMOLENS_TEST_POSTGRES_URL="$${EMOLENS_TEST_POSTGRES_URL:-$$(command -v pg_ctlcluster >/dev/null && .ci/start-postgres)}" \
	  $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/mypy src/emolens

bench: $(STAMP)
	$(BIN)/emolens bench

clean:
	rm -rf $(VENV) build dist .pytest_cache
