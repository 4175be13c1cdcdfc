# Quick start: `make run` serves the demo site, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Canonical links, feeds and emails point at the address the site is served on.
SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test serve bench lint messages demo-big clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The dev server and the scheduled jobs (Procfile.dev), so the rankings stay fresh; Ctrl-C stops both.
run: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 SITE_URL=$(SITE_URL) $(PY) manage.py load_demo
	DEBUG=1 SITE_URL=$(SITE_URL) HOST=$(HOST) PORT=$(PORT) PYTHONUNBUFFERED=1 \
		PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho -f Procfile.dev start

test: $(VENV)/.installed-dev
	$(PY) -m pytest

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

# Re-extract UI strings after changing them; the compiled .mo files are committed.
messages: $(VENV)/.installed-dev
	DEBUG=1 $(PY) manage.py makemessages -l en -l ru --no-obsolete --no-location --ignore=.venv --ignore=bench \
		--ignore=media --ignore=staticfiles --ignore=cache --ignore=test-artifacts
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv --ignore=bench

# The production server locally: DEBUG off, static files collected and served by whitenoise,
# answering on this machine's own names unless ALLOWED_HOSTS says otherwise.
serve: $(VENV)/.installed
	SECRET_KEY=$${SECRET_KEY:-local-serve-$$(hostname)} $(PY) manage.py collectstatic --noinput -v0
	SECRET_KEY=$${SECRET_KEY:-local-serve-$$(hostname)} $(PY) manage.py migrate --noinput
	SECRET_KEY=$${SECRET_KEY:-local-serve-$$(hostname)} \
		ALLOWED_HOSTS=$${ALLOWED_HOSTS:-localhost,127.0.0.1,$(HOST)} SITE_URL=$(SITE_URL) \
		BIND=$(HOST):$(PORT) $(VENV)/bin/gunicorn -c config/gunicorn.py config.wsgi

demo-big: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py load_demo --articles 10000

# Load test on the big data set (issue 4); see bench/run.py. A database of its own, never the dev
# one in DATABASE_URL: the first run creates and fills it (about 4 minutes), results go to
# bench/RESULTS.md. Example: make bench BENCH_ARGS="--only home,article --duration 5"
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bench
BENCH_ARGS ?=
bench: $(VENV)/.installed
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles cache db.sqlite3*
