# reelbot: `make run` starts the bot, `make test` runs every check. Both set up .venv first.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PY) -c 'import sys; sys.exit("reelbot needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/reelbot run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	@if [ -x $(BIN)/hadolint ]; then $(BIN)/hadolint Dockerfile && echo "Dockerfile: hadolint clean"; \
	else echo "hadolint is not available for this platform; Dockerfile not linted"; fi

test: lint
	$(BIN)/pytest

# reelbot against a naive bot in the same run (docs/benchmarks.md); BENCH_QUICK=1 for smaller sizes.
bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
