"""The EvalAI evaluation script, called directly as the EvalAI worker calls it."""

from __future__ import annotations

import pytest

from musclemap_bench.evaluate import Evaluator
from musclemap_bench.leaderboard.evaluation_script import evaluate


def test_test_phase_structure_and_values(make_submission, split_file):
    preds = make_submission("entry") / "predictions.json"
    out = evaluate(str(split_file), str(preds), "test", submission_metadata={"team": "x"})
    assert [list(r) for r in out["result"]] == [["val_split"], ["test_split"]]
    metrics = Evaluator(split_file).eval(preds).metrics
    val, test = out["result"][0]["val_split"], out["result"][1]["test_split"]
    assert val["known mAP"] == pytest.approx(metrics["val_known"], abs=1e-4)
    assert test["new mAP"] == pytest.approx(metrics["test_new"], abs=1e-4)
    assert test["mean mAP"] == pytest.approx(metrics["mean_test"], abs=1e-4)
    assert out["submission_result"] == out["result"][1]


def test_dev_phase_needs_only_val_clips(make_submission, split_file):
    import json

    import pandas as pd

    folder = make_submission("entry")
    df = pd.read_csv(split_file)
    val = set(df.loc[df["split"].str.startswith("val"), "clip_id"])
    obj = json.loads((folder / "predictions.json").read_text())
    obj["predictions"] = {k: v for k, v in obj["predictions"].items() if k in val}
    (folder / "predictions.json").write_text(json.dumps(obj))
    out = evaluate(str(split_file), str(folder / "predictions.json"), "dev")
    assert [list(r) for r in out["result"]] == [["val_split"]]
    with pytest.raises(Exception, match="has no prediction"):
        evaluate(str(split_file), str(folder / "predictions.json"), "test")


def test_unknown_phase(make_submission, split_file):
    with pytest.raises(ValueError, match="unknown phase"):
        evaluate(str(split_file), str(make_submission("entry") / "predictions.json"), "final")
