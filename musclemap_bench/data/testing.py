"""Write small prepared datasets in the prepared-dataset contract format from in-memory
frames, for tests, benchmarks and CPU demos. The real writer is `musclemap prepare`; this one
exists so the reader can be exercised without downloading or decoding any video."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.atomic import atomic_path
from musclemap_bench.clip_ids import make_clip_id
from musclemap_bench.splits import assign_splits

FLOW_BOUND = 20.0


def _jpeg(rgb: np.ndarray, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


def _png(img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", img)
    assert ok
    return buf.tobytes()


def encode_modalities(
    frames: np.ndarray, jpeg_quality: int = 90, modalities=("rgb", "rgb_diff", "flow")
) -> dict[str, list[bytes]]:
    """rgb (JPEG), rgb_diff (PNG) and flow (quantised Farneback, PNG) of F x H x W x 3 RGB."""
    rgb = [_jpeg(f, jpeg_quality) for f in frames]
    if set(modalities) <= {"rgb", "skeleton"}:
        return {"rgb": rgb}
    diff = np.abs(np.diff(frames.astype(np.int16), axis=0, prepend=frames[:1].astype(np.int16)))
    rgb_diff = [_png(np.ascontiguousarray(d.astype(np.uint8)[..., ::-1])) for d in diff]
    gray = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]
    flow = []
    for t in range(len(frames)):
        f = np.zeros(frames.shape[1:3] + (2,), np.float32)
        if t:
            f = cv2.calcOpticalFlowFarneback(gray[t - 1], gray[t], None, 0.5, 2, 9, 2, 5, 1.1, 0)
        q = np.clip(np.round((f + FLOW_BOUND) * 255 / (2 * FLOW_BOUND)), 0, 255).astype(np.uint8)
        flow.append(_png(np.dstack([q, np.zeros(q.shape[:2], np.uint8)])))
    return {"rgb": rgb, "rgb_diff": rgb_diff, "flow": flow}


def write_prepared(
    out: str | Path,
    clips: list[dict[str, Any]],
    clips_per_shard: int = 4,
    row_group_size: int = 2,
    modalities: tuple[str, ...] = ("rgb", "rgb_diff", "flow", "skeleton"),
) -> Path:
    """Write OUT/index.parquet and OUT/shards/part-NNNNN.parquet for `clips`: dicts with
    clip_id, video_id, activity, split, fps, frames (F x H x W x 3 uint8 RGB), skeleton
    (F x 17 x 3 float32, pixels) and optional source_path."""
    out = Path(out)
    (out / "shards").mkdir(parents=True, exist_ok=True)
    meta = {
        "package_version": "test",
        "fps": float(clips[0]["fps"]),
        "short_side": int(min(clips[0]["frames"].shape[1:3])),
        "jpeg_quality": 90,
        "flow": {"method": "farneback", "bound": FLOW_BOUND},
        "pose": {"backend": "synthetic"},
        "modalities": list(modalities),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    kv = {b"musclemap": json.dumps(meta).encode()}
    labels = load_taxonomy().labels_for([c["activity"] for c in clips])
    index_rows = []
    for s in range(0, len(clips), clips_per_shard):
        rows: dict[str, list] = {k: [] for k in ("clip_id", *modalities)}
        if "skeleton" in modalities:
            rows["skeleton_box"] = []
        shard = f"shards/part-{s // clips_per_shard:05d}.parquet"
        for r, c in enumerate(clips[s : s + clips_per_shard]):
            frames = c["frames"]
            enc = encode_modalities(frames, modalities=modalities)
            rows["clip_id"].append(c["clip_id"])
            for m in modalities:
                if m == "skeleton":
                    sk = np.asarray(c["skeleton"], np.float32)
                    rows["skeleton"].append(sk.ravel())
                    xy = sk[..., :2]
                    box = np.concatenate([xy.min(1), xy.max(1)], axis=1)
                    rows["skeleton_box"].append(box.astype(np.float32).ravel())
                else:
                    rows[m].append(enc[m])
            index_rows.append(
                {
                    "clip_id": c["clip_id"],
                    "video_id": c["video_id"],
                    "activity": c["activity"],
                    "split": c.get("split"),
                    "labels": labels[len(index_rows)].tolist(),
                    "fps": float(c["fps"]),
                    "num_frames": len(frames),
                    "height": frames.shape[1],
                    "width": frames.shape[2],
                    "shard": shard,
                    "row": r,
                    "source_path": c.get("source_path", f"{c['video_id']}.mp4"),
                    "source_sha256": "0" * 64,
                    "status": "ok",
                    "error": None,
                    "modalities": list(modalities),
                }
            )
        fields = [pa.field("clip_id", pa.string())]
        for m in modalities:
            typ = pa.list_(pa.float32()) if m == "skeleton" else pa.list_(pa.binary())
            fields.append(pa.field(m, typ))
        if "skeleton" in modalities:
            fields.append(pa.field("skeleton_box", pa.list_(pa.float32())))
        table = pa.Table.from_pydict(rows, schema=pa.schema(fields, metadata=kv))
        with atomic_path(out / shard, suffix=".parquet") as tmp:
            pq.write_table(table, tmp, row_group_size=row_group_size)
    index = pa.Table.from_pandas(pd.DataFrame(index_rows), preserve_index=False)
    schema = pa.schema(
        [
            pa.field("clip_id", pa.string()), pa.field("video_id", pa.string()),
            pa.field("activity", pa.string()), pa.field("split", pa.string()),
            pa.field("labels", pa.list_(pa.uint8())), pa.field("fps", pa.float64()),
            pa.field("num_frames", pa.int32()), pa.field("height", pa.int32()),
            pa.field("width", pa.int32()), pa.field("shard", pa.string()),
            pa.field("row", pa.int64()), pa.field("source_path", pa.string()),
            pa.field("source_sha256", pa.string()), pa.field("status", pa.string()),
            pa.field("error", pa.string()), pa.field("modalities", pa.list_(pa.string())),
        ],
        metadata=kv,
    )  # fmt: skip
    index = index.cast(schema)
    with atomic_path(out / "index.parquet", suffix=".parquet") as tmp:
        pq.write_table(index, tmp)
    return out


def synthetic_frames(activity_no: int, num_frames: int, h: int, w: int, rng: np.random.Generator):
    """A coloured square moving at an activity-dependent speed over noise, and a matching
    skeleton (17 joints around the square) in pixels: a learnable toy signal."""
    frames = rng.integers(0, 40, size=(num_frames, h, w, 3), dtype=np.uint8)
    colour = np.array([(activity_no * 70) % 256, (activity_no * 130 + 60) % 256, 200], np.uint8)
    side = max(4, h // 4)
    skeleton = np.zeros((num_frames, 17, 3), np.float32)
    base = rng.uniform(-1, 1, size=(17, 2)) * side
    for t in range(num_frames):
        cx = int((t * (1 + activity_no % 4) * 2) % max(w - side, 1))
        cy = (h - side) // 2
        frames[t, cy : cy + side, cx : cx + side] = colour
        skeleton[t, :, 0] = cx + side / 2 + base[:, 0] * (1 + 0.1 * (activity_no % 3))
        skeleton[t, :, 1] = cy + side / 2 + base[:, 1] + np.sin(t * 0.5 * (1 + activity_no % 2))
        skeleton[t, :, 2] = 0.9
    return frames, skeleton


def synthetic_clips(
    n_videos: int = 24,
    num_frames: int = 12,
    height: int = 24,
    width: int = 32,
    fps: float = 30.0,
    seed: int = 0,
    known: int = 4,
    new: int = 3,
) -> list[dict[str, Any]]:
    """One clip per video, activities cycled from the first `known` known and `new` new
    activities, splits from `assign_splits`. Video ids are searched (deterministically) so
    that train, val_known and val_new are all non-empty."""
    tax = load_taxonomy()
    acts = tax.activities_in("known")[:known] + tax.activities_in("new")[:new]
    rng = np.random.default_rng(seed)
    for attempt in range(1000):
        vids = [f"syn{seed}v{attempt}x{i:03d}" for i in range(n_videos)]
        manifest = pd.DataFrame(
            {
                "clip_id": [make_clip_id(v, 0, num_frames / fps) for v in vids],
                "video_id": vids,
                "activity": [acts[i % len(acts)] for i in range(n_videos)],
            }
        )
        splits = assign_splits(manifest)
        have = set(splits["split"])
        if {"train", "val_known", "val_new"} <= have:
            break
    else:  # pragma: no cover - only for absurdly small n_videos
        raise ValueError("could not draw splits with train, val_known and val_new")
    clips = []
    for rec in splits.itertuples():
        no = acts.index(rec.activity)
        frames, skeleton = synthetic_frames(no, num_frames, height, width, rng)
        clips.append(
            {"clip_id": rec.clip_id, "video_id": rec.video_id, "activity": rec.activity,
             "split": rec.split, "fps": fps, "frames": frames, "skeleton": skeleton}
        )  # fmt: skip
    return clips
