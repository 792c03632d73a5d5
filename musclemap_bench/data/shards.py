"""Row access to prepared shards with pyarrow, without decoding any video.

Each process (DataLoader worker) keeps its own small cache of open shard files and of the
most recently read row group: clips of one shard are usually read in runs, and a Parquet row
group is the smallest unit pyarrow can read."""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from musclemap_bench.errors import InputError


class ShardReader:
    """Reads selected columns of one row of a shard. Safe to copy into worker processes:
    the cache is dropped when the process id changes (forked file handles are not shared)."""

    def __init__(self, root: str | Path, max_files: int = 8, max_groups: int = 2):
        self.root = Path(root)
        self.max_files = max_files
        self.max_groups = max_groups
        self._pid = -1
        self._files: OrderedDict[str, tuple[pq.ParquetFile, np.ndarray]] = OrderedDict()
        self._groups: OrderedDict[tuple[str, int, tuple[str, ...]], Any] = OrderedDict()

    def _check_process(self) -> None:
        if self._pid != os.getpid():
            self._files.clear()
            self._groups.clear()
            self._pid = os.getpid()

    def _file(self, shard: str) -> tuple[pq.ParquetFile, np.ndarray]:
        hit = self._files.get(shard)
        if hit is not None:
            self._files.move_to_end(shard)
            return hit
        path = self.root / shard
        try:
            pf = pq.ParquetFile(path)
        except Exception as exc:  # missing or corrupt shard
            raise InputError(f"{path}: cannot open shard ({type(exc).__name__}: {exc})") from None
        starts = np.cumsum(
            [0] + [pf.metadata.row_group(i).num_rows for i in range(pf.num_row_groups)]
        )
        self._files[shard] = (pf, starts)
        while len(self._files) > self.max_files:
            self._files.popitem(last=False)
        return pf, starts

    def read(self, shard: str, row: int, columns: list[str]) -> dict[str, Any]:
        """{column: python value} of one row (list<binary> -> list[bytes], floats -> ndarray)."""
        self._check_process()
        pf, starts = self._file(shard)
        if not 0 <= row < starts[-1]:
            raise InputError(f"{self.root / shard}: row {row} out of range (0..{starts[-1] - 1})")
        group = int(np.searchsorted(starts, row, side="right") - 1)
        key = (shard, group, tuple(columns))
        table = self._groups.get(key)
        if table is None:
            have = set(pf.schema_arrow.names)
            missing = [c for c in columns if c not in have]
            if missing:
                raise InputError(f"{self.root / shard}: shard has no column {missing[0]!r}")
            table = pf.read_row_group(group, columns=columns)
            self._groups[key] = table
            while len(self._groups) > self.max_groups:
                self._groups.popitem(last=False)
        else:
            self._groups.move_to_end(key)
        one = table.slice(row - int(starts[group]), 1)
        out: dict[str, Any] = {}
        for c in columns:
            col = one.column(c)
            if col.null_count:
                raise InputError(f"{self.root / shard}: row {row} has no {c!r} data")
            arr = col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()
            if not hasattr(arr, "flatten"):  # a scalar column such as clip_id
                out[c] = arr[0].as_py()
                continue
            # flatten() honours the slice offset (ListArray.values would not).
            values = arr.flatten()
            if c in ("skeleton", "skeleton_box", "skeleton33", "skeleton_gt"):
                out[c] = values.to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
            else:
                out[c] = values
        return out
