"""Export skeletons to MMAction2/pyskl's pose annotation pickle.

Schema (one dict per clip in `annotations`): frame_dir (clip id), label (list of active
region indices: MuscleMap is multi-label, read with MMAction2's multi_class=True), labels
(the 20-vector), img_shape / original_shape (h, w), total_frames, keypoint [M=1, T, 17, 2]
float32, keypoint_score [M=1, T, 17] float32. `split` maps split names to frame_dirs.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from musclemap_bench.atomic import atomic_path
from musclemap_bench.errors import InputError
from musclemap_bench.prepare.summary import open_index


def export_mmaction(dataset: Path, output: Path) -> int:
    """Write OUT.pkl; returns the number of clips exported."""
    dataset = Path(dataset)
    df, _ = open_index(dataset)
    ok = df[(df["status"] == "ok") & df["modalities"].map(lambda m: "skeleton" in m)]
    if ok.empty:
        raise InputError(f"{dataset}: no clip has a skeleton (prepare with --modalities skeleton)")
    annotations, splits = [], {}
    for shard, rows in ok.groupby("shard"):
        table = pq.read_table(dataset / shard, columns=["clip_id", "skeleton"])
        skel = dict(zip(table["clip_id"].to_pylist(), table["skeleton"].to_pylist(), strict=True))
        for r in rows.itertuples():
            t = int(r.num_frames)
            kp = np.asarray(skel[r.clip_id], np.float32).reshape(t, 17, 3)
            annotations.append(
                {
                    "frame_dir": r.clip_id,
                    "label": [int(i) for i in np.flatnonzero(np.asarray(r.labels))],
                    "labels": np.asarray(r.labels, np.uint8),
                    "activity": r.activity,
                    "img_shape": (int(r.height), int(r.width)),
                    "original_shape": (int(r.height), int(r.width)),
                    "total_frames": t,
                    "keypoint": kp[None, :, :, :2].copy(),
                    "keypoint_score": kp[None, :, :, 2].copy(),
                }
            )
            if isinstance(r.split, str):
                splits.setdefault(r.split, []).append(r.clip_id)
    annotations.sort(key=lambda a: a["frame_dir"])
    with atomic_path(output, suffix=".pkl") as tmp, open(tmp, "wb") as f:
        pickle.dump({"split": splits, "annotations": annotations}, f, protocol=4)
    return len(annotations)
