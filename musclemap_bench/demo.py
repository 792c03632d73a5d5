"""The demo pipeline on the embedded default data.

Current stage: a synthetic clip manifest (several source videos per activity, clip ids in
the download format), the standard split, and the statistic baselines scored by the
standard evaluator. Labelled synthetic: no real video is involved."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from musclemap_bench.annotations import load_taxonomy, num_regions
from musclemap_bench.atomic import write_table
from musclemap_bench.baselines import BASELINES
from musclemap_bench.clip_ids import make_clip_id
from musclemap_bench.evaluate.evaluator import Evaluator
from musclemap_bench.evaluate.predictions import write_predictions
from musclemap_bench.evaluate.report import print_table, results_table
from musclemap_bench.splits import assign_splits, eval_split_names


def demo_manifest(
    videos_per_activity: int = 6, clips_per_video: int = 4, clip_seconds: float = 3.0
) -> pd.DataFrame:
    """A synthetic manifest: every activity, several source videos, consecutive clips."""
    rows = []
    for activity in load_taxonomy().activity_keys:
        for v in range(videos_per_activity):
            video_id = f"synthetic-{activity}-{v:02d}"
            for c in range(clips_per_video):
                start, end = c * clip_seconds, (c + 1) * clip_seconds
                rows.append(
                    {
                        "clip_id": make_clip_id(video_id, start, end),
                        "video_id": video_id,
                        "activity": activity,
                        "start": start,
                        "end": end,
                        "source": "synthetic",
                    }
                )
    return pd.DataFrame(rows)


def run_demo(out: Path, seed: int = 0, bootstrap: int = 200) -> dict[str, object]:
    """Manifest -> splits -> statistic baselines -> evaluation table; returns the results."""
    out = Path(out)
    manifest = demo_manifest()
    write_table(out / "manifest.csv", manifest)
    splits = assign_splits(manifest)
    split_file = out / "splits.csv"
    write_table(split_file, splits)
    evaluator = Evaluator(split_file)
    clips = splits.loc[splits["split"].isin(eval_split_names()), "clip_id"].tolist()
    rows = []
    for name, fn in BASELINES.items():
        path = out / f"preds_{name}.json"
        write_predictions(
            path, clips, fn(len(clips), num_regions(), seed=seed), model={"name": name}
        )
        rows.append((name, evaluator.eval(path, bootstrap=bootstrap, seed=seed)))
    print_table(
        results_table(rows, title="Statistic baselines on the synthetic demo split (mAP %, 95% CI)")
    )
    print(f"demo outputs in {out}/ (manifest.csv, splits.csv, preds_*.json)")
    return dict(rows)
