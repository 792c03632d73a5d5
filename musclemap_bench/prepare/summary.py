"""Read-side helpers: open a prepared dataset and summarise it (`musclemap info`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from musclemap_bench.errors import InputError
from musclemap_bench.prepare.index import index_path, read_index


def open_index(out: Path) -> tuple[pd.DataFrame, dict]:
    """Index rows and metadata of a prepared dataset; one-line error if OUT is not one."""
    if not index_path(out).is_file():
        raise InputError(f"{out}: not a prepared dataset (no index.parquet)")
    try:
        df, meta = read_index(Path(out))
    except Exception as exc:  # a damaged file is a user-level error here
        raise InputError(f"{index_path(out)}: unreadable ({type(exc).__name__}: {exc})") from None
    return df, meta or {}


def summarize(out: Path) -> dict:
    df, meta = open_index(out)
    ok = df[df["status"] == "ok"]
    mods: dict[str, int] = {}
    for m in ok["modalities"]:
        for name in m:
            mods[name] = mods.get(name, 0) + 1
    failed = df[df["status"] != "ok"]
    return {
        "clips": len(df),
        "ok": len(ok),
        "failed": len(failed),
        "shards": int(ok["shard"].nunique()),
        "per_split": df["split"].fillna("(none)").value_counts().sort_index().to_dict(),
        "per_activity": df["activity"].value_counts().sort_index().to_dict(),
        "modalities": mods,
        "metadata": meta,
        "failures": dict(zip(failed["clip_id"], failed["error"].fillna(""), strict=True)),
    }
