"""Statistic baselines through the CLI, and the clip id convention."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from musclemap_bench.cli import main
from musclemap_bench.clip_ids import make_clip_id, validate_clip_id
from musclemap_bench.errors import ManifestError
from musclemap_bench.evaluate import evaluate


@pytest.mark.parametrize("name", ["random", "all-ones"])
def test_baseline_files_are_valid_and_near_prevalence(name, split_file, split_df, tmp_path):
    out = tmp_path / f"{name}.json"
    result = CliRunner().invoke(
        main, ["baseline", name, "--splits", str(split_file), "--out", str(out), "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["model"]["name"] == name
    res = evaluate(out, split_file)
    assert set(res.metrics) == {
        "val_known",
        "val_new",
        "mean_val",
        "test_known",
        "test_new",
        "mean_test",
    }
    # Constant scores: AP of a region is its prevalence; random stays close to it.
    for metric, value in res.metrics.items():
        assert 15 < value < 45, (metric, value)


def test_random_baseline_is_seeded(split_file, tmp_path):
    paths = []
    for i, seed in enumerate(["1", "1", "2"]):
        paths.append(tmp_path / f"r{i}.json")
        CliRunner().invoke(
            main,
            [
                "baseline",
                "random",
                "--splits",
                str(split_file),
                "--out",
                str(paths[-1]),
                "--seed",
                seed,
            ],
        )
    texts = [p.read_text() for p in paths]
    assert texts[0] == texts[1] != texts[2]


def test_clip_id_convention():
    assert make_clip_id("abcDEF_-123", 1.5, 4.0) == "abcDEF_-123_000001500_000004000"
    for bad in ["../etc", "a/b", "a\\b", "", "x" * 200, ".hidden", "sp ace"]:
        with pytest.raises(ManifestError):
            validate_clip_id(bad)
    with pytest.raises(ManifestError, match="end"):
        make_clip_id("v", 3.0, 3.0)
