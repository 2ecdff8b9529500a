# Two commands on a fresh machine:  make demo  (the main job)  and  make test  (the test suite).
# Both create .venv first; demo also needs bubblewrap (the grading sandbox), test also chromium
# (the browser tests) and postgresql (the PostgreSQL gradebook tests), which
# scripts/install-system-packages installs with apt-get.
# Students need neither: `make setup` installs the Python packages only. On machines with a local CPU wheel of torch 2.13.0 (pip find-links),
# torch is installed from it before anything else, so pip never pulls the CUDA packages.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
TORCH  ?= torch==2.13.0

.PHONY: setup demo test test-fast format notebooks release check clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q "$(TORCH)"
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	./scripts/install-system-packages bubblewrap
	$(VENV)/bin/course demo

# Lint and format check (ruff), then pytest in two processes (the models use one CPU thread each):
# progress per test file, the 25 slowest tests at the end; the browser tests run last, on one worker.
test: $(STAMP)
	./scripts/install-system-packages bubblewrap chromium fonts-liberation postgresql
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -n 2 --dist loadgroup --durations=25

test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow and not browser"

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Rebuild lectures/ and solutions/ from their py:percent sources in notebooks/, then assignments/.
notebooks: $(STAMP)
	$(VENV)/bin/course sync
	$(VENV)/bin/course release

check: $(STAMP)
	$(VENV)/bin/course check

clean:
	rm -rf $(VENV) grading
