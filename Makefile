# Development tasks for wagtail-dvt. Every target works on a fresh clone and is
# safe to rerun. Override any variable on the command line, e.g.
#   make test VENV=.venv-lowest PYTHON=python3.11 CONSTRAINTS=constraints/lowest.txt

# Interpreter for creating the virtualenv; empty means the first of the
# candidates below that runs and is at least Python 3.11.
PYTHON ?=
VENV ?= .venv
# Optional pip constraints file, e.g. constraints/lowest.txt for the oldest stack.
CONSTRAINTS ?=
# Extra arguments for pytest, e.g. PYTEST_ARGS="-k parser -x".
PYTEST_ARGS ?=
# Django settings the tests run with: the demo site's, or
# tests.settings_swapped, a site with its own article model
# (WAGTAIL_DVT_ARTICLEPAGE_MODEL) on a custom base page model on Wagtail 8.
SETTINGS ?= example_site.settings.test
# pytest-xdist workers for the suite (not the browser tests); 0 runs it in one
# process, which is what PYTEST_ARGS="--pdb" needs.
PYTEST_WORKERS ?= 2
# 0 skips the browser tests (tests/browser), e.g. on a second database: they
# serve the example site from their own SQLite file whatever DATABASE_URL says.
BROWSER ?= 1
# 1 measures branch coverage of wagtail_dvt/ and fails below fail_under in
# pyproject.toml, the newest stack's figure with the demo's settings. Stacks
# that run less of the package (no API v3 on Wagtail 7) set 0, as CI's other
# stages do, which also saves coverage's overhead there.
COVERAGE ?= 1

# The browser tests drive Debian's Chromium and inject axe-core from npm.
CHROMIUM ?= /usr/bin/chromium
AXE_CORE_VERSION ?= 4.14.1
NPM_CACHE_DIR ?= .cache/npm
AXE_JS := $(NPM_CACHE_DIR)/node_modules/axe-core/axe.min.js
AXE_STAMP := $(NPM_CACHE_DIR)/.axe-core-$(AXE_CORE_VERSION)

# Lighthouse from npm, for make lighthouse (never run by CI).
LIGHTHOUSE_VERSION ?= 12.8.2
# Its own prefix: npm prunes packages installed with --no-save (axe-core) from
# a prefix it installs into.
LIGHTHOUSE_DIR ?= .cache/lighthouse
LIGHTHOUSE_JS := $(LIGHTHOUSE_DIR)/node_modules/lighthouse/cli/index.js
LIGHTHOUSE_STAMP := $(LIGHTHOUSE_DIR)/.lighthouse-$(LIGHTHOUSE_VERSION)

DEMO_HOST ?= 127.0.0.1
DEMO_PORT ?= 8000
DEMO_USERNAME ?= admin
DEMO_PASSWORD ?= changeme
# Origins (comma-separated) of a front-end allowed to call the demo's API.
DEMO_CORS_ORIGIN ?=
# The demo's settings read these too: the Site and absolute URLs match them.
export DEMO_HOST DEMO_PORT DEMO_CORS_ORIGIN

PYTHON_CANDIDATES := python3.13 $(HOME)/.pyenv/versions/3.13*/bin/python3 \
	python3.12 python3.11 python3

VENV_PYTHON := $(VENV)/bin/python
PIP := $(VENV_PYTHON) -m pip --disable-pip-version-check
MANAGE := $(VENV_PYTHON) example_site/manage.py
# Reinstall only when the dependencies (or the constraints) change. The demo
# needs the package and its "demo" extra only; the tests, docs and benchmarks
# need the rest too, which make test installs (and which includes the demo's).
DEMO_EXTRAS := demo
INSTALL_EXTRAS := demo,testing,docs,bench
DEMO_STAMP := $(VENV)/.demo-install-stamp
INSTALL_STAMP := $(VENV)/.install-stamp

.DEFAULT_GOAL := help
.PHONY: help install demo test test-swapped mutation bench lighthouse lint format docs messages chromium gettext axe screenshots clean distclean

help:
	@echo "make demo       install, migrate, import the bundled article, run the server"
	@echo "make test       ruff, makemigrations --check, pytest with branch coverage and the browser tests, docs build"
	@echo "make test-swapped  the same, on a site with its own article model (tests.settings_swapped)"
	@echo "make mutation   run mutmut over the modules that hold the rules (slow; not in CI)"
	@echo "make bench      run the benchmarks (bench/), printing tables and writing JSON"
	@echo "make lighthouse Lighthouse's four scores of the demo's article (Debian's Chromium)"
	@echo "make docs       build the documentation site strictly into site/"
	@echo "make screenshots  rerun the browser tests, saving the docs' screenshots in docs/img/"
	@echo "make messages   refresh the fr and de catalogues from the source and compile them"
	@echo "make lint       ruff check and ruff format --check"
	@echo "make format     ruff format and ruff check --fix"
	@echo "make install    create $(VENV) and install wagtail-dvt[$(INSTALL_EXTRAS)]"
	@echo "make chromium   install Debian's Chromium for the browser tests (as root)"
	@echo "make clean      remove build artefacts and caches"
	@echo "make distclean  clean, and remove virtualenvs and the demo's database and media"

$(VENV_PYTHON):
	@py='$(PYTHON)'; \
	if [ -z "$$py" ]; then \
		for candidate in $(PYTHON_CANDIDATES); do \
			if "$$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
				>/dev/null 2>&1; then py="$$candidate"; break; fi; \
		done; \
	fi; \
	if [ -z "$$py" ]; then \
		echo "No Python >= 3.11 found; set PYTHON=/path/to/python3" >&2; exit 1; \
	fi; \
	if ! "$$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then \
		echo "$$py is not Python >= 3.11" >&2; exit 1; \
	fi; \
	echo "Creating $(VENV) with $$("$$py" -c 'import sys; print(sys.executable, sys.version.split()[0])')"; \
	"$$py" -m venv $(VENV)

$(INSTALL_STAMP): pyproject.toml $(CONSTRAINTS) | $(VENV_PYTHON)
	$(PIP) install --quiet -e ".[$(INSTALL_EXTRAS)]" $(if $(CONSTRAINTS),-c $(CONSTRAINTS))
	@touch $@ $(DEMO_STAMP)

# Satisfied by the full install as well, so make demo after make test
# installs nothing.
$(DEMO_STAMP): pyproject.toml $(CONSTRAINTS) | $(VENV_PYTHON)
	$(PIP) install --quiet -e ".[$(DEMO_EXTRAS)]" $(if $(CONSTRAINTS),-c $(CONSTRAINTS))
	@touch $@

install: $(INSTALL_STAMP)

demo: $(DEMO_STAMP)
	$(MANAGE) migrate --noinput
	@$(MANAGE) shell --no-imports -c "$$DEMO_SITE_SCRIPT"
	$(MANAGE) import_article
	@DEMO_USERNAME='$(DEMO_USERNAME)' DEMO_PASSWORD='$(DEMO_PASSWORD)' \
		$(MANAGE) shell --no-imports -c "$$DEMO_SUPERUSER_SCRIPT"
	@echo
	@echo "  Site:  http://$(DEMO_HOST):$(DEMO_PORT)/"
	@echo "  Admin: http://$(DEMO_HOST):$(DEMO_PORT)/admin/"
	@echo "  Login: $(DEMO_USERNAME) / $(DEMO_PASSWORD)"
	@echo
	$(MANAGE) runserver $(DEMO_HOST):$(DEMO_PORT)

# Points the default Site at where the demo serves, so that page URLs (and the
# import report's) are http://$(DEMO_HOST):$(DEMO_PORT)/...
define DEMO_SITE_SCRIPT
import os
from wagtail.models import Site
Site.objects.filter(is_default_site=True).update(
    hostname=os.environ["DEMO_HOST"], port=int(os.environ["DEMO_PORT"])
)
endef
export DEMO_SITE_SCRIPT

# Creates the demo superuser, or resets its password if it already exists.
define DEMO_SUPERUSER_SCRIPT
import os
from django.contrib.auth import get_user_model
user, _ = get_user_model().objects.get_or_create(username=os.environ["DEMO_USERNAME"])
user.is_staff = user.is_superuser = user.is_active = True
user.set_password(os.environ["DEMO_PASSWORD"])
user.save()
endef
export DEMO_SUPERUSER_SCRIPT

test: $(INSTALL_STAMP) chromium gettext axe
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run --settings=$(SETTINGS)
	$(VENV)/bin/pytest --ds=$(SETTINGS) --ignore=tests/browser \
		$(if $(filter-out 0,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS) --dist loadgroup) \
		$(if $(filter-out 0,$(COVERAGE)),--cov --cov-report=term:skip-covered) $(PYTEST_ARGS)
	@# Exit status 5: PYTEST_ARGS (e.g. -k parser) selected no browser test.
	$(if $(filter-out 0,$(BROWSER)),WAGTAIL_DVT_BROWSER_REQUIRED=1 \
		WAGTAIL_DVT_CHROMIUM='$(CHROMIUM)' WAGTAIL_DVT_AXE_JS='$(CURDIR)/$(AXE_JS)' \
		$(VENV)/bin/pytest --ds=$(SETTINGS) tests/browser $(PYTEST_ARGS) \
		|| test $$? -eq 5)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet

test-swapped:
	$(MAKE) test SETTINGS=tests.settings_swapped

# Mutation testing (docs/testing.md): mutmut mutates the modules listed in
# pyproject.toml's [tool.mutmut], running for each mutant only the tests that
# reach it. Slow (hours for every module on 2 cores); never part of make test
# or CI. MODULES narrows the run to some of those files, e.g.
#   make mutation MODULES="wagtail_dvt/comments/admission.py wagtail_dvt/comments/limits.py"
# and MUTANTS to mutant names, e.g. MUTANTS='wagtail_dvt.comments.text.*'.
# Each mutant's pytest session starts from a copy of one migrated SQLite
# file (WAGTAIL_DVT_TEST_DB_TEMPLATE, tests/conftest.py), rebuilt every run.
MODULES ?=
MUTANTS ?= $(foreach module,$(MODULES),'$(subst /,.,$(module:.py=)).*')
MUTMUT_CHILDREN ?= 1
MUTMUT_NICE ?= 15
MUTMUT_TEST_DB := $(CURDIR)/mutants/test-db-template.sqlite3
mutation: $(INSTALL_STAMP)
	$(PIP) install --quiet -e ".[mutation]" $(if $(CONSTRAINTS),-c $(CONSTRAINTS))
	rm -f $(MUTMUT_TEST_DB)
	WAGTAIL_DVT_TEST_DB_TEMPLATE=$(MUTMUT_TEST_DB) nice -n $(MUTMUT_NICE) \
		$(VENV)/bin/mutmut run --max-children $(MUTMUT_CHILDREN) $(MUTANTS)
	$(VENV)/bin/mutmut results

# Benchmarks print a table and write bench/results/*.json. They never run in
# make test; set DATABASE_URL to measure on PostgreSQL (comment_load needs it).
bench: $(INSTALL_STAMP)
	$(VENV_PYTHON) bench/import_throughput.py
	$(VENV_PYTHON) bench/admin_import.py
	$(VENV_PYTHON) bench/api_latency.py
	$(VENV_PYTHON) bench/render_comments.py
	$(VENV_PYTHON) bench/conditional_gets.py
	$(PIP) install --quiet -e ".[peer]"
	$(VENV_PYTHON) bench/peer_comments.py
	@if [ -n "$$DATABASE_URL" ]; then $(VENV_PYTHON) bench/comment_load.py; \
	else echo "comment_load skipped: it needs DATABASE_URL (PostgreSQL)"; fi

# Prepares the demo database (as make demo does), serves it on a free port and
# prints Lighthouse's performance, accessibility, best practices and SEO scores
# of the demo's article, with the audits that cost points.
lighthouse: $(INSTALL_STAMP) chromium $(LIGHTHOUSE_STAMP)
	$(VENV_PYTHON) bench/lighthouse.py --lighthouse '$(LIGHTHOUSE_JS)' --chromium '$(CHROMIUM)'

# npm's lighthouse, pinned, beside axe-core; it drives the Chromium given to it
# and downloads no browser.
$(LIGHTHOUSE_STAMP):
	npm install --no-save --no-audit --no-fund --silent \
		--prefix $(LIGHTHOUSE_DIR) lighthouse@$(LIGHTHOUSE_VERSION)
	@test -f $(LIGHTHOUSE_JS)
	@touch $@

docs: $(INSTALL_STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

# The reader-facing catalogues, wagtail_dvt/locale/<lang>/LC_MESSAGES/django.po.
# makemessages runs inside the package (so that paths in the catalogue are the
# package's own) with python -P: the package's markdown.py must not shadow the
# Markdown library. After it, translate every new or fuzzy entry; the tests
# (tests/test_locale.py) fail until none is left, and until the .mo files match.
MESSAGES_LANGUAGES ?= fr de
messages: $(INSTALL_STAMP) gettext
	cd wagtail_dvt && env -u DJANGO_SETTINGS_MODULE $(abspath $(VENV_PYTHON)) -P -m django \
		makemessages $(addprefix -l ,$(MESSAGES_LANGUAGES)) --add-location=file --no-obsolete
	cd wagtail_dvt && env -u DJANGO_SETTINGS_MODULE $(abspath $(VENV_PYTHON)) -P -m django \
		compilemessages
	@grep -c '^#, fuzzy' wagtail_dvt/locale/*/LC_MESSAGES/django.po || true

# GNU gettext (msgfmt, xgettext) for make messages and tests/test_locale.py;
# installed from Debian when running as root.
gettext:
	@if command -v msgfmt >/dev/null && command -v xgettext >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "GNU gettext is missing: run 'sudo apt-get install -y gettext'" >&2; \
		exit 1; \
	fi; \
	DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null

# Debian's Chromium (never a browser download); installed when running as root.
chromium:
	@if [ -x '$(CHROMIUM)' ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "$(CHROMIUM) is missing: run 'sudo apt-get install -y chromium', then make test" >&2; \
		exit 1; \
	fi; \
	echo "Installing Debian's chromium for the browser tests"; \
	DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

# axe-core from the npm registry, pinned, in an ignored cache directory;
# reinstalled when AXE_CORE_VERSION changes.
axe: $(AXE_STAMP)

$(AXE_STAMP):
	npm install --no-save --no-audit --no-fund --silent \
		--prefix $(NPM_CACHE_DIR) axe-core@$(AXE_CORE_VERSION)
	@test -f $(AXE_JS)
	@touch $@

# Rerun the browser tests, saving the docs' screenshots into docs/img/.
screenshots: $(INSTALL_STAMP) chromium axe
	WAGTAIL_DVT_SCREENSHOTS=1 WAGTAIL_DVT_BROWSER_REQUIRED=1 \
		WAGTAIL_DVT_CHROMIUM='$(CHROMIUM)' WAGTAIL_DVT_AXE_JS='$(CURDIR)/$(AXE_JS)' \
		$(VENV)/bin/pytest tests/browser

lint: $(INSTALL_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(INSTALL_STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf build dist site .pytest_cache .ruff_cache ./*.egg-info mutants \
		.coverage .coverage.* \
		example_site/static_collected
	find . -path ./.git -prune -o -path './.venv*' -prune -o \
		-name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf .venv .venv-* .cache example_site/db.sqlite3 example_site/media
