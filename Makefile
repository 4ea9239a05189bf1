# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: run test lint typecheck pytest bench clean validate i18n

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEVSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP)

run: $(STAMP)
	@$(BIN)/community-voice run

test: $(DEVSTAMP)
	$(BIN)/ruff check bot tests bench
	$(BIN)/mypy
	$(BIN)/pytest -q

validate: $(STAMP)
	$(BIN)/community-voice validate

bench: $(DEVSTAMP)
	$(BIN)/python bench/throughput.py

# Translations: extract every string from bot/ and flows/ into locales/messages.pot (see
# babel.cfg), bring each locales/<code>/LC_MESSAGES/messages.po up to date, compile .mo files.
# Start a language with: $(BIN)/pybabel init -i locales/messages.pot -d locales -l <code>
# The template is kept as it is when only its creation date would change.
I18N_VERSION := $(shell sed -n 's/^version = "\(.*\)"$$/\1/p' pyproject.toml)
I18N_KEYWORDS := -k N_ -k gettext -k ngettext:1,2 -k pgettext:1c,2

i18n: $(STAMP)
	@mkdir -p locales
	$(BIN)/pybabel extract -F babel.cfg $(I18N_KEYWORDS) --add-comments=TRANSLATORS: \
		--sort-by-file --project="Community Voice" --version="$(I18N_VERSION)" \
		-o locales/messages.pot.new .
	@if [ -f locales/messages.pot ] && diff -q -I '^"POT-Creation-Date: ' \
		locales/messages.pot locales/messages.pot.new >/dev/null; then \
		rm locales/messages.pot.new; echo "locales/messages.pot is up to date"; \
	else mv locales/messages.pot.new locales/messages.pot; echo "wrote locales/messages.pot"; fi
	@if ls locales/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages \
			--no-fuzzy-matching --ignore-pot-creation-date && \
		$(BIN)/pybabel compile -d locales -D messages --statistics; \
	else echo "no locales/<code>/LC_MESSAGES/messages.po yet: nothing to update"; fi

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
