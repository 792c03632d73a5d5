"""Clip-level split assignment: a pure, deterministic function of a clip manifest.

Rules (documented in splits/README.md, parameters in splits/protocol.json):
- known/new is fixed per activity (the `group` column of annotations/activities.csv);
- every clip of one source video lands in the same partition (train, val or test);
- a video's partition comes from a salted SHA-256 of its video_id, mapped to [0, 1), so
  adding clips or videos never moves an existing video;
- videos with only known activities: train / val / test in the paper's proportions
  (7069 : 1599 : 1594); videos with any new activity: val / test half and half (they can
  never be in train, so new activities stay unseen in training).
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.errors import ManifestError, SplitFileError
from musclemap_bench.resources import splits_dir

MANIFEST_COLUMNS = ("clip_id", "video_id", "activity")
SPLIT_COLUMNS = ("clip_id", "video_id", "activity", "split")


@lru_cache(maxsize=1)
def protocol() -> dict:
    """The split protocol parameters (salt, proportions, split names)."""
    return json.loads((splits_dir() / "protocol.json").read_text())


def split_names() -> list[str]:
    """All split names: train followed by the evaluation splits."""
    return ["train", *protocol()["eval_splits"]]


def eval_split_names() -> list[str]:
    return list(protocol()["eval_splits"])


def video_unit(video_id: str, salt: str | None = None) -> float:
    """Map a video id to a stable number in [0, 1) (salted SHA-256, first 8 bytes)."""
    salt = protocol()["salt"] if salt is None else salt
    digest = hashlib.sha256(f"{salt}\x00{video_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _known_thresholds() -> tuple[float, float]:
    c = protocol()["paper_clip_counts"]
    total = c["train"] + c["val_known"] + c["test_known"]
    return c["train"] / total, (c["train"] + c["val_known"]) / total


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV or Parquet table with string columns; one-line error if unreadable."""
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"{path}: no such file")
    try:
        if path.suffix == ".parquet":
            df = pd.read_parquet(path)
        else:
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:  # pandas/pyarrow raise many types for malformed files
        raise ManifestError(f"{path}: cannot read table ({type(exc).__name__}: {exc})") from None
    return df


def validate_manifest(df: pd.DataFrame, source: str = "manifest") -> pd.DataFrame:
    """Check required columns, non-empty ids, unique clip ids and known activities."""
    missing = [c for c in MANIFEST_COLUMNS if c not in df.columns]
    if missing:
        raise ManifestError(f"{source}: missing column(s) {', '.join(missing)}")
    df = df.copy()
    for c in MANIFEST_COLUMNS:
        df[c] = df[c].astype(str)
        empty = df[c].str.strip() == ""
        if empty.any():
            raise ManifestError(f"{source}: empty {c} in row {int(np.flatnonzero(empty)[0]) + 1}")
    dup = df["clip_id"].duplicated()
    if dup.any():
        raise ManifestError(f"{source}: duplicate clip_id {df.loc[dup, 'clip_id'].iloc[0]!r}")
    load_taxonomy().check_activities(df["activity"].unique())
    return df


def assign_splits(manifest: pd.DataFrame) -> pd.DataFrame:
    """Return clip_id, video_id, activity, split for every clip of a manifest (pure function)."""
    df = validate_manifest(manifest)
    tax = load_taxonomy()
    group = df["activity"].map(
        dict(zip(tax.activities["key"], tax.activities["group"], strict=True))
    )
    has_new = group.eq("new").groupby(df["video_id"]).transform("any")
    u = df["video_id"].map({v: video_unit(v) for v in df["video_id"].unique()})
    t_train, t_val = _known_thresholds()
    new_val = protocol()["new_val_fraction"]
    partition = np.where(
        has_new,
        np.where(u < new_val, "val", "test"),
        np.where(u < t_train, "train", np.where(u < t_val, "val", "test")),
    )
    suffix = np.where(group == "new", "_new", "_known")
    split = np.where(partition == "train", "train", np.char.add(partition.astype(str), suffix))
    out = df[list(MANIFEST_COLUMNS)].copy()
    out["split"] = split
    return out


def read_split_file(path: str | Path) -> pd.DataFrame:
    """Read and validate a split file (clip_id, video_id, activity, split)."""
    try:
        df = read_table(path)
    except ManifestError as exc:
        raise SplitFileError(str(exc)) from None
    missing = [c for c in SPLIT_COLUMNS if c not in df.columns]
    if missing:
        raise SplitFileError(f"{path}: missing column(s) {', '.join(missing)}")
    try:
        df = validate_manifest(df, source=str(path))
    except ManifestError as exc:
        raise SplitFileError(str(exc)) from None
    bad = ~df["split"].isin(split_names())
    if bad.any():
        raise SplitFileError(
            f"{path}: unknown split {df.loc[bad, 'split'].iloc[0]!r} "
            f"(expected one of {', '.join(split_names())})"
        )
    return df[list(SPLIT_COLUMNS)].reset_index(drop=True)


def split_summary(splits: pd.DataFrame) -> pd.DataFrame:
    """Clips, videos and activities per split, in canonical split order."""
    g = splits.groupby("split")
    out = pd.DataFrame(
        {
            "clips": g.size(),
            "videos": g["video_id"].nunique(),
            "activities": g["activity"].nunique(),
        }
    )
    return out.reindex([s for s in split_names() if s in out.index])
