# The two commands of the README: `make demo` and `make test`.
# Both create .venv in the checkout, install the package with its dev extra and
# the T-REX / ONCHAINID npm artifacts, then run.

PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint fuzz bench clean

$(STAMP): pyproject.toml $(wildcard package-lock.json)
	@echo "==> creating $(VENV) with $(PYTHON)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "==> installing kyc-wallet and its dev tools (first time: a minute or two)"
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@if [ -f package-lock.json ]; then echo "==> npm ci (T-REX and ONCHAINID artifacts)"; npm ci --no-audit --no-fund --loglevel=error; fi
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/kyc-wallet demo

test: $(STAMP)
	@bash scripts/ensure-chromium.sh
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

fuzz: $(STAMP)
	$(BIN)/python -m pytest --fuzz tests

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
