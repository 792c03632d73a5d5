"""Atomic file writes: write to a temporary name in the same folder, then rename.

A reader never sees a half-written file, and a killed process leaves at most a `*.tmp-*`
file behind, never a corrupt file under the final name."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path next to `path`; rename it onto `path` if the block succeeds."""
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.tmp-", suffix=suffix, dir=final.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, final)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(path: str | os.PathLike, text: str) -> None:
    """Atomically write a text file."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | os.PathLike, obj: Any, indent: int | None = None) -> None:
    """Atomically write a JSON file (NaN/inf are refused, never written)."""
    write_text(path, json.dumps(obj, indent=indent, allow_nan=False) + "\n")


def write_table(path: str | os.PathLike, df) -> None:
    """Atomically write a pandas DataFrame as CSV or Parquet, chosen by the file extension."""
    final = Path(path)
    with atomic_path(final, suffix=final.suffix) as tmp:
        if final.suffix == ".parquet":
            df.to_parquet(tmp, index=False)
        else:
            df.to_csv(tmp, index=False)
