"""Open a prepared dataset folder (the output of `musclemap prepare`): the clip index and the
extraction metadata, validated against the prepared-dataset contract."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from musclemap_bench.errors import InputError

INDEX_COLUMNS = (
    "clip_id", "video_id", "activity", "split", "labels", "fps", "num_frames", "height",
    "width", "shard", "row", "status", "modalities",
)  # fmt: skip
MODALITIES = ("rgb", "rgb_diff", "flow", "skeleton")
META_KEY = b"musclemap"
DEFAULT_FLOW_BOUND = 20.0


@dataclass
class PreparedData:
    """A prepared dataset: `index` (one row per clip) and `meta` (extraction metadata)."""

    root: Path
    index: pd.DataFrame
    meta: dict[str, Any]

    def clips(self, split: str | list[str] | None = None, modalities=()) -> pd.DataFrame:
        """The usable clips of a split (or several, or all with None), in index order.

        InputError if a selected clip failed extraction or lacks a requested modality."""
        df = self.index
        if split is not None:
            wanted = [split] if isinstance(split, str) else list(split)
            df = df[df["split"].isin(wanted)]
            if df.empty:
                present = sorted(s for s in self.index["split"].dropna().unique())
                raise InputError(
                    f"{self.root}: no clip in split {', '.join(wanted)} (splits present: "
                    f"{', '.join(present) or 'none'})"
                )
        failed = df[df["status"] != "ok"]
        if len(failed):
            raise InputError(
                f"{self.root}: {len(failed)} clip(s) of the selection failed extraction "
                f"(first: {failed['clip_id'].iloc[0]!r}); re-run prepare or drop them from the split"
            )
        for m in modalities:
            lacking = ~df["modalities"].map(lambda ms, m=m: m in list(ms))
            if lacking.any():
                raise InputError(
                    f"{self.root}: clip {df.loc[lacking, 'clip_id'].iloc[0]!r} has no {m!r} "
                    f"modality (prepare with it)"
                )
        return df.reset_index(drop=True)

    def split_table(self) -> pd.DataFrame:
        """clip_id, video_id, activity, split of the clips with a split (for the Evaluator)."""
        df = self.index[self.index["split"].notna()]
        return df[["clip_id", "video_id", "activity", "split"]].reset_index(drop=True)

    @property
    def flow_bound(self) -> float:
        flow = self.meta.get("flow") or {}
        return float(flow.get("bound", self.meta.get("flow_bound", DEFAULT_FLOW_BOUND)))


def read_meta(path: str | Path) -> dict[str, Any]:
    """The `musclemap` JSON key-value metadata of a Parquet file ({} if absent)."""
    raw = (pq.read_schema(path).metadata or {}).get(META_KEY)
    if raw is None:
        return {}
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        raise InputError(f"{path}: 'musclemap' metadata is not valid JSON") from None


def open_prepared(root: str | Path) -> PreparedData:
    """Read OUT/index.parquet; one-line InputError if the folder is not a prepared dataset."""
    root = Path(root)
    path = root / "index.parquet"
    if not path.is_file():
        raise InputError(
            f"{root}: not a prepared dataset (no index.parquet; run musclemap prepare)"
        )
    try:
        index = pq.read_table(path).to_pandas()
        meta = read_meta(path)
    except InputError:
        raise
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise InputError(f"{path}: cannot read ({type(exc).__name__}: {exc})") from None
    missing = [c for c in INDEX_COLUMNS if c not in index.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    if index["clip_id"].duplicated().any():
        raise InputError(
            f"{path}: duplicate clip_id {index.loc[index['clip_id'].duplicated(), 'clip_id'].iloc[0]!r}"
        )
    return PreparedData(root=root, index=index, meta=meta)
