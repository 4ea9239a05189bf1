# Two commands do everything on a fresh machine: `make run` and `make test`.
# Both install exactly the committed lock files (pip, with hashes): see "Locked installs" in
# README.md. `make lock` refreshes the locks; `make test-latest` tries the newest releases.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
# uv resolves the locks (`make lock` only); pip alone installs them.
UV_VERSION := 0.13.9
TOOLS := .venv-tools
LATEST := .venv-latest

.PHONY: run test lint typecheck pytest bench faults clean validate i18n lock test-latest

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The lock holds every package, the build tools included, each pinned with its hashes: pip
# refuses anything else. The project itself is then installed without looking anything up.
$(STAMP): requirements.lock pyproject.toml | $(BIN)/python
	$(PIP) install --quiet --require-hashes -r requirements.lock
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(DEVSTAMP): requirements-dev.lock pyproject.toml | $(BIN)/python
	$(PIP) install --quiet --require-hashes -r requirements-dev.lock
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $@ $(STAMP)

run: $(STAMP)
	@$(BIN)/community-voice run

test: $(DEVSTAMP)
	$(BIN)/ruff check bot tgdouble tests bench
	$(BIN)/mypy
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
		echo "NOTE: Chromium is not installed: the dashboard's browser tests are SKIPPED" \
		"(apt-get install chromium; CI installs it and never skips them)."
	$(BIN)/pytest -q -rs

validate: $(STAMP)
	$(BIN)/community-voice validate

bench: $(DEVSTAMP)
	$(BIN)/python bench/throughput.py

# The fault suite in full (under 10 minutes): the real bot killed, stopped, fuzzed and failed
# by the Bot API double; one table of figures, exit 1 if any misses its target. `make test`
# runs its short form (tests/faults/test_faults.py).
faults: $(DEVSTAMP)
	$(BIN)/python -m tests.faults

# Refresh the locks after changing a range in pyproject.toml, or to take new releases
# (UPGRADE=1 upgrades everything; otherwise the current pins are kept where they still fit).
# Then run `make test` and read the diff of the lock files before committing them.
lock:
	test -x $(TOOLS)/bin/uv || ($(PYTHON) -m venv $(TOOLS) && \
		$(TOOLS)/bin/python -m pip install --quiet uv==$(UV_VERSION))
	$(TOOLS)/bin/uv pip compile pyproject.toml --extra dev --group build --universal \
		--python-version 3.11 --generate-hashes $(if $(UPGRADE),--upgrade) \
		-o requirements-dev.lock
	$(TOOLS)/bin/uv pip compile pyproject.toml --group build --universal \
		--python-version 3.11 --generate-hashes -c requirements-dev.lock \
		-o requirements.lock

# The newest releases allowed by the ranges in pyproject.toml, in a separate environment, so a
# breaking release is seen here before a new user meets it. Not part of `make test` or CI.
test-latest:
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --upgrade pip
	$(LATEST)/bin/python -m pip install --quiet --upgrade -e '.[dev]'
	$(LATEST)/bin/python -m pip list --format=freeze | grep -i -v -e '^-e' -e '^community-voice'
	$(LATEST)/bin/ruff check bot tgdouble tests bench
	$(LATEST)/bin/mypy
	$(LATEST)/bin/pytest -q

# Translations: extract every string from bot/ and flows/ into locales/messages.pot (see
# babel.cfg), bring each locales/<code>/LC_MESSAGES/messages.po up to date, compile .mo files;
# then the staff dashboard's own domain (babel-dashboard.cfg: locales/dashboard.pot and the
# dashboard.po of each language it is in: Welsh).
# Start a language with: $(BIN)/pybabel init -i locales/messages.pot -d locales -l <code>
# The template is kept as it is when only its creation date would change.
I18N_VERSION := $(shell sed -n 's/^version = "\(.*\)"$$/\1/p' pyproject.toml)
# As bot/web/i18n.py's KEYWORDS (the test that the dashboard's template is current uses those).
DASHBOARD_KEYWORDS := -k W_ -k S_ -k StaffError -k Refused -k Said
I18N_KEYWORDS := -k N_ -k N_plural:1,2 -k gettext -k ngettext:1,2 -k pgettext:1c,2

# $(call keep_pot,FILE): FILE.new replaces FILE unless only its creation date differs.
define keep_pot
	@if [ -f $(1) ] && diff -q -I '^"POT-Creation-Date: ' $(1) $(1).new >/dev/null; then \
		rm $(1).new; echo "$(1) is up to date"; \
	else mv $(1).new $(1); echo "wrote $(1)"; fi
endef

i18n: $(STAMP)
	@mkdir -p locales
	$(BIN)/pybabel extract -F babel.cfg $(I18N_KEYWORDS) --add-comments=TRANSLATORS: \
		--sort-by-file --project="Community Voice" --version="$(I18N_VERSION)" \
		-o locales/messages.pot.new .
	$(call keep_pot,locales/messages.pot)
	@if ls locales/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages \
			--no-fuzzy-matching --ignore-pot-creation-date && \
		$(BIN)/pybabel compile -d locales -D messages --statistics; \
	else echo "no locales/<code>/LC_MESSAGES/messages.po yet: nothing to update"; fi
	$(BIN)/pybabel extract -F babel-dashboard.cfg $(DASHBOARD_KEYWORDS) --add-comments=TRANSLATORS: \
		--sort-by-file --project="Community Voice dashboard" --version="$(I18N_VERSION)" \
		-o locales/dashboard.pot.new .
	$(call keep_pot,locales/dashboard.pot)
	$(BIN)/pybabel update -i locales/dashboard.pot -d locales -D dashboard \
		--no-fuzzy-matching --ignore-pot-creation-date

clean:
	rm -rf $(VENV) $(TOOLS) $(LATEST) .mypy_cache .pytest_cache .ruff_cache
