"""The README's demo command runs end to end on the embedded default data."""

from __future__ import annotations

from click.testing import CliRunner

from musclemap_bench.cli import main
from musclemap_bench.splits import read_split_file


def test_demo_runs_and_scores_baselines(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path), "--bootstrap", "20"])
    assert result.exit_code == 0, result.output
    assert "random" in result.output and "all-ones" in result.output
    splits = read_split_file(tmp_path / "splits.csv")
    assert set(splits["split"]) == {"train", "val_known", "val_new", "test_known", "test_new"}
