PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := wsgi:app

.PHONY: run test lint bench translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## make run: the service with demo data on SQLite at http://127.0.0.1:5000, and beside it
## the job scheduler in its own process (never inside the app: the reloader would run it twice)
run: $(STAMP)
	BRIDGES_CONFIG=development $(BIN)/flask db upgrade
	BRIDGES_CONFIG=development $(BIN)/flask seed-demo --if-empty
	@cat instance/demo-login.txt 2>/dev/null || true
	@BRIDGES_CONFIG=development $(BIN)/flask jobs run & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null; wait $$scheduler 2>/dev/null' EXIT INT TERM; \
	BRIDGES_CONFIG=development $(BIN)/flask run --host 127.0.0.1 --port 5000

## make test: the whole suite (SQLite; PostgreSQL when TEST_DATABASE_URL is set)
test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check web matcher jobs tests bench wsgi.py
	$(BIN)/ruff format --check web matcher jobs tests bench wsgi.py

## make bench: the benchmarks (BENCH_POSTGRES=postgresql://... adds PostgreSQL to the run bench; it is emptied)
bench: $(STAMP)
	$(BIN)/python bench/matcher_bench.py --sizes 1000,10000,100000
	$(BIN)/python bench/matching_run_bench.py --sizes 1000,10000 $(if $(BENCH_POSTGRES),--postgres $(BENCH_POSTGRES))
	$(BIN)/python bench/page_weight.py

## make translations: extract strings, update catalogues and compile them
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o web/translations/messages.pot .
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d web/translations

clean:
	rm -rf $(VENV) .pytest_cache
