"""End-of-run summary table and `DIR/availability.json` (what fraction of a benchmark a user
holds; Kinetics lost ~10% of its videos within two years)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from musclemap_bench.atomic import write_json

AVAILABILITY_NAME = "availability.json"


def _counts(obtained: pd.Series, key: pd.Series) -> dict[str, dict[str, Any]]:
    out = {}
    for k, grp in obtained.groupby(key, sort=True):
        n, got = int(len(grp)), int(grp.sum())
        out[str(k)] = {"clips": n, "obtained": got, "fraction": round(got / n, 4) if n else 0.0}
    return out


def availability(ledger: pd.DataFrame, clip_ids: list[str], splits: pd.DataFrame | None) -> dict:
    """Availability of the manifest's clips, per activity and (with a split file) per split."""
    led = ledger.set_index("clip_id")
    rows = led.reindex(clip_ids)
    ok = rows["status"].eq("ok").fillna(False).astype(bool)
    total, got = len(clip_ids), int(ok.sum())
    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "manifest_clips": total,
        "obtained": got,
        "fraction": round(got / total, 4) if total else 0.0,
        "by_status": {str(k): int(v) for k, v in rows["status"].value_counts().items()},
        "by_error_class": {
            str(k): int(v) for k, v in rows["error_class"].dropna().value_counts().items()
        },
        "per_activity": _counts(ok, rows["activity"].fillna("?")),
    }
    if splits is not None:
        status = led["status"].reindex(splits["clip_id"]).eq("ok").fillna(False)
        status.index = splits.index
        report["per_split"] = _counts(status.astype(bool), splits["split"])
        report["split_clips_not_in_manifest"] = int((~splits["clip_id"].isin(clip_ids)).sum())
    return report


def write_availability(out_dir: Path, report: dict) -> Path:
    path = Path(out_dir) / AVAILABILITY_NAME
    write_json(path, report, indent=2)
    return path


def summary_table(ledger: pd.DataFrame, clip_ids: list[str]):
    """A rich Table of clip counts per status and error class."""
    from rich.table import Table

    rows = ledger.set_index("clip_id").reindex(clip_ids)
    counts = (
        rows.assign(error_class=rows["error_class"].fillna("-"))
        .groupby(["status", "error_class"], dropna=False)
        .size()
    )
    table = Table(title=f"download summary ({len(clip_ids)} clips)")
    for col, just in (("status", "left"), ("class", "left"), ("clips", "right")):
        table.add_column(col, justify=just)
    for (status, cls), n in counts.items():
        table.add_row(str(status), str(cls), str(int(n)))
    return table
