"""A small prepared dataset in the contract format, shared by the training tests."""

from __future__ import annotations

import pandas as pd
import pytest

from musclemap_bench.data.testing import synthetic_clips, write_prepared

# Tiny clips so the whole training test set runs in well under a minute on 2 cores.
SMALL = {
    "data.frames": 4,
    "data.sampling_rate": 2,
    "data.crop_size": 16,
    "data.short_side": 20,
    "train.batch_size": 4,
    "train.eval_batch_size": 8,
    "train.num_workers": 0,
    "schedule.epochs": 2,
    "schedule.warmup_epochs": 1,
}


def small_overrides(**extra) -> list[str]:
    """--set arguments for a fast run (extra: dotted keys with '__' for '.')."""
    merged = {**SMALL, **{k.replace("__", "."): v for k, v in extra.items()}}
    return [f"{k}={v}" for k, v in merged.items()]


@pytest.fixture(scope="session")
def prepared(tmp_path_factory):
    """Folder with index.parquet + shards (24 clips, 12 frames of 24 x 32 px, all modalities)."""
    root = tmp_path_factory.mktemp("prepared")
    write_prepared(root, synthetic_clips(n_videos=24, num_frames=12, height=24, width=32))
    return root


@pytest.fixture(scope="session")
def split_file(prepared, tmp_path_factory):
    """The split file (clip_id, video_id, activity, split) matching the prepared set."""
    index = pd.read_parquet(prepared / "index.parquet")
    path = tmp_path_factory.mktemp("splits") / "splits.csv"
    index[["clip_id", "video_id", "activity", "split"]].to_csv(path, index=False)
    return path
