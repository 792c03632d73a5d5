"""Pose on real pictures (Debian opencv-doc): mediapipe finds the player in messi5.jpg with
plausible joints; a clip made from it goes through prepare and export-pose."""

from __future__ import annotations

import pickle

import cv2
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from click.testing import CliRunner

from musclemap_bench.cli import main
from musclemap_bench.prepare.pose import COCO17_NAMES, MediaPipePose

from .conftest import activities, write_video

J = {n: i for i, n in enumerate(COCO17_NAMES)}


def test_mediapipe_finds_messi_with_plausible_joints(opencv_doc):
    img = cv2.imread(str(opencv_doc / "messi5.jpg"))[..., ::-1]  # RGB
    h, w = img.shape[:2]
    res = MediaPipePose().estimate(img[None], static=True)
    kp, box = res.keypoints[0], res.boxes[0]
    assert res.frames_with_person == 1
    assert (kp[:, 0] >= 0).all() and (kp[:, 0] < w).all() and (kp[:, 1] < h).all()
    body = ["nose", "left_shoulder", "right_shoulder", "left_hip", "right_hip"]
    assert all(kp[J[n], 2] > 0.5 for n in body)
    y = {n: kp[J[n], 1] for n in J}
    # upright player: head above shoulders above hips above knees
    assert y["nose"] < min(y["left_shoulder"], y["right_shoulder"])
    assert max(y["left_shoulder"], y["right_shoulder"]) < min(y["left_hip"], y["right_hip"])
    assert max(y["left_hip"], y["right_hip"]) < min(y["left_knee"], y["right_knee"])
    # Messi stands in the middle of the picture: box around him, not the whole frame
    assert box[0] > 0.1 * w and box[2] < 0.9 * w and box[3] - box[1] > 0.4 * h
    assert res.landmarks33.shape == (1, 33, 4)


def test_skeleton_prepare_and_export_pose(opencv_doc, tmp_path):
    img = cv2.imread(str(opencv_doc / "messi5.jpg"))[..., ::-1]
    img = cv2.resize(img, (456, 284))[:, :, :][: 284 // 2 * 2]
    frames = np.stack([np.roll(img, 2 * t, axis=1) for t in range(4)])
    src = tmp_path / "clips"
    clip = "messi_000000000_000000133"
    write_video(src / f"{clip}.mp4", frames, lossless=False)
    # a second clip with no person in it must be recorded as failed, not stop the run
    write_video(src / "blank_000000000_000000133.mp4", np.zeros((4, 64, 96, 3), np.uint8))
    pd.DataFrame({"clip_id": [clip, "blank_000000000_000000133"],
                  "activity": activities(2)}).to_csv(src / "manifest.csv", index=False)  # fmt: skip
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["prepare", str(src), "--out", str(out), "--modalities",
                                    "skeleton", "--workers", "0", "--no-progress"])  # fmt: skip
    assert res.exit_code == 0, res.output
    index = pd.read_parquet(out / "index.parquet").set_index("clip_id")
    assert index.loc["blank_000000000_000000133", "error"] == "no person found in any frame"
    row = index.loc[clip]
    shard = pq.read_table(out / row["shard"]).to_pandas().iloc[int(row["row"])]
    t = int(row["num_frames"])
    skel = np.asarray(shard["skeleton"], np.float32).reshape(t, 17, 3)
    assert (skel[..., 2].max(axis=1) > 0.5).all()
    assert np.asarray(shard["skeleton33"]).size == t * 33 * 4
    assert np.asarray(shard["skeleton_box"]).size == t * 4

    pkl = tmp_path / "pose.pkl"
    res = CliRunner().invoke(main, ["export-pose", str(out), str(pkl), "--format", "mmaction"])
    assert res.exit_code == 0, res.output
    data = pickle.loads(pkl.read_bytes())
    (ann,) = data["annotations"]
    assert ann["frame_dir"] == clip and ann["total_frames"] == t
    assert ann["keypoint"].shape == (1, t, 17, 2) and ann["keypoint_score"].shape == (1, t, 17)
    assert ann["img_shape"] == (int(row["height"]), int(row["width"]))
    np.testing.assert_allclose(ann["keypoint"][0], skel[..., :2])
    assert ann["label"] == [int(i) for i in np.flatnonzero(row["labels"])]
