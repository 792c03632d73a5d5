"""The per-clip status ledger, `DIR/status.parquet`: one row per clip, rewritten atomically."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from musclemap_bench.atomic import write_table

LEDGER_NAME = "status.parquet"
COLUMNS = [
    "clip_id", "video_id", "activity", "url", "start", "end", "status", "error_class",
    "message", "attempts", "first_attempt", "last_attempt", "path", "frames", "bytes",
]  # fmt: skip


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Ledger:
    """Thread-safe in-memory ledger keyed by clip_id, flushed to disk atomically."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._rows: dict[str, dict[str, Any]] = {}
        if self.path.exists():
            try:
                old = pd.read_parquet(self.path)
            except Exception:  # a foreign/corrupt ledger is rebuilt from the clip files
                old = pd.DataFrame(columns=COLUMNS)
            for rec in old.to_dict("records"):
                self._rows[str(rec["clip_id"])] = {c: rec.get(c) for c in COLUMNS}

    def get(self, clip_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._rows.get(clip_id)
            return dict(row) if row else None

    def update(self, clip_id: str, **fields: Any) -> None:
        with self._lock:
            row = self._rows.setdefault(clip_id, dict.fromkeys(COLUMNS))
            row["clip_id"] = clip_id
            row.update(fields)

    def frame(self) -> pd.DataFrame:
        with self._lock:
            df = pd.DataFrame(list(self._rows.values()), columns=COLUMNS)
        df["attempts"] = df["attempts"].fillna(0).astype("int64")
        for c in ("frames", "bytes"):
            df[c] = pd.to_numeric(df[c]).astype("Int64")
        for c in ("start", "end"):
            df[c] = pd.to_numeric(df[c]).astype(float)
        for c in set(COLUMNS) - {"attempts", "frames", "bytes", "start", "end"}:
            df[c] = df[c].astype("string")
        return df.sort_values("clip_id").reset_index(drop=True)

    def flush(self) -> None:
        write_table(self.path, self.frame())
