# The two commands of the README: `make run` (dashboard on the seeded SQLite demo) and `make test`.
# pip --no-compile: byte-compiling all 8,000 files of the dependencies takes ~25 s of CPU at install;
# Python compiles the few it imports on first use instead.
# pytest -n 2 --dist worksteal: two workers, each given contiguous runs of tests and rebalanced.
# unexport PYTHONDONTWRITEBYTECODE: some machines (this one, its CI) set it, and then every Python process
# of a test run (workers, app servers, `qh` subprocesses) compiled every module it imports from source
# again: ~4 s of CPU per process for the app's imports. Unset, the first import writes the byte code
# into the venv (and __pycache__, ignored by git) and the rest read it.
unexport PYTHONDONTWRITEBYTECODE
VENV   ?= .venv
PYTHON ?= python3
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | sha1sum | cut -c1-12)
PORT   ?= 8501

.PHONY: run test setup browser clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-compile -r requirements.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-compile --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/qh db upgrade
	$(VENV)/bin/qh demo seed --if-empty
	$(VENV)/bin/streamlit run dashboard/app.py --server.port $(PORT)

browser:
	.ci/ensure-chromium
	.ci/ensure-axe

test: $(STAMP) browser
	$(VENV)/bin/pytest -q -n 2 --dist worksteal

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
