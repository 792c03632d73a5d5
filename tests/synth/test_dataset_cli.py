"""`musclemap synth` / write_dataset: manifest validity, splits, determinism, resume, errors."""

import hashlib

import numpy as np
import pandas as pd
from click.testing import CliRunner

from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.cli import main
from musclemap_bench.clip_ids import validate_clip_id
from musclemap_bench.splits import assign_splits
from musclemap_bench.synth.dataset import MANIFEST_COLUMNS, SynthConfig, plan, write_dataset
from musclemap_bench.synth.video import read_mp4

SMALL = dict(seconds=0.4, fps=10, size=64, progress=False)


def _digest(root):
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.suffix == ".npy":
            out[p.name] = hashlib.sha256(p.read_bytes()).hexdigest()
        elif p.suffix == ".mp4":
            out[p.name] = hashlib.sha256(read_mp4(p).tobytes()).hexdigest()
    return out


def test_write_dataset_manifest_keypoints_and_determinism(tmp_path):
    acts = ["push_ups", "hollow_hold"]
    m = write_dataset(
        tmp_path / "a", acts, clips_per_activity=3, videos_per_activity=2, seed=5, **SMALL
    )
    assert list(m.columns) == list(MANIFEST_COLUMNS)
    on_disk = pd.read_csv(tmp_path / "a" / "manifest.csv", dtype=str)
    assert list(on_disk["clip_id"]) == list(m["clip_id"])
    assert pd.read_parquet(tmp_path / "a" / "manifest.parquet")["clip_id"].tolist() == list(
        m["clip_id"]
    )
    assert len(m) == 6 and set(m["source"]) == {"synthetic"}
    assert m.groupby("activity")["video_id"].nunique().to_dict() == {
        "push_ups": 2,
        "hollow_hold": 2,
    }
    for row in m.itertuples():
        validate_clip_id(row.clip_id)
        assert row.clip_id.startswith(row.video_id + "_")
        video = tmp_path / "a" / row.url
        assert video.is_file() and 0 <= row.start < row.end
        kp = np.load(tmp_path / "a" / "keypoints" / f"{row.video_id}.npy")
        frames = read_mp4(video)
        assert kp.dtype == np.float32 and kp.shape == (len(frames), 17, 3)
        assert row.end * 10 <= len(frames) + 1e-6  # the clip lies inside its source video
        h, w = frames.shape[1:3]
        assert (kp[..., 0] >= 0).all() and (kp[..., 0] < w).all()
        assert (kp[..., 1] >= 0).all() and (kp[..., 1] < h).all()
    # same seed -> identical keypoint bytes and decoded frames; another seed -> different
    write_dataset(
        tmp_path / "b", acts, clips_per_activity=3, videos_per_activity=2, seed=5, **SMALL
    )
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    write_dataset(
        tmp_path / "c", acts, clips_per_activity=3, videos_per_activity=2, seed=6, **SMALL
    )
    assert set(_digest(tmp_path / "a").values()).isdisjoint(_digest(tmp_path / "c").values())


def test_plan_all_activities_gives_leak_free_splits():
    tax = load_taxonomy()
    cfg = SynthConfig(tuple(tax.activity_keys), 6, 3, 0, 3.0, 30, 256)
    jobs, manifest = plan(cfg)
    assert len(jobs) == 135 * 3 and len(manifest) == 135 * 6
    assert manifest["clip_id"].is_unique
    splits = assign_splits(manifest)
    # every clip of a source video lands in one partition
    part = splits["split"].str.replace("_known", "").str.replace("_new", "")
    assert (part.groupby(splits["video_id"]).nunique() == 1).all()
    # new activities never reach train; known activities fill every partition
    new = set(tax.activities_in("new"))
    assert not splits.loc[splits["split"] == "train", "activity"].isin(new).any()
    assert {"train", "val_known", "test_known", "val_new", "test_new"} <= set(splits["split"])
    assert splits.groupby("split")["video_id"].nunique().min() >= 3


def test_cli_writes_set_and_resumes(tmp_path):
    out = tmp_path / "s"
    args = ["synth", "--out", str(out), "--clips-per-activity", "2", "--activities",
            "plank,jumping_jacks", "--seconds", "0.4", "--fps", "10", "--size", "64"]  # fmt: skip
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert "SYNTHETIC set: 4 clips" in r.output
    vids = sorted((out / "videos").glob("*.mp4"))
    assert len(vids) == 4
    before = {p.name: p.stat().st_mtime_ns for p in vids}
    vids[0].unlink()  # an interrupted run: one video missing
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    after = {p.name: p.stat().st_mtime_ns for p in sorted((out / "videos").glob("*.mp4"))}
    assert set(after) == set(before)
    assert all(after[k] == before[k] for k in before if k != vids[0].name)  # others kept


def test_cli_bad_input_exits_2_with_one_line(tmp_path):
    base = ["synth", "--out", str(tmp_path / "x"), "--seconds", "0.2", "--fps", "5", "--size", "64"]
    cases = [
        (
            ["--clips-per-activity", "1", "--activities", "plank,flying"],
            "unknown activity 'flying'",
        ),
        (
            ["--clips-per-activity", "0", "--activities", "plank"],
            "--clips-per-activity must be >= 1",
        ),
        (["--clips-per-activity", "1", "--activities", "plank", "--workers", "0"], "--workers"),
    ]
    for extra, msg in cases:
        r = CliRunner().invoke(main, base + extra)
        assert r.exit_code == 2, r.output
        assert msg in r.output and "Traceback" not in r.output
        assert len(r.output.strip().splitlines()) == 1
    # settings differ from the existing set in the folder -> refuse instead of mixing
    ok = CliRunner().invoke(main, base + ["--clips-per-activity", "1", "--activities", "plank"])
    assert ok.exit_code == 0, ok.output
    r = CliRunner().invoke(
        main, base + ["--clips-per-activity", "1", "--activities", "plank", "--seed", "9"]
    )
    assert r.exit_code == 2 and "other settings (seed)" in r.output
    assert not (tmp_path / "x" / "videos" / "syn9-plank-00.mp4").exists()
