"""Where the benchmark's data files live.

The single copies are the repository's top-level `annotations/` and `splits/` folders. An
installed wheel carries them as package data (`musclemap_bench/_data/`); a source checkout or
editable install reads them from the repository. `MUSCLEMAP_ANNOTATIONS` / `MUSCLEMAP_SPLITS`
override both (used by tests that need a modified taxonomy)."""

from __future__ import annotations

import os
from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _locate(name: str, env: str) -> Path:
    if os.environ.get(env):
        return Path(os.environ[env])
    for candidate in (_PKG.parent / name, _PKG / "_data" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cannot find the {name}/ folder of musclemap-bench")


def annotations_dir() -> Path:
    """Folder holding regions.csv and activities.csv."""
    return _locate("annotations", "MUSCLEMAP_ANNOTATIONS")


def splits_dir() -> Path:
    """Folder holding the split protocol."""
    return _locate("splits", "MUSCLEMAP_SPLITS")
