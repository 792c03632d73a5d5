"""Parquet shard writer: one row per clip, one row group per clip (random access by clip),
each shard written under a temporary name and renamed when complete."""

from __future__ import annotations

import contextlib
import json
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from musclemap_bench.atomic import atomic_path

META_KEY = b"musclemap"
SPOOL = "shards/.spool"  # local workers' hand-over folder, inside OUT
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


def clip_table(clip_id: str, heavy: dict) -> pa.Table:
    """One clip's shard row as a one-row Arrow table (built where the clip was processed, so
    the bytes reach the shard writer as a few contiguous buffers, not hundreds of objects)."""
    cols = ["clip_id", *(c for c in COLUMN_TYPES if c in heavy)]
    row = {"clip_id": clip_id, **heavy}
    return pa.table({c: pa.array([row[c]], type=COLUMN_TYPES[c]) for c in cols})


def spool_clip(table: pa.Table, spool: Path) -> str:
    """Write a clip table to an Arrow IPC file in `spool` (local workers hand their output to
    the parent this way: a file the parent memory-maps instead of pickled bytes through a
    pipe, which on a 2-core machine cost the workers ~5% of their time)."""
    path = spool / f"{uuid.uuid4().hex}.arrow"  # clip ids from a manifest may not be file-safe
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as w:
        w.write_table(table)
    return str(path)


def load_spooled(path: str) -> pa.Table:
    """Memory-map a spooled clip table (zero-copy; the file may be unlinked once written)."""
    return pa.ipc.open_file(pa.memory_map(path)).read_all()


def with_metadata(table: pa.Table, metadata: dict) -> pa.Table:
    return table.replace_schema_metadata(_merged(table.schema, metadata))


def _merged(schema: pa.Schema, metadata: dict) -> dict:
    return {**(schema.metadata or {}), META_KEY: json.dumps(metadata, sort_keys=True).encode()}


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


def remove_partial_shards(out: Path) -> int:
    """Delete what a killed run left: shards under their temporary names and spooled clips;
    returns how many. (Never visible as shards: `part-*.parquet` matches neither.)"""
    stale = [*(out / "shards").glob(".part-*.tmp-*"), *(out / SPOOL).glob("*.arrow")]
    for p in stale:
        p.unlink(missing_ok=True)
    return len(stale)


class ShardWriter:
    """Streams clip rows into shards: each clip becomes one row group, written as soon as it
    arrives, so the parent holds one clip at a time and no large serial write is left for the
    end of the run. A shard lives under a temporary name until it reaches `target_bytes` of
    payload (or the run ends); only then is it renamed to `shards/part-NNNNN.parquet`."""

    def __init__(self, out: Path, columns: list[str], metadata: dict, target_bytes: int) -> None:
        self.out, self.columns = out, columns
        schema = pa.schema([(c, COLUMN_TYPES[c]) for c in columns])
        self.schema = schema.with_metadata(_merged(schema, metadata))
        self.target_bytes = max(1, target_bytes)
        self.part = next_part(out)
        self._stack: contextlib.ExitStack | None = None
        self._tmp: Path | None = None
        self._writer: pq.ParquetWriter | None = None
        self._clips: list[str] = []
        self._bytes = 0

    def _open(self) -> None:
        self._stack = contextlib.ExitStack()
        self._tmp = self._stack.enter_context(atomic_path(self.out / self.name, suffix=".parquet"))
        # the payload is JPEG/PNG (incompressible, every value unique): compression, dictionary
        # and min/max statistics would only cost CPU; clip_id statistics allow pushdown
        self._writer = pq.ParquetWriter(
            self._tmp, self.schema, compression="none", use_dictionary=False,
            write_statistics=["clip_id"],
        )  # fmt: skip

    @property
    def name(self) -> str:
        return shard_name(self.part)

    def add(self, table: pa.Table) -> list[tuple[str, str, int]]:
        """Write one clip (a `clip_table`); returns the (clip_id, shard, row) placements if a
        shard was closed. Columns the clip lacks are written as nulls."""
        if self._writer is None:
            self._open()
        names = table.column_names
        arrays = [
            table.column(c) if c in names else pa.nulls(1, COLUMN_TYPES[c]) for c in self.columns
        ]
        row = pa.Table.from_arrays(arrays, schema=self.schema)
        self._writer.write_table(row)
        self._clips.append(row["clip_id"][0].as_py())
        self._bytes += row.nbytes
        return self.flush() if self._bytes >= self.target_bytes else []

    def flush(self) -> list[tuple[str, str, int]]:
        """Close the open shard and give it its final name; returns its placements."""
        if self._writer is None:
            return []
        self._writer.close()
        self._stack.close()  # renames the temporary file onto the shard name
        placed = [(clip_id, self.name, i) for i, clip_id in enumerate(self._clips)]
        self.part += 1
        self._writer, self._stack, self._clips, self._bytes = None, None, [], 0
        return placed

    def abort(self) -> None:
        """Drop the open shard (its clips are redone by the next run); no file is left."""
        if self._writer is None:
            return
        with contextlib.suppress(Exception):
            self._writer.close()
        self._stack.pop_all()  # no rename
        self._tmp.unlink(missing_ok=True)
        self._writer, self._stack, self._clips, self._bytes = None, None, [], 0
