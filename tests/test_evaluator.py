"""The evaluator against independent computations and hand-computed cases."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score

from musclemap_bench.errors import EvaluationError
from musclemap_bench.evaluate import Evaluator, evaluate, write_predictions
from musclemap_bench.evaluate.metrics import bootstrap_macro_ap, macro_ap, resample_counts
from musclemap_bench.resources import annotations_dir

EVAL_SPLITS = ["val_known", "val_new", "test_known", "test_new"]


def _independent_labels(activities: pd.Series) -> np.ndarray:
    """Labels read straight from the CSV files, not through musclemap_bench.annotations."""
    regions = pd.read_csv(annotations_dir() / "regions.csv")["key"].tolist()
    acts = pd.read_csv(annotations_dir() / "activities.csv").set_index("key")
    return acts.loc[activities, regions].to_numpy()


def _eval_clips(split_df):
    return split_df[split_df["split"].isin(EVAL_SPLITS)].reset_index(drop=True)


def test_matches_sklearn_per_split_on_random_scores(split_file, split_df, tmp_path):
    clips = _eval_clips(split_df)
    scores = np.random.default_rng(1).normal(size=(len(clips), 20))
    preds = tmp_path / "p.json"
    write_predictions(preds, clips["clip_id"].tolist(), scores)
    result = evaluate(preds, split_file)
    expected = {}
    for split in EVAL_SPLITS:
        rows = (clips["split"] == split).to_numpy()
        y = _independent_labels(clips.loc[rows, "activity"])
        keep = y.sum(axis=0) > 0
        expected[split] = 100 * np.mean(
            average_precision_score(y[:, keep], scores[rows][:, keep], average=None)
        )
        assert result.metrics[split] == pytest.approx(expected[split], abs=1e-9)
        assert result.splits[split]["regions_scored"] == keep.sum()
    assert result.metrics["mean_val"] == pytest.approx(
        (expected["val_known"] + expected["val_new"]) / 2
    )
    assert result.metrics["mean_test"] == pytest.approx(
        (expected["test_known"] + expected["test_new"]) / 2
    )
    assert list(result.metrics) == [
        "val_known",
        "val_new",
        "mean_val",
        "test_known",
        "test_new",
        "mean_test",
    ]


def test_perfect_predictions_score_100(split_file, split_df):
    clips = _eval_clips(split_df)
    obj = {
        "format": "musclemap-predictions/1",
        "model": {"name": "oracle"},
        "predictions": {
            c: [float(v) for v in y]
            for c, y in zip(clips["clip_id"], _independent_labels(clips["activity"]), strict=True)
        },
    }
    result = Evaluator(split_file).eval(obj)
    assert all(v == pytest.approx(100.0) for v in result.metrics.values())


def test_reversed_predictions_score_the_prevalence(split_file, split_df):
    """Scores 1 - y rank every negative first: each region's AP equals its prevalence."""
    clips = _eval_clips(split_df)
    y = _independent_labels(clips["activity"])
    obj = {
        "format": "musclemap-predictions/1",
        "predictions": {
            c: [float(1 - v) for v in row] for c, row in zip(clips["clip_id"], y, strict=True)
        },
    }
    result = Evaluator(split_file).eval(obj)
    for split in EVAL_SPLITS:
        ys = y[(clips["split"] == split).to_numpy()]
        prevalence = ys.mean(axis=0)
        assert result.metrics[split] == pytest.approx(100 * prevalence[prevalence > 0].mean())
        dropped = [k for k, v in result.splits[split]["per_region_ap"].items() if v is None]
        assert len(dropped) == int((prevalence == 0).sum())


def test_hand_computed_cases():
    # y = [1, 0, 1], strictly ranked: AP = 0.5 * 1 + 0.5 * 2/3
    ap, per = macro_ap(np.array([[1], [0], [1]]), np.array([[0.9], [0.8], [0.7]]))
    assert ap == pytest.approx(0.5 + 1 / 3)
    # ties: two thresholds, precision 0.5 at both -> AP 0.5
    ap, _ = macro_ap(np.array([[1], [0], [1], [0]]), np.array([[0.9], [0.9], [0.1], [0.1]]))
    assert ap == pytest.approx(0.5)
    # all-negative column is dropped, not scored as 0
    ap, per = macro_ap(np.array([[1, 0], [0, 0]]), np.array([[0.2, 0.5], [0.1, 0.4]]))
    assert ap == pytest.approx(1.0)
    assert np.isnan(per[1])


def test_split_without_any_positive_is_an_error():
    with pytest.raises(EvaluationError, match="no region has a positive"):
        macro_ap(np.zeros((3, 20)), np.ones((3, 20)))


def test_batched_bootstrap_equals_sklearn_with_weights():
    rng = np.random.default_rng(7)
    y = (rng.random((60, 5)) < 0.3).astype(int)
    y[:, 4] = 0
    y[0, 4] = 1  # a rare region: dropped in resamples that miss clip 0
    s = np.round(rng.random((60, 5)), 1)  # coarse scores -> many ties
    counts = resample_counts(60, 25, rng)
    fast = bootstrap_macro_ap(y, s, counts, chunk=7)
    for b in range(25):
        w = counts[b]
        keep = (y * w[:, None]).sum(axis=0) > 0
        ref = np.mean(
            [
                average_precision_score(y[:, r], s[:, r], sample_weight=w)
                for r in np.flatnonzero(keep)
            ]
        )
        assert fast[b] == pytest.approx(ref, abs=1e-12)


def test_bootstrap_ci_seeded_and_brackets_estimate(split_file, split_df, tmp_path):
    clips = _eval_clips(split_df)
    y = _independent_labels(clips["activity"])
    scores = y + np.random.default_rng(2).normal(scale=1.0, size=y.shape)
    preds = tmp_path / "p.json"
    write_predictions(preds, clips["clip_id"].tolist(), scores)
    r1 = evaluate(preds, split_file, bootstrap=200, seed=5)
    r2 = evaluate(preds, split_file, bootstrap=200, seed=5)
    r3 = evaluate(preds, split_file, bootstrap=200, seed=6)
    assert r1.bootstrap["ci95"] == r2.bootstrap["ci95"]
    assert r1.bootstrap["ci95"] != r3.bootstrap["ci95"]
    for metric, (lo, hi) in r1.bootstrap["ci95"].items():
        assert lo < hi
        assert lo - 5 < r1.metrics[metric] < hi + 5


def test_paired_compare(split_file, split_df, tmp_path):
    clips = _eval_clips(split_df)
    y = _independent_labels(clips["activity"])
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    rng = np.random.default_rng(3)
    write_predictions(good, clips["clip_id"].tolist(), y + rng.normal(scale=0.3, size=y.shape))
    write_predictions(bad, clips["clip_id"].tolist(), rng.random(y.shape))
    res = evaluate(good, split_file, bootstrap=100, compare=bad)
    for metric, d in res.compare["paired_bootstrap"].items():
        assert d["p_first_better"] == 1.0
        assert d["delta_ci95"][0] > 0
        assert res.compare["delta"][metric] == pytest.approx(
            res.metrics[metric] - res.compare["other_metrics"][metric]
        )
    same = evaluate(good, split_file, bootstrap=50, compare=good)
    assert all(
        d["p_first_better"] == 0.0 and d["delta_ci95"] == [0.0, 0.0]
        for d in same.compare["paired_bootstrap"].values()
    )


def test_json_report_contents(split_file, split_df, tmp_path):
    clips = _eval_clips(split_df)
    preds = tmp_path / "p.json"
    write_predictions(
        preds, clips["clip_id"].tolist(), np.random.default_rng(0).random((len(clips), 20))
    )
    out = evaluate(preds, split_file).to_json()
    json.dumps(out, allow_nan=False)
    assert out["predictions_sha256"] == hashlib.sha256(preds.read_bytes()).hexdigest()
    assert out["evaluator_version"]
    for split in EVAL_SPLITS:
        assert len(out["splits"][split]["per_region_ap"]) == 20


def test_allow_missing_scores_only_predicted_clips(split_file, split_df, tmp_path):
    clips = _eval_clips(split_df)
    half = clips[clips["split"] != "test_new"]
    preds = tmp_path / "p.json"
    write_predictions(
        preds, half["clip_id"].tolist(), np.random.default_rng(0).random((len(half), 20))
    )
    with pytest.raises(EvaluationError, match="split test_new: clip .* has no prediction"):
        evaluate(preds, split_file)
    res = evaluate(preds, split_file, allow_missing=True)
    assert "test_new" not in res.metrics and "mean_test" not in res.metrics
    assert res.splits["test_new"]["coverage"] == 0.0
    assert res.splits["val_known"]["coverage"] == 1.0


def test_only_selected_splits(split_file, split_df, tmp_path):
    clips = _eval_clips(split_df)
    val = clips[clips["split"].str.startswith("val")]
    preds = tmp_path / "p.json"
    write_predictions(
        preds, val["clip_id"].tolist(), np.random.default_rng(0).random((len(val), 20))
    )
    res = evaluate(preds, split_file, eval_splits=["val_known", "val_new"])
    assert list(res.metrics) == ["val_known", "val_new", "mean_val"]


def test_top_level_api(split_file, split_df, tmp_path):
    import musclemap_bench

    clips = _eval_clips(split_df)
    preds = tmp_path / "p.json"
    write_predictions(
        preds, clips["clip_id"].tolist(), np.random.default_rng(0).random((len(clips), 20))
    )
    result = musclemap_bench.evaluate(preds, split_file)
    assert result.metrics == musclemap_bench.Evaluator(split_file).eval(preds).metrics
    assert "musclemap-predictions/1" in musclemap_bench.Evaluator.expected_input_format


def test_stratified_resampling_keeps_each_activity_count_and_the_scored_regions():
    from musclemap_bench.evaluate.metrics import stratified_resample_counts

    strata = np.array(["a"] * 5 + ["b"] * 1 + ["c"] * 7)
    counts = stratified_resample_counts(strata, 50, np.random.default_rng(0))
    for value in "abc":
        assert (counts[:, strata == value].sum(axis=1) == (strata == value).sum()).all()
    assert (counts[:, 5] == 1).all()  # a singleton stratum is always drawn once
    assert counts[:, :5].std() > 0  # real resampling inside a stratum
