"""The README's demo command, end to end: `musclemap demo --fast` (the preset CI runs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.demo.pipeline import resolve_activities
from musclemap_bench.demo.presets import PRESETS
from musclemap_bench.splits import read_split_file

REPO = Path(__file__).resolve().parents[1]


def test_fast_preset_covers_new_activities_and_every_region():
    tax = load_taxonomy()
    acts = resolve_activities(PRESETS["fast"].activities)
    assert set(tax.activities_in("new")) <= set(acts)
    known = [a for a in acts if tax.group_of(a) == "known"]
    assert tax.labels_for(known).sum(axis=0).min() >= 1


def test_fast_demo_end_to_end(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-m", "musclemap_bench", "demo", "--fast", "--out", str(tmp_path)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["synthetic"] is True
    assert results["clips"]["downloaded_fraction"] == 1.0
    assert results["pose_vs_ground_truth"]["detection_rate"] > 0.5
    preset = PRESETS["fast"]
    for name in (preset.skeleton_model, preset.video_model, "random", "all-ones"):
        assert set(results["metrics"][name]) == {
            "val_known", "val_new", "mean_val", "test_known", "test_new", "mean_test",
        }  # fmt: skip
    splits = read_split_file(tmp_path / "splits.csv")
    assert set(splits["split"]) == {"train", "val_known", "val_new", "test_known", "test_new"}
    assert (tmp_path / "leaderboard" / "index.html").is_file()
    assert len(list((tmp_path / "bodymaps").glob("*.png"))) >= 2
    assert "SYNTHETIC demo results" in proc.stdout
    # Resumable: a second run reuses every finished stage and gives the same scores.
    again = subprocess.run(
        [sys.executable, "-m", "musclemap_bench", "demo", "--fast", "--out", str(tmp_path)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr[-3000:]
    assert json.loads((tmp_path / "results.json").read_text())["metrics"] == results["metrics"]
