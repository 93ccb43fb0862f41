# The two commands of the README: `make run` and `make test`. Everything else here serves them.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# The development profile's PUBLIC_URL is http://127.0.0.1:$(PORT) (kim_app/config.py).
export PORT
export FLASK_APP := kim_app

.PHONY: run test venv migrate seed serve lint clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(BIN)/.installed

migrate: venv
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask kim seed-demo

# gunicorn with gunicorn.conf.py, as production runs, but with threaded workers that keep connections open between
# requests (HTTP keep-alive, 75 s like nginx): Flask's development server closes every connection, and on 2G each new
# one costs the phone a round trip of almost a second (docs/benchmarks.md, "2G field").
SERVE = $(BIN)/gunicorn -c gunicorn.conf.py --bind 127.0.0.1:$(PORT) --workers 2 --worker-class gthread --threads 4 \
	--keep-alive 75 --no-control-socket 'kim_app:create_app()'

serve: venv
	$(SERVE)

# The delivery worker (e-mail and push, kim_app/notifications/queue.py) runs beside the server and is stopped with it.
run: seed
	@echo "KIM berjalan di http://127.0.0.1:$(PORT)  (hentikan dengan Ctrl+C)"
	$(BIN)/flask kim worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	  $(SERVE)

test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check kim_app tests benchmarks migrations/env.py
	$(BIN)/bandit -q -c pyproject.toml -r kim_app

clean:
	rm -rf $(VENV) .pytest_cache
