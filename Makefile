# The two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := ACCORD_ENV=development $(BIN)/flask --app wsgi
HTMX := static/vendor/htmx.min.js
PORT ?= 5000

.PHONY: run test test-postgres install assets bench clean check-wheel lint typecheck

# The web server and a job worker (emails, periodic jobs) together, from Procfile, by honcho:
# Ctrl+C stops both. `make run PORT=8080` serves on another port.
run: install assets
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	@echo ""
	@echo "Accord is running at http://127.0.0.1:$(PORT) with a job worker  (Ctrl+C stops both)"
	@$(FLASK) demo sign-ins
	PATH="$(CURDIR)/$(BIN):$$PATH" ACCORD_ENV=development $(BIN)/honcho start --no-colour --port $(PORT)

# One test process per core (pytest-xdist); PYTEST_ARGS="-n 0" runs them in this process.
PYTEST_ARGS ?= -n auto

test: install assets lint typecheck
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== The suite again, against $$TEST_DATABASE_URL =="; \
		$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS); \
	fi

# Ruff's rules are in pyproject.toml. It checks, it does not format: the code is not laid out
# the way `ruff format` would, and reformatting everything would bury the history.
lint: install
	$(BIN)/ruff check .

# mypy, strict, on the modules pyproject.toml names (policy and queries).
typecheck: install
	$(BIN)/mypy

install: $(VENV)/.installed

# Pinned: constraints.txt holds the version of every package (see its header to regenerate it).
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt --build-constraint constraints.txt -e '.[test]'
	touch $@

assets: $(HTMX)

# Build the wheel, install it in a fresh virtualenv and serve the sign-in page from it (CI runs it).
check-wheel: assets
	$(PYTHON) tests/packaging/check_wheel.py

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(HTMX): node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache .ruff_cache .mypy_cache build *.egg-info
