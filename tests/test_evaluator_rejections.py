"""Every malformed submission is refused with a one-line message naming the problem, exit
code 2 from the CLI and a specific exception type from the Python API."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from musclemap_bench import EvaluationError, Evaluator, PredictionFormatError
from musclemap_bench.cli import main

EVAL_SPLITS = ["val_known", "val_new", "test_known", "test_new"]


@pytest.fixture()
def good(split_df):
    clips = split_df.loc[split_df["split"].isin(EVAL_SPLITS), "clip_id"].tolist()
    rng = np.random.default_rng(0)
    return clips, {c: [float(x) for x in rng.random(20)] for c in clips}


def _doc(preds):
    return {"format": "musclemap-predictions/1", "model": {}, "predictions": preds}


CASES = {
    "not json": (lambda c, p: "{not json", PredictionFormatError, "not valid JSON"),
    "top level list": (
        lambda c, p: json.dumps([1, 2]),
        PredictionFormatError,
        "top level must be a JSON object",
    ),
    "wrong tag": (
        lambda c, p: json.dumps({"format": "musclemap-predictions/0", "predictions": p}),
        PredictionFormatError,
        "'format' must be",
    ),
    "predictions not object": (
        lambda c, p: json.dumps({"format": "musclemap-predictions/1", "predictions": []}),
        PredictionFormatError,
        "'predictions' must be a JSON object",
    ),
    "duplicate clip": (
        lambda c, p: json.dumps(_doc(p))[:-2] + f', "{c[0]}": ' + json.dumps(p[c[0]]) + "}}",
        PredictionFormatError,
        "duplicate key",
    ),
    "short vector": (
        lambda c, p: json.dumps(_doc({**p, c[1]: p[c[1]][:19]})),
        PredictionFormatError,
        "expected 20 scores, got 19",
    ),
    "string score": (
        lambda c, p: json.dumps(_doc({**p, c[2]: ["0.5"] * 20})),
        PredictionFormatError,
        "not a number",
    ),
    "boolean score": (
        lambda c, p: json.dumps(_doc({**p, c[3]: [True] + p[c[3]][1:]})),
        PredictionFormatError,
        "bool",
    ),
    "null score": (
        lambda c, p: json.dumps(_doc({**p, c[3]: [None] + p[c[3]][1:]})),
        PredictionFormatError,
        "not a number",
    ),
    "nan": (
        lambda c, p: json.dumps(_doc({**p, c[4]: [float("nan")] + p[c[4]][1:]})),
        PredictionFormatError,
        "NaN",
    ),
    "infinity": (
        lambda c, p: json.dumps(_doc({**p, c[4]: [float("inf")] + p[c[4]][1:]})),
        PredictionFormatError,
        "Infinity",
    ),
    "overflowing literal": (
        lambda c, p: json.dumps(_doc(p)).replace(json.dumps(p[c[5]][0]), "1e400", 1),
        PredictionFormatError,
        "not finite",
    ),
    "huge integer": (
        lambda c, p: json.dumps(_doc({**p, c[5]: [10**400] + p[c[5]][1:]})),
        PredictionFormatError,
        "overflow",
    ),
    "scores not a list": (
        lambda c, p: json.dumps(_doc({**p, c[5]: {"a": 1}})),
        PredictionFormatError,
        "scores must be a list",
    ),
    "unknown clip": (
        lambda c, p: json.dumps(_doc({**p, "ghost_000000000_000003000": [0.0] * 20})),
        PredictionFormatError,
        "'ghost_000000000_000003000' is not in the split file",
    ),
    "missing clip": (
        lambda c, p: json.dumps(_doc({k: v for k, v in p.items() if k != c[0]})),
        EvaluationError,
        "has no prediction",
    ),
    "extra field": (
        lambda c, p: json.dumps({**_doc(p), "score": 99}),
        PredictionFormatError,
        "unexpected top-level field 'score'",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_cli_rejects(case, good, split_file, tmp_path):
    clips, preds = good
    make, _, message = CASES[case]
    path = tmp_path / "preds.json"
    path.write_text(make(clips, preds))
    out_json = tmp_path / "out.json"
    result = CliRunner().invoke(
        main, ["evaluate", str(path), "--splits", str(split_file), "--json", str(out_json)]
    )
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert not out_json.exists()


@pytest.mark.parametrize("case", sorted(CASES))
def test_api_raises_specific_type(case, good, split_file, tmp_path):
    clips, preds = good
    make, exc_type, message = CASES[case]
    path = tmp_path / "preds.json"
    path.write_text(make(clips, preds))
    with pytest.raises(exc_type, match=None) as info:
        Evaluator(split_file).eval(path)
    assert message in str(info.value)


def test_split_with_no_positive_is_refused(good, split_file, tmp_path, monkeypatch):
    clips, preds = good
    path = tmp_path / "preds.json"
    path.write_text(json.dumps(_doc(preds)))
    ev = Evaluator(split_file)
    ev._labels = np.zeros_like(ev._labels)  # a taxonomy in which nothing is active
    with pytest.raises(EvaluationError, match="split val_known: no region has a positive"):
        ev.eval(path)


def test_missing_file_and_bad_split_file(tmp_path, split_file):
    result = CliRunner().invoke(
        main, ["evaluate", str(tmp_path / "nope.json"), "--splits", str(split_file)]
    )
    assert result.exit_code == 2 and "no such file" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("clip_id,split\na,train\n")
    result = CliRunner().invoke(
        main, ["evaluate", str(tmp_path / "nope.json"), "--splits", str(bad)]
    )
    assert result.exit_code == 2 and "missing column(s) video_id, activity" in result.output


def test_cli_success_prints_table_and_writes_json(good, split_file, tmp_path):
    clips, preds = good
    path = tmp_path / "preds.json"
    path.write_text(json.dumps(_doc(preds)))
    out_json = tmp_path / "out.json"
    result = CliRunner().invoke(
        main,
        [
            "evaluate",
            str(path),
            "--splits",
            str(split_file),
            "--json",
            str(out_json),
            "--bootstrap",
            "20",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "known val" in result.output and "mean test" in result.output
    data = json.loads(out_json.read_text())
    assert set(data["metrics"]) == {
        "val_known",
        "val_new",
        "mean_val",
        "test_known",
        "test_new",
        "mean_test",
    }
    assert data["bootstrap"]["resamples"] == 20
