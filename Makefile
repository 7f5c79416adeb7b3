# The two commands of the README: `make demo` and `make test`.
# Both create .venv in the checkout, install the package with its dev extra at
# the versions of requirements.lock and the T-REX / ONCHAINID npm artifacts at
# those of package-lock.json, then run.

PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pytest-xdist processes for `make test`: one per CPU (CI has 2)
TEST_WORKERS ?= auto

.PHONY: demo test install lint fuzz bench audit lock clean translations

$(STAMP): pyproject.toml requirements.lock $(wildcard package-lock.json)
	@echo "==> creating $(VENV) with $(PYTHON)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "==> installing kyc-wallet and its dev tools, and npm ci (T-REX and ONCHAINID artifacts) beside it (first time: a minute or two)"
	@npm=; if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error & npm=$$!; fi; \
	pip=0; $(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]' || pip=$$?; \
	if [ -n "$$npm" ]; then wait $$npm || exit 1; fi; exit $$pip
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/kyc-wallet demo

test: $(STAMP)
	@bash scripts/ensure-chromium.sh
	@bash scripts/ensure-postgresql.sh
	@bash scripts/ensure-redis.sh
	$(BIN)/ruff check .
	@# mypy (single-threaded, ~40 s cold) runs beside the tests, on the CPU time
	@# they leave idle while waiting on servers; either failing fails the target
	@$(BIN)/mypy > $(VENV)/mypy.log 2>&1 & mypy=$$!; \
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal --durations=25; tests=$$?; \
	wait $$mypy; typed=$$?; echo "==> mypy"; cat $(VENV)/mypy.log; \
	test $$tests -eq 0 && test $$typed -eq 0

fuzz: $(STAMP)
	$(BIN)/python -m pytest --fuzz tests

bench: $(STAMP)
	$(BIN)/python -m bench

# Known vulnerabilities in the locked Python and npm dependencies. Needs the
# advisory services (PyPI's JSON API or OSV, and the npm audit endpoint);
# --strict: a package it cannot look up fails the audit (without it, pip-audit
# reports "No known vulnerabilities found" having checked nothing).
audit: $(STAMP)
	$(BIN)/pip-audit --strict --requirement requirements.lock --no-deps --disable-pip --progress-spinner off
	npm audit --package-lock-only --omit=dev

# Re-resolve the Python dependencies in a throw-away venv and pin them.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e '.[dev]'
	{ echo "# pinned by 'make lock' from pyproject.toml; 'make' installs with these versions"; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable; } > requirements.lock
	rm -rf .lock-venv

# Extract the pages' strings into the catalogues of kyc_wallet/web/translations
# (docs/translations.md); then translate the new empty entries of each .po.
translations: $(STAMP)
	$(BIN)/python -m kyc_wallet.web.catalogues

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
