"""Shared fixtures: small manifests and split files built with the real split rules."""

from __future__ import annotations

import pandas as pd
import pytest

from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.clip_ids import make_clip_id
from musclemap_bench.splits import assign_splits


def make_manifest(
    videos_per_activity: int = 3, clips_per_video: int = 2, activities=None
) -> pd.DataFrame:
    """A manifest with every (or the given) activity, several source videos, a few clips each."""
    rows = []
    for activity in activities or load_taxonomy().activity_keys:
        for v in range(videos_per_activity):
            video_id = f"vid-{activity}-{v}"
            for c in range(clips_per_video):
                rows.append(
                    {
                        "clip_id": make_clip_id(video_id, 3.0 * c, 3.0 * (c + 1)),
                        "video_id": video_id,
                        "activity": activity,
                    }
                )
    return pd.DataFrame(rows)


@pytest.fixture(scope="session")
def manifest() -> pd.DataFrame:
    return make_manifest()


@pytest.fixture(scope="session")
def split_df(manifest) -> pd.DataFrame:
    return assign_splits(manifest)


@pytest.fixture()
def split_file(tmp_path, split_df):
    path = tmp_path / "splits.csv"
    split_df.to_csv(path, index=False)
    return path
