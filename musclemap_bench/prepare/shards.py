"""Parquet shard writer: one row per clip, one row group per clip (random access by clip),
each shard written under a temporary name and renamed when complete."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from musclemap_bench.atomic import atomic_path

META_KEY = b"musclemap"
_BINARY = pa.list_(pa.binary())
_FLOATS = pa.list_(pa.float32())
COLUMN_TYPES = {
    "clip_id": pa.string(),
    "rgb": _BINARY,
    "rgb_diff": _BINARY,
    "flow": _BINARY,
    "skeleton": _FLOATS,
    "skeleton_box": _FLOATS,
    "skeleton33": _FLOATS,
    "skeleton_gt": _FLOATS,
}


def shard_columns(modalities, pose_backend: str, with_gt: bool = False) -> list[str]:
    """Shard columns for the requested modalities, in a fixed order; `skeleton_gt` when the
    manifest gives ground-truth keypoints (synthetic clips)."""
    cols = ["clip_id"] + [m for m in ("rgb", "rgb_diff", "flow") if m in modalities]
    if "skeleton" in modalities:
        cols += ["skeleton", "skeleton_box"] + (
            ["skeleton33"] if pose_backend == "mediapipe" else []
        )
        cols += ["skeleton_gt"] if with_gt else []
    return cols


def with_metadata(table: pa.Table, metadata: dict) -> pa.Table:
    meta = dict(table.schema.metadata or {})
    meta[META_KEY] = json.dumps(metadata, sort_keys=True).encode()
    return table.replace_schema_metadata(meta)


def read_metadata(path: str | Path) -> dict | None:
    """The `musclemap` key-value metadata of a Parquet file (None if absent)."""
    meta = pq.read_schema(path).metadata or {}
    return json.loads(meta[META_KEY]) if META_KEY in meta else None


def shard_name(part: int) -> str:
    return f"shards/part-{part:05d}.parquet"


def next_part(out: Path) -> int:
    """First unused part number (also past shards no index row points to)."""
    parts = [int(p.stem.split("-")[1]) for p in (out / "shards").glob("part-*.parquet")]
    return max(parts, default=-1) + 1


class ShardWriter:
    """Buffers clip rows and writes a shard when `target_bytes` of payload is reached."""

    def __init__(self, out: Path, columns: list[str], metadata: dict, target_bytes: int) -> None:
        self.out, self.columns, self.metadata = out, columns, metadata
        self.target_bytes = max(1, target_bytes)
        self.part = next_part(out)
        self._rows: list[dict] = []
        self._bytes = 0

    def add(self, clip_id: str, heavy: dict) -> list[tuple[str, str, int]]:
        """Buffer one clip; returns the (clip_id, shard, row) placements if a shard was written."""
        row = {"clip_id": clip_id, **heavy}
        self._rows.append(row)
        for c in ("rgb", "rgb_diff", "flow"):
            self._bytes += sum(len(b) for b in row.get(c) or ())
        self._bytes += sum(4 * len(row.get(c, ())) for c in ("skeleton", "skeleton33"))
        return self.flush() if self._bytes >= self.target_bytes else []

    def flush(self) -> list[tuple[str, str, int]]:
        if not self._rows:
            return []
        arrays = {
            c: pa.array([r.get(c) for r in self._rows], type=COLUMN_TYPES[c]) for c in self.columns
        }
        table = with_metadata(pa.table(arrays), self.metadata)
        name = shard_name(self.part)
        with atomic_path(self.out / name, suffix=".parquet") as tmp:
            pq.write_table(table, tmp, row_group_size=1, compression="none")
        placed = [(r["clip_id"], name, i) for i, r in enumerate(self._rows)]
        self.part += 1
        self._rows, self._bytes = [], 0
        return placed
