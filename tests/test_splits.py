"""Split rules: deterministic, leakage-free, stable under additions, paper proportions."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from click.testing import CliRunner

from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.cli import main
from musclemap_bench.errors import SplitFileError
from musclemap_bench.splits import assign_splits, protocol, read_split_file, video_unit
from tests.conftest import make_manifest


def test_deterministic_and_order_independent(manifest):
    a = assign_splits(manifest)
    shuffled = manifest.sample(frac=1.0, random_state=3).reset_index(drop=True)
    b = assign_splits(shuffled).set_index("clip_id").loc[a["clip_id"]].reset_index()
    pd.testing.assert_frame_equal(a, b)


def test_video_unit_is_the_documented_salted_sha256():
    salt = protocol()["salt"]
    expected = int.from_bytes(hashlib.sha256(f"{salt}\x00abc".encode()).digest()[:8], "big") / 2**64
    assert video_unit("abc") == expected
    assert video_unit("abc", salt="other") != expected


def test_no_video_spans_two_splits(split_df):
    per_video = split_df.groupby("video_id")["split"].nunique()
    assert (per_video == 1).all()


def test_new_activities_never_in_train_known_never_in_new_splits(split_df):
    tax = load_taxonomy()
    group = split_df["activity"].map(tax.group_of)
    assert set(split_df.loc[group == "new", "split"]) <= {"val_new", "test_new"}
    assert set(split_df.loc[group == "known", "split"]) <= {"train", "val_known", "test_known"}


def test_stable_when_clips_and_videos_are_added(manifest):
    before = assign_splits(manifest)
    extra = make_manifest(videos_per_activity=5, clips_per_video=4)  # superset of videos/clips
    after = assign_splits(extra).set_index("clip_id")
    assert (after.loc[before["clip_id"], "split"].to_numpy() == before["split"].to_numpy()).all()


def test_proportions_follow_the_paper():
    big = make_manifest(videos_per_activity=40, clips_per_video=1)
    counts = assign_splits(big)["split"].value_counts()
    c = protocol()["paper_clip_counts"]
    known_total = counts[["train", "val_known", "test_known"]].sum()
    assert (
        abs(
            counts["train"] / known_total
            - c["train"] / (c["train"] + c["val_known"] + c["test_known"])
        )
        < 0.03
    )
    assert abs(counts["val_known"] / known_total - 0.156) < 0.03
    new_total = counts[["val_new", "test_new"]].sum()
    assert abs(counts["val_new"] / new_total - 0.5) < 0.05


def test_video_with_a_new_activity_stays_out_of_train():
    # One source video holding a known and a new activity (a whole HIIT workout).
    df = pd.DataFrame(
        {
            "clip_id": [f"mixed{i}" for i in range(40)] * 1,
            "video_id": [f"v{i // 2}" for i in range(40)],
            "activity": ["push_ups", "running"] * 20,
        }
    )
    out = assign_splits(df)
    assert "train" not in set(out["split"])
    assert (
        out.groupby("video_id")["split"].apply(lambda s: {x.split("_")[0] for x in s}).map(len) == 1
    ).all()


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda df: df.drop(columns=["video_id"]), "missing column(s) video_id"),
        (
            lambda df: df.assign(activity=["burpees", "flying"] + list(df["activity"][2:])),
            "unknown activity 'flying'",
        ),
        (
            lambda df: df.assign(clip_id=["same", "same"] + list(df["clip_id"][2:])),
            "duplicate clip_id 'same'",
        ),
        (lambda df: df.assign(clip_id=[""] + list(df["clip_id"][1:])), "empty clip_id"),
    ],
)
def test_cli_refuses_bad_manifests(tmp_path, change, message):
    bad = change(make_manifest(videos_per_activity=1, clips_per_video=2))
    path = tmp_path / "m.csv"
    bad.to_csv(path, index=False)
    out = tmp_path / "s.csv"
    result = CliRunner().invoke(main, ["splits", "build", str(path), "--out", str(out)])
    assert result.exit_code == 2
    assert message in result.output
    assert result.output.strip().count("\n") == 0  # one line, no traceback
    assert not out.exists()


def test_cli_build_writes_split_file(tmp_path, manifest):
    path = tmp_path / "m.parquet"
    manifest.assign(url="x").to_parquet(path)
    out = tmp_path / "s.csv"
    result = CliRunner().invoke(main, ["splits", "build", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    df = read_split_file(out)
    assert list(df.columns) == ["clip_id", "video_id", "activity", "split"]
    assert len(df) == len(manifest)


def test_read_split_file_rejects_unknown_split(tmp_path, split_df):
    path = tmp_path / "s.csv"
    split_df.assign(split="holdout").to_csv(path, index=False)
    with pytest.raises(SplitFileError, match="unknown split 'holdout'"):
        read_split_file(path)
