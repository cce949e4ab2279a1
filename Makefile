# CLEAR Audit: the README's commands. Run `make help` for the list.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: help demo test lint bench lock clean

help:
	@echo "make demo   run the app with demo data on SQLite at http://127.0.0.1:$(PORT)"
	@echo "make test   lint, migration check and the whole test suite on a throwaway PostgreSQL"
	@echo "make bench  print the performance figures"
	@echo "make lock   refresh requirements.lock after changing pyproject.toml"

$(BIN)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV) 2>/dev/null || { rm -rf $(VENV); scripts/apt-ensure python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

demo: $(BIN)/.installed
	scripts/apt-ensure $$(cat scripts/debian-packages.txt)
	CLEARAUDIT_DEMO=1 $(BIN)/python manage.py migrate --no-input
	CLEARAUDIT_DEMO=1 $(BIN)/python manage.py seed_demo
	CLEARAUDIT_DEMO=1 $(BIN)/python manage.py seed_demo_perspectives
	CLEARAUDIT_DEMO=1 $(BIN)/python manage.py seed_demo_actions
	CLEARAUDIT_DEMO=1 $(BIN)/python manage.py seed_demo_discussions
	@# What a daily cron job does (README, "Reminders"): the reminders print here, on the console.
	CLEARAUDIT_DEMO=1 $(BIN)/python manage.py send_action_reminders
	CLEARAUDIT_DEMO=1 $(BIN)/python manage.py send_review_digest
	CLEARAUDIT_DEMO=1 $(BIN)/python manage.py collectstatic --no-input --verbosity 0
	CLEARAUDIT_DEMO=1 $(BIN)/python manage.py compilemessages --ignore=.venv --verbosity 0
	@echo "CLEAR Audit demo: http://127.0.0.1:$(PORT)/  (logins in README.md, password clear-demo; Ctrl+C to stop)"
	@# The background task worker (renders report bundles, sends the e-mails, which print here)
	@# runs beside the web server and stops with it.
	CLEARAUDIT_DEMO=1 $(BIN)/python manage.py db_worker --queue-name default --interval 1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	CLEARAUDIT_DEMO=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT) --noreload

test: $(BIN)/.installed
	scripts/run-tests

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(BIN)/.installed
	scripts/apt-ensure $$(cat scripts/debian-packages.txt) wrk
	SECRET_KEY=bench-only-not-secret scripts/with-postgres scripts/bench

lock:
	rm -rf /tmp/clearaudit-lock && $(PYTHON) -m venv /tmp/clearaudit-lock
	/tmp/clearaudit-lock/bin/pip install --quiet --disable-pip-version-check ".[test]"
	/tmp/clearaudit-lock/bin/pip freeze --exclude clear-audit > requirements.lock
	rm -rf /tmp/clearaudit-lock

clean:
	rm -rf $(VENV) var test-artifacts
