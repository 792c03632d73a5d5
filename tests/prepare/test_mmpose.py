"""The mmpose backend's real loading and inference code, with a randomly initialised
RTMPose-t (mmpose's own config) and a checkpoint the test saves.

mmpose needs its own environment (mmcv-lite, mmdet --no-deps, setuptools<81; see
docs/prepare.md): the interpreter is $MUSCLEMAP_MMPOSE_PYTHON, else the current one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from .conftest import activities, write_video

REPO = Path(__file__).resolve().parents[2]
SCRIPT = """
import os, sys, torch
from musclemap_bench.prepare import mmpose_shims
mmpose_shims.install()
import mmpose
from mmengine.config import Config
from mmpose.apis import init_model
cfg = Config.fromfile(os.path.join(os.path.dirname(mmpose.__file__), ".mim", "configs",
    "body_2d_keypoint", "rtmpose", "coco", "rtmpose-t_8xb256-420e_coco-256x192.py"))
cfg.model.backbone.init_cfg = None  # no pretrained download
cfg.dump(sys.argv[1])
torch.manual_seed(0)
model = init_model(sys.argv[1], None, device="cpu")
torch.save({"state_dict": model.state_dict(), "meta": {}}, sys.argv[2])
from musclemap_bench.cli import main
main(["prepare", sys.argv[3], "--out", sys.argv[4], "--modalities", "skeleton", "--pose",
      "mmpose", "--pose-config", sys.argv[1], "--pose-checkpoint", sys.argv[2],
      "--workers", "0", "--no-progress"])
"""


def test_mmpose_backend_with_random_rtmpose_t(opencv_doc, tmp_path):
    python = os.environ.get("MUSCLEMAP_MMPOSE_PYTHON", sys.executable)
    img = cv2.resize(cv2.imread(str(opencv_doc / "messi5.jpg"))[..., ::-1], (408, 256))
    src, out = tmp_path / "clips", tmp_path / "out"
    clip = "messi_000000000_000000100"
    write_video(src / f"{clip}.mp4", np.stack([img] * 3), lossless=False)
    pd.DataFrame({"clip_id": [clip], "activity": activities(1)}).to_csv(
        src / "manifest.csv", index=False
    )
    args = [tmp_path / "rtm.py", tmp_path / "rtm.pth", src, out]
    res = subprocess.run([python, "-c", SCRIPT, *map(str, args)], cwd=REPO, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(REPO)})  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    index = pd.read_parquet(out / "index.parquet")
    assert index["status"].tolist() == ["ok"], index["error"].tolist()
    shard = pd.read_parquet(out / index["shard"][0])
    t = int(index["num_frames"][0])
    skel = np.asarray(shard["skeleton"][0]).reshape(t, 17, 3)
    # random weights: no plausibility, only a real, finite prediction per frame
    assert np.isfinite(skel).all() and (skel[..., 2] >= 0).all() and (skel[..., 2] <= 1).all()
    assert (np.abs(skel[..., :2]).sum(axis=(1, 2)) > 0).all()
    assert "skeleton33" not in shard.columns
    import json

    import pyarrow.parquet as pq

    meta = json.loads(pq.read_schema(out / "index.parquet").metadata[b"musclemap"])
    assert meta["params"]["pose"]["backend"] == "mmpose"
    assert meta["params"]["pose"]["version"] == "1.3.2"
