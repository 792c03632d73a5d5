"""Macro average precision as the MuscleMap reference code computes it, plus a batched
bootstrap of the same quantity.

Point estimates call scikit-learn directly. The bootstrap needs the metric on 1,000
resamples of ~3,000 clips x 20 regions per split; calling sklearn 20,000 times takes tens of
seconds, and sklearn has no batched form, so `bootstrap_macro_ap` evaluates all resamples
at once from one sort per region. A resample with replacement equals integer sample weights,
and sklearn's AP with `sample_weight` is the reference the tests hold it to."""

from __future__ import annotations

import numpy as np

from musclemap_bench.errors import EvaluationError


def macro_ap(labels: np.ndarray, scores: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean AP over the regions with at least one positive; also per-region AP (NaN if dropped).

    Exactly the published protocol: drop all-negative columns, then
    `average_precision_score(labels, scores, average=None)` and the mean. Unlike the published
    code, which silently returns 0 when sklearn raises, this raises EvaluationError.
    """
    labels = np.asarray(labels)
    scores = np.asarray(scores, dtype=np.float64)
    if labels.shape != scores.shape or labels.ndim != 2:
        raise EvaluationError(f"labels {labels.shape} and scores {scores.shape} differ")
    if len(labels) == 0:
        raise EvaluationError("no clips to score")
    keep = labels.sum(axis=0) > 0
    if not keep.any():
        raise EvaluationError("no region has a positive clip: the split cannot be scored")
    # imported here: sklearn costs ~0.6 s to import, and every spawned `prepare` worker
    # imports this package (musclemap_bench/__init__ binds evaluate)
    from sklearn.metrics import average_precision_score

    per_region = np.full(labels.shape[1], np.nan)
    ap = average_precision_score(labels[:, keep], scores[:, keep], average=None)
    per_region[keep] = np.atleast_1d(ap)
    return float(np.mean(per_region[keep])), per_region


def resample_counts(n: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, n) multiplicities of n clips drawn with replacement, n_boot times."""
    idx = rng.integers(0, n, size=(n_boot, n))
    flat = idx + (np.arange(n_boot)[:, None] * n)
    return np.bincount(flat.ravel(), minlength=n_boot * n).reshape(n_boot, n)


def stratified_resample_counts(
    strata: np.ndarray, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """(n_boot, n) multiplicities when clips are drawn with replacement within each stratum.

    The evaluator stratifies by activity: labels are per activity, so every resample keeps
    the split's label composition and therefore the same set of scored regions. Unstratified
    resamples drop rare regions whenever their few positive clips are missed, which shifts
    the macro average (upwards for typical models) and the percentile CI with it."""
    strata = np.asarray(strata)
    n = len(strata)
    counts = np.zeros((n_boot, n), dtype=np.int64)
    for value in np.unique(strata):
        members = np.flatnonzero(strata == value)
        counts[:, members] = resample_counts(len(members), n_boot, rng)
    return counts


def bootstrap_macro_ap(
    labels: np.ndarray, scores: np.ndarray, counts: np.ndarray, chunk: int = 200
) -> np.ndarray:
    """Macro AP for each row of `counts` (clip multiplicities), shape (n_boot,).

    Per resample, regions without a positive in that resample are dropped, as in `macro_ap`.
    """
    labels = np.asarray(labels, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    n_boot = counts.shape[0]
    total = np.zeros(n_boot)
    used = np.zeros(n_boot)
    for r in range(labels.shape[1]):
        y = labels[:, r]
        if y.sum() == 0:
            continue
        order = np.argsort(-scores[:, r], kind="mergesort")
        s_sorted = scores[order, r]
        y_sorted = y[order]
        # Tied scores form one threshold: take the cumulative sums at the end of each tie run.
        ends = np.flatnonzero(np.r_[s_sorted[1:] != s_sorted[:-1], True])
        for lo in range(0, n_boot, chunk):
            w = counts[lo : lo + chunk][:, order].astype(np.float64)
            tp = np.cumsum(w * y_sorted, axis=1)[:, ends]
            fp = np.cumsum(w * (1.0 - y_sorted), axis=1)[:, ends]
            pos = tp[:, -1]
            with np.errstate(invalid="ignore", divide="ignore"):
                precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
                recall = tp / pos[:, None]
            d_recall = np.diff(recall, axis=1, prepend=0.0)
            ap = np.sum(d_recall * precision, axis=1)
            has = pos > 0
            total[lo : lo + chunk] += np.where(has, ap, 0.0)
            used[lo : lo + chunk] += has
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(used > 0, total / used, np.nan)
