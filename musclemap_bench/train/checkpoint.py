"""Checkpoints: atomic save and load, RNG state capture/restore, and file hashing."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from musclemap_bench.atomic import atomic_path
from musclemap_bench.errors import InputError

CHECKPOINT_FORMAT = "musclemap-checkpoint/1"


def rng_state() -> dict[str, Any]:
    """Python, NumPy, torch CPU (and CUDA) generator states."""
    state = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> None:
    """Write atomically: a killed save never leaves a truncated checkpoint."""
    with atomic_path(path, suffix=".pt") as tmp:
        torch.save({"format": CHECKPOINT_FORMAT, **state}, tmp)


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Load a checkpoint written by `musclemap train`; InputError if it is not one."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such checkpoint")
    try:
        # weights_only=False: our checkpoints hold RNG states and config dicts. Only load
        # checkpoints you trust (as with any pickle-based torch file).
        state = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:
        raise InputError(f"{path}: cannot read checkpoint ({type(exc).__name__})") from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise InputError(f"{path}: not a musclemap checkpoint (format {CHECKPOINT_FORMAT})")
    return state
