"""The standard MuscleMap evaluator (known/new val/test macro AP, bootstrap CIs, paired
comparison). The CLI `musclemap evaluate` and every training loop call this code."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.errors import EvaluationError, PredictionFormatError
from musclemap_bench.evaluate.metrics import (
    bootstrap_macro_ap,
    macro_ap,
    stratified_resample_counts,
)
from musclemap_bench.evaluate.predictions import (
    FORMAT_TAG,
    Predictions,
    load_predictions,
    parse_predictions,
)
from musclemap_bench.hashing import sha256_file
from musclemap_bench.splits import eval_split_names, read_split_file

EVALUATOR_VERSION = "1.0.0"
DEFAULT_SEED = 20240101

# Table 2 column order and the two averages (mean of known and new).
METRICS = ("val_known", "val_new", "mean_val", "test_known", "test_new", "mean_test")
MEANS = {"mean_val": ("val_known", "val_new"), "mean_test": ("test_known", "test_new")}
METRIC_TITLES = {
    "val_known": "known val",
    "val_new": "new val",
    "mean_val": "mean val",
    "test_known": "known test",
    "test_new": "new test",
    "mean_test": "mean test",
}


@dataclass
class EvalResult:
    """Scores in percent (mAP x 100), per-split details, optional CIs and comparison."""

    metrics: dict[str, float]
    splits: dict[str, dict[str, Any]]
    predictions_sha256: str | None
    split_file_sha256: str | None
    model: dict[str, Any] = field(default_factory=dict)
    bootstrap: dict[str, Any] | None = None
    compare: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        from musclemap_bench import __version__

        return {
            "evaluator_version": EVALUATOR_VERSION,
            "package_version": __version__,
            "predictions_format": FORMAT_TAG,
            "predictions_sha256": self.predictions_sha256,
            "split_file_sha256": self.split_file_sha256,
            "units": "percent (mean average precision x 100)",
            "model": self.model,
            "metrics": self.metrics,
            "splits": self.splits,
            "bootstrap": self.bootstrap,
            "compare": self.compare,
        }


class Evaluator:
    """Scores musclemap-predictions/1 files against a split file.

    >>> ev = Evaluator("splits.csv")
    >>> result = ev.eval("preds.json", bootstrap=1000)
    >>> result.metrics["mean_test"]
    """

    expected_input_format = (
        "JSON object {'format': 'musclemap-predictions/1', 'model': {...}, "
        "'predictions': {clip_id: [R finite numbers in region order]}}; R = number of regions "
        "in annotations/regions.csv; every clip of each evaluated split needs a prediction."
    )

    def __init__(self, splits: str | Path | pd.DataFrame, eval_splits: list[str] | None = None):
        self.taxonomy = load_taxonomy()
        if isinstance(splits, pd.DataFrame):
            self.split_df = splits.reset_index(drop=True)
            self.split_file_sha256 = None
        else:
            self.split_df = read_split_file(splits)
            self.split_file_sha256 = sha256_file(Path(splits))
        wanted = eval_split_names() if eval_splits is None else list(eval_splits)
        unknown = [s for s in wanted if s not in eval_split_names()]
        if unknown:
            raise EvaluationError(
                f"cannot evaluate split {unknown[0]!r}; choose from {eval_split_names()}"
            )
        present = set(self.split_df["split"])
        self.eval_splits = [s for s in wanted if s in present]
        if not self.eval_splits:
            raise EvaluationError(f"the split file has none of the splits {', '.join(wanted)}")
        self._labels = self.taxonomy.labels_for(self.split_df["activity"])
        self._row_of = pd.Series(np.arange(len(self.split_df)), index=self.split_df["clip_id"])

    # -- input -----------------------------------------------------------------------------
    def _as_predictions(self, predictions: Any) -> Predictions:
        if isinstance(predictions, Predictions):
            return predictions
        if isinstance(predictions, (str, Path)):
            return load_predictions(predictions, self.taxonomy.num_regions)
        return parse_predictions(predictions, self.taxonomy.num_regions)

    def _align(self, preds: Predictions, allow_missing: bool) -> dict[str, dict[str, Any]]:
        pos = self._row_of.reindex(preds.clip_ids)
        if pos.isna().any():
            bad = preds.clip_ids[int(np.flatnonzero(pos.isna().to_numpy())[0])]
            raise PredictionFormatError(f"clip {bad!r} is not in the split file")
        scores = np.full((len(self.split_df), self.taxonomy.num_regions), np.nan)
        scores[pos.to_numpy(dtype=int)] = preds.scores
        have = ~np.isnan(scores[:, 0])
        out = {}
        for split in self.eval_splits:
            rows = np.flatnonzero(self.split_df["split"].to_numpy() == split)
            got = rows[have[rows]]
            if len(got) < len(rows) and not allow_missing:
                missing = self.split_df["clip_id"].iloc[rows[~have[rows]][0]]
                raise EvaluationError(
                    f"split {split}: clip {missing!r} has no prediction "
                    f"({len(rows) - len(got)} of {len(rows)} missing; --allow-missing scores only predicted clips)"
                )
            out[split] = {
                "labels": self._labels[got],
                "scores": scores[got],
                "n_clips": int(len(rows)),
                "n_predicted": int(len(got)),
                "rows": got,
                "activities": self.split_df["activity"].to_numpy()[got],
            }
        return out

    # -- scoring ---------------------------------------------------------------------------
    def _point(self, aligned: dict[str, dict[str, Any]]) -> tuple[dict[str, float], dict[str, Any]]:
        metrics: dict[str, float] = {}
        details: dict[str, Any] = {}
        keys = self.taxonomy.region_keys
        for split, d in aligned.items():
            info = {
                "n_clips": d["n_clips"],
                "n_predicted": d["n_predicted"],
                "coverage": d["n_predicted"] / d["n_clips"],
            }
            if d["n_predicted"] == 0:
                info["scored"] = False
                details[split] = info
                continue
            try:
                value, per_region = macro_ap(d["labels"], d["scores"])
            except EvaluationError as exc:
                raise EvaluationError(f"split {split}: {exc}") from None
            metrics[split] = 100.0 * value
            info.update(
                scored=True,
                regions_scored=int(np.isfinite(per_region).sum()),
                per_region_ap={
                    k: (None if np.isnan(v) else 100.0 * float(v))
                    for k, v in zip(keys, per_region, strict=True)
                },
            )
            details[split] = info
        for name, (a, b) in MEANS.items():
            if a in metrics and b in metrics:
                metrics[name] = (metrics[a] + metrics[b]) / 2
        ordered = {m: metrics[m] for m in METRICS if m in metrics}
        return ordered, details

    def _boot(self, aligned, counts) -> dict[str, np.ndarray]:
        reps = {
            split: 100.0 * bootstrap_macro_ap(d["labels"], d["scores"], counts[split])
            for split, d in aligned.items()
            if split in counts
        }
        for name, (a, b) in MEANS.items():
            if a in reps and b in reps:
                reps[name] = (reps[a] + reps[b]) / 2
        return reps

    def eval(
        self,
        predictions: Any,
        *,
        allow_missing: bool = False,
        bootstrap: int = 0,
        seed: int = DEFAULT_SEED,
        compare: Any = None,
    ) -> EvalResult:
        """Validate and score predictions (a path, a decoded dict or a Predictions object)."""
        preds = self._as_predictions(predictions)
        aligned = self._align(preds, allow_missing)
        metrics, details = self._point(aligned)
        if not metrics:
            raise EvaluationError("no split has any predicted clip: nothing to score")
        result = EvalResult(
            metrics=metrics,
            splits=details,
            predictions_sha256=preds.sha256,
            split_file_sha256=self.split_file_sha256,
            model=preds.model,
        )
        other = other_aligned = None
        if compare is not None:
            other = self._as_predictions(compare)
            other_aligned = self._align(other, allow_missing)
            other_metrics, _ = self._point(other_aligned)
            result.compare = {
                "other_sha256": other.sha256,
                "other_model": other.model,
                "other_metrics": other_metrics,
                "delta": {m: metrics[m] - other_metrics[m] for m in metrics if m in other_metrics},
            }
        if bootstrap:
            if bootstrap < 10:
                raise EvaluationError("--bootstrap needs at least 10 resamples")
            counts = {}
            for i, split in enumerate(self.eval_splits):
                n = aligned[split]["n_predicted"]
                if n:
                    rng = np.random.default_rng([seed, i])
                    counts[split] = stratified_resample_counts(
                        aligned[split]["activities"], bootstrap, rng
                    )
            reps = self._boot(aligned, counts)
            result.bootstrap = {
                "resamples": bootstrap,
                "seed": seed,
                "method": (
                    "percentile; clips resampled with replacement within each split, "
                    "stratified by activity"
                ),
                "ci95": {m: _ci(reps[m]) for m in METRICS if m in reps},
            }
            if other_aligned is not None:
                if any(
                    not np.array_equal(aligned[s]["rows"], other_aligned[s]["rows"]) for s in counts
                ):
                    raise EvaluationError(
                        "paired comparison needs both files to cover the same clips"
                    )
                other_reps = self._boot(other_aligned, counts)
                result.compare["paired_bootstrap"] = {
                    m: {
                        "delta_ci95": _ci(reps[m] - other_reps[m]),
                        "p_first_better": float(np.mean(reps[m] > other_reps[m])),
                    }
                    for m in METRICS
                    if m in reps and m in other_reps
                }
        return result


def _ci(values: np.ndarray) -> list[float]:
    values = values[np.isfinite(values)]
    return [float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))]


def evaluate(predictions: Any, splits: str | Path | pd.DataFrame, **kwargs: Any) -> EvalResult:
    """One-call form of `Evaluator(splits).eval(predictions, **kwargs)`."""
    eval_splits = kwargs.pop("eval_splits", None)
    return Evaluator(splits, eval_splits=eval_splits).eval(predictions, **kwargs)
