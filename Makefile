# Every target sets up what it needs: a fresh clone needs only python3 (and apt for the browser).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help install site serve test lint typecheck check bench clean browser-deps browser-js publish fuzz \
	postgres-deps

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)  ## create .venv with the locked dependencies

EXAMPLE_REPO := build/example
# The example is built from a scratch repository with the history a team would have made
# (scripts/example_history.py), not from this project's own commits.
site: $(STAMP)  ## build the example scorecard, with a realistic git history, into site/
	$(BIN)/python scripts/example_history.py $(EXAMPLE_REPO)
	$(BIN)/kpi build $(EXAMPLE_REPO)
	rm -rf .site-old && if [ -e site ]; then mv site .site-old; fi
	mv $(EXAMPLE_REPO)/site site && rm -rf .site-old

serve: $(STAMP)  ## preview with live reload (kpis/, site_src/, hooks/ are watched)
	$(BIN)/kpi serve

lint: $(STAMP)  ## ruff
	$(BIN)/ruff check src tests hooks bench scripts
	$(BIN)/ruff format --check src tests hooks bench scripts

typecheck: $(STAMP)  ## mypy --strict on the engine
	$(BIN)/mypy

test: browser-deps postgres-deps $(STAMP)  ## the whole suite: lint, types, unit, build, PostgreSQL and browser tests
	$(MAKE) lint typecheck
	$(BIN)/pytest -q

FUZZ_MINUTES ?= 30
FUZZ_EXAMPLES ?= 1000
fuzz: $(STAMP)  ## hostile input for FUZZ_MINUTES (30): the properties of tests/fuzz, long
	$(BIN)/python tests/fuzz/run.py --minutes $(FUZZ_MINUTES) --examples $(FUZZ_EXAMPLES)

AXE := tests/browser/node_modules/axe-core/axe.min.js

postgres-deps:  ## Debian's postgresql for the kpi pull tests (installed when missing)
	@bash .ci/install-postgresql

browser-deps:  ## Debian's chromium, npm and axe-core for the browser tests (installed when missing)
	@test -x /usr/bin/chromium && command -v npm >/dev/null 2>&1 || bash .ci/install-chromium
	@$(MAKE) --no-print-directory browser-js

browser-js: $(AXE)  ## axe-core for the browser tests, from tests/browser/package-lock.json

# touch: npm keeps the packages' own file dates (1985), older than the lock.
$(AXE): tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund
	touch $(AXE)

bench: $(STAMP)  ## benchmarks: build stages at 100 and 1,000 KPIs, history step vs per-file, edits, kpi pull
	$(BIN)/python bench/run
	$(BIN)/python bench/history.py
	$(BIN)/python bench/edit.py
	$(BIN)/python bench/pull.py

SCORECARD ?= .
publish: $(STAMP)  ## build and push the site to the gh-pages branch of REMOTE (git URL or remote)
	@test -n "$(REMOTE)" || { echo "usage: make publish REMOTE=<git url or remote name>"; exit 2; }
	cd "$(SCORECARD)" && NO_MKDOCS_2_WARNING=1 DISABLE_MKDOCS_2_WARNING=true \
		"$(CURDIR)/$(BIN)/mkdocs" gh-deploy --force --remote-name "$(REMOTE)" \
		--message "Publish the scorecard from {sha}"

clean:  ## remove the venv and the built site
	rm -rf $(VENV) site .pytest_cache .mypy_cache .ruff_cache
