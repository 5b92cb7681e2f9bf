# Everyday commands. `make run` and `make test` are all a newcomer needs.

PYTHON ?= $(shell command -v python3.11 >/dev/null 2>&1 && echo python3.11 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
# Re-install only when a requirements file changes.
STAMP := $(VENV)/.installed-stamp

.PHONY: venv run test bench soak profile lint format clean translations messages

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# Embedded Redis, migrations, demo campaigns, gunicorn and an RQ worker; Ctrl-C stops all.
run: venv
	$(BIN)/python -m devtools.runner

# Options live in pyproject.toml; extra ones via `make test PYTEST_ARGS="-k wheel -x"`.
# Two pytest-xdist workers, each taking whole files (a file's servers and fixtures stay in one
# process); TEST_WORKERS=0 runs everything in this process, for debugging.
TEST_WORKERS ?= 2
test: venv
	$(BIN)/pytest -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# wrk drives the load (Debian's package); installed here when missing and we may.
WRK := $(shell command -v wrk 2>/dev/null)
bench: venv
ifndef WRK
	@if [ "$$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
	else echo "make bench needs wrk: sudo apt-get install wrk"; exit 1; fi
endif
	$(BIN)/python bench/run.py

# Where one play's time goes (pyinstrument call tree); fix what it shows before tuning settings.
profile: venv
	$(BIN)/python bench/profile_play.py

# The bench plus a 10-minute soak: memory of web workers and Redis sampled every minute.
# Idempotency keys live 2 minutes here (24 h by default), so Redis reaches its steady state
# inside the soak and growth that remains would be a leak.
soak: venv
	BENCH_SOAK_SECONDS=600 IDEMPOTENCY_TTL_SECONDS=120 $(MAKE) bench

# The pages' words (README, "Translating the pages"). `make messages` extracts the msgids from
# the code and templates into translations/messages.pot and merges them into each language's .po;
# `make translations` compiles the .po files into the .mo files the app reads. The .mo files are
# committed, so a deploy from the checkout needs no build step; tests/test_catalogs.py fails when
# one is stale or a msgid lacks a translation.
messages: venv
	$(BIN)/pybabel extract -F babel.cfg --sort-by-file --no-wrap --omit-header \
		-o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-wrap \
		--no-fuzzy-matching --ignore-obsolete

translations: venv
	$(BIN)/pybabel compile -d translations --statistics

lint: venv
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports

format: venv
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

# Leaves instance/ alone: it holds your development database and Redis data.
clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache bench/out test-artifacts
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +
