"""Small real leaderboards: a demo split file and example submissions built from the
statistic baselines, in a temporary copy of the repository's leaderboard/ folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from lb_helpers import good_meta

from musclemap_bench.annotations import num_regions
from musclemap_bench.atomic import write_table
from musclemap_bench.baselines import BASELINES
from musclemap_bench.evaluate import write_predictions
from musclemap_bench.splits import assign_splits, eval_split_names
from tests.conftest import make_manifest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def split_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("labels") / "splits.csv"
    write_table(path, assign_splits(make_manifest(videos_per_activity=2, clips_per_video=2)))
    return path


@pytest.fixture(scope="session")
def eval_clips(split_file) -> list[str]:
    import pandas as pd

    df = pd.read_csv(split_file)
    return df.loc[df["split"].isin(eval_split_names()), "clip_id"].tolist()


@pytest.fixture
def make_submission(tmp_path, eval_clips):
    """make_submission(name, baseline="random", meta=None) -> folder in tmp_path/lb/submissions."""

    def make(name: str, baseline: str = "random", meta: dict | None = None, seed: int = 0) -> Path:
        folder = tmp_path / "lb" / "submissions" / name
        folder.mkdir(parents=True)
        scores = BASELINES[baseline](len(eval_clips), num_regions(), seed=seed)
        write_predictions(folder / "predictions.json", eval_clips, scores, model={"name": baseline})
        (folder / "meta.yaml").write_text(yaml.safe_dump(meta or good_meta(baseline)))
        return folder

    return make


@pytest.fixture
def lb_root(tmp_path) -> Path:
    """A leaderboard folder with the repository's reported Table 2 rows and no submissions."""
    root = tmp_path / "lb"
    root.mkdir(exist_ok=True)
    shutil.copytree(REPO / "leaderboard" / "reported", root / "reported")
    return root
