# OpenKAM developer commands. `make help` lists them; CI runs the same ones (.ci/run).
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
RUN := $(UV) run --frozen

.DEFAULT_GOAL := help
.PHONY: help install demo test test-postgres lint audit fmt typecheck messages serve bench clean

help:  ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

# Bytecode compiled at install, as production installs do: where PYTHONDONTWRITEBYTECODE is
# set (these machines), every `kam` command would otherwise recompile Ibis, sqlglot and Django
# (~1 s a process).
.venv/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

install: .venv/.synced  ## Create .venv with every dependency from uv.lock

demo: install  ## Build the demo company, import it and serve it on http://127.0.0.1:8000
	$(RUN) kam demo

test: install  ## Run the whole test suite (SQLite; PostgreSQL and browser tests when available)
	$(RUN) pytest

test-postgres: install  ## Run the Django tests against PostgreSQL (KAM_DATABASE_URL or 127.0.0.1:5432)
	KAM_DATABASE_URL=$${KAM_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/kam} $(RUN) pytest kam tests -m "not browser"

lint: install  ## ruff lint + format check, mypy --strict, missing migrations, OpenAPI schema drift
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy .
	KAM_DATA_DIR=$$(mktemp -d) $(RUN) kam makemigrations --check --dry-run
	KAM_DATA_DIR=$$(mktemp -d) $(RUN) kam openapi --check

audit: install  ## Check the locked dependencies for known vulnerabilities (pip-audit)
	PATH=$(dir $(abspath $(UV))):$$PATH $(RUN) python .ci/audit.py

fmt: install  ## Format and auto-fix
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

messages: install  ## Update and compile the Spanish translations
	$(RUN) kam makemessages -l es --ignore=.venv --ignore=.tools --ignore=var
	$(RUN) kam compilemessages --ignore=.venv --ignore=.tools

serve: install  ## Serve the web app (gunicorn) on http://127.0.0.1:8000
	$(RUN) kam serve

bench: install  ## Run the benchmarks in bench/ (slow; see docs/performance.md)
	$(RUN) python bench/import_invoices.py

clean:  ## Remove the environments and local data
	rm -rf .venv .tools var
