"""The clip index (OUT/index.parquet): one row per clip with labels, provenance and where its
heavy columns live."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from musclemap_bench.atomic import atomic_path
from musclemap_bench.prepare.shards import read_metadata, with_metadata

INDEX_SCHEMA = pa.schema(
    [
        ("clip_id", pa.string()),
        ("video_id", pa.string()),
        ("activity", pa.string()),
        ("split", pa.string()),
        ("labels", pa.list_(pa.uint8())),
        ("fps", pa.float64()),
        ("num_frames", pa.int32()),
        ("height", pa.int32()),
        ("width", pa.int32()),
        ("shard", pa.string()),
        ("row", pa.int64()),
        ("source_path", pa.string()),
        ("source_sha256", pa.string()),
        ("status", pa.string()),
        ("error", pa.string()),
        ("modalities", pa.list_(pa.string())),
    ]
)
INDEX_COLUMNS = INDEX_SCHEMA.names


def index_path(out: Path) -> Path:
    return Path(out) / "index.parquet"


def read_index(out: Path) -> tuple[pd.DataFrame, dict | None]:
    """(index rows, metadata); an empty frame and None when OUT has no index yet."""
    path = index_path(out)
    if not path.is_file():
        return pd.DataFrame(columns=INDEX_COLUMNS), None
    return pq.read_table(path).to_pandas(), read_metadata(path)


def write_index(out: Path, rows: pd.DataFrame, metadata: dict) -> None:
    """Atomically (re)write the index, sorted by clip_id for stable diffs."""
    df = rows.sort_values("clip_id").reset_index(drop=True)
    records = df[INDEX_COLUMNS].astype(object).where(df[INDEX_COLUMNS].notna(), None)
    table = pa.Table.from_pylist(records.to_dict("records"), schema=INDEX_SCHEMA)
    table = with_metadata(table, metadata)
    with atomic_path(index_path(out), suffix=".parquet") as tmp:
        pq.write_table(table, tmp)
