"""`musclemap predict` -> `musclemap evaluate` round trip."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import small_overrides

from musclemap_bench.cli import main
from musclemap_bench.evaluate import Evaluator, load_predictions
from musclemap_bench.hashing import sha256_file
from musclemap_bench.train import Trainer, build_config


@pytest.fixture(scope="module")
def run(prepared, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    Trainer(
        build_config("tiny_video", None, tuple(small_overrides())), prepared, out, progress=False
    ).run()
    return out


def test_predict_then_evaluate_matches_training_validation(prepared, split_file, run, tmp_path):
    ckpt = run / "checkpoints" / "best.pt"
    preds = tmp_path / "preds.json"
    res = CliRunner().invoke(
        main, ["predict", "--checkpoint", str(ckpt), "--data", str(prepared), "--split", "val_known,val_new",
               "--out", str(preds), "--num-workers", "0"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    p = load_predictions(preds, 20)
    m = p.model
    assert m["name"] == "tiny_video" and m["checkpoint_sha256"] == sha256_file(ckpt)
    assert m["num_params"] > 1000 and m["package_version"]
    splits = pd.read_csv(split_file)
    val = splits[splits["split"].isin(["val_known", "val_new"])]
    assert sorted(p.clip_ids) == sorted(val["clip_id"])  # every clip of the split
    result = Evaluator(split_file, eval_splits=["val_known", "val_new"]).eval(preds)
    best = max(
        (json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()),
        key=lambda r: r["val"]["mean_val"],
    )
    for k in ("val_known", "val_new", "mean_val"):
        assert result.metrics[k] == pytest.approx(best["val"][k], abs=1e-9)
    # And through the CLI evaluator.
    ev = CliRunner().invoke(
        main, ["evaluate", str(preds), "--splits", str(split_file), "--only", "val_known,val_new"]
    )
    assert ev.exit_code == 0 and "tiny_video" in ev.output


def test_multi_view_predictions_cover_every_clip(prepared, split_file, run, tmp_path):
    preds = tmp_path / "mv.json"
    res = CliRunner().invoke(
        main, ["predict", "--checkpoint", str(run / "checkpoints" / "last.pt"), "--data", str(prepared),
               "--split", "test_known,test_new", "--out", str(preds), "--num-workers", "0",
               "--temporal-views", "2", "--spatial-views", "3"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    p = load_predictions(preds, 20)
    assert p.model["test_views"] == {"temporal": 2, "spatial": 3}
    assert (
        Evaluator(split_file, eval_splits=["test_known", "test_new"])
        .eval(preds)
        .metrics["mean_test"]
        >= 0
    )


def test_predict_errors(prepared, run, tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    r = CliRunner().invoke(
        main,
        [
            "predict",
            "--checkpoint",
            str(bad),
            "--data",
            str(prepared),
            "--split",
            "val_new",
            "--out",
            str(tmp_path / "p.json"),
        ],
    )
    assert r.exit_code == 2 and "cannot read checkpoint" in r.output
    r = CliRunner().invoke(
        main,
        [
            "predict",
            "--checkpoint",
            str(run / "checkpoints" / "last.pt"),
            "--data",
            str(prepared),
            "--split",
            "nope",
            "--out",
            str(tmp_path / "p.json"),
        ],
    )
    assert r.exit_code == 2 and "no clip in split nope" in r.output
    assert not (tmp_path / "p.json").exists()
