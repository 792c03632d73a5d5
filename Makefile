# All set-up happens here: `make demo` and `make test` create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.musclemap-installed

.PHONY: setup system-deps demo test lint format bench clean

setup: $(STAMP)

# torch is installed first and pinned by constraints.txt: a loose torch requirement resolved
# on its own would pull a CUDA build (several GB) on CPU-only machines.
$(STAMP): pyproject.toml constraints.txt Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt torch
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[all,test]"
	touch $(STAMP)

demo: setup
	$(BIN)/musclemap demo

system-deps:
	bash scripts/system-deps.sh

test: setup system-deps
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python benchmarks/bench_evaluator.py

clean:
	rm -rf $(VENV) demo_out
