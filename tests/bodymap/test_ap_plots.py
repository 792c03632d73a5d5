"""`musclemap evaluate --plots DIR`: per-region AP bar charts, known vs new."""

from __future__ import annotations

import numpy as np
from click.testing import CliRunner

from musclemap_bench.annotations import num_regions
from musclemap_bench.atomic import write_table
from musclemap_bench.baselines import random_scores
from musclemap_bench.cli import main
from musclemap_bench.evaluate import Evaluator, write_predictions
from musclemap_bench.evaluate.plots import per_region_figure
from musclemap_bench.splits import assign_splits, eval_split_names
from tests.conftest import make_manifest


def _setup(tmp_path):
    splits = assign_splits(make_manifest(videos_per_activity=2, clips_per_video=2))
    write_table(tmp_path / "splits.csv", splits)
    clips = splits.loc[splits["split"].isin(eval_split_names()), "clip_id"].tolist()
    write_predictions(tmp_path / "p.json", clips, random_scores(len(clips), num_regions(), seed=1))
    return tmp_path / "splits.csv", tmp_path / "p.json"


def test_evaluate_plots_cli(tmp_path):
    split_file, preds = _setup(tmp_path)
    result = CliRunner().invoke(
        main,
        ["evaluate", str(preds), "--splits", str(split_file), "--plots", str(tmp_path / "plots")],
    )
    assert result.exit_code == 0, result.output
    for part in ("val", "test"):
        png = tmp_path / "plots" / f"per_region_ap_{part}.png"
        assert png.read_bytes()[:4] == b"\x89PNG"


def test_bar_heights_are_per_region_ap(tmp_path):
    split_file, preds = _setup(tmp_path)
    result = Evaluator(split_file).eval(preds)
    fig = per_region_figure(result, "test")
    ax = fig.axes[0]
    for split in ("test_known", "test_new"):
        container = next(c for c in ax.containers if c.get_label().startswith(split.split("_")[1]))
        heights = np.array([b.get_height() for b in container])
        per = result.splits[split]["per_region_ap"]
        expected = np.array([0.0 if v is None else v for v in per.values()])
        assert np.allclose(heights, expected)
