# Two commands on a fresh machine:  make demo  (the main job)  and  make test  (the test suite).
# Both create .venv first. On machines with a local CPU wheel of torch 2.13.0 (pip find-links),
# torch is installed from it before anything else, so pip never pulls the CUDA packages.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
TORCH  ?= torch==2.13.0

.PHONY: setup demo test test-fast notebooks release check clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@{ command -v bwrap && test -x /usr/bin/chromium; } >/dev/null || ./scripts/install-system-packages
	python3 -m venv $(VENV)
	$(PY) -m pip install -q "$(TORCH)"
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/course demo

test: $(STAMP)
	$(PY) -m pytest -q

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow"

# Rebuild lectures/ and solutions/ from their py:percent sources in notebooks/, then assignments/.
notebooks: $(STAMP)
	$(VENV)/bin/course sync
	$(VENV)/bin/course release

check: $(STAMP)
	$(VENV)/bin/course check

clean:
	rm -rf $(VENV) grading
