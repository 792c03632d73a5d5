"""`evaluate(test_annotation_file, user_submission_file, phase_codename, **kwargs)` in the shape
EvalAI expects: {"result": [{"<dataset split>": {metric: value}}], "submission_result": ...}."""

from __future__ import annotations

from typing import Any

from musclemap_bench.evaluate.evaluator import Evaluator

# EvalAI phase codename -> dataset splits it shows; each dataset split is (known, new) of ours.
PHASES = {
    "dev": {"val_split": ("val_known", "val_new")},
    "test": {"val_split": ("val_known", "val_new"), "test_split": ("test_known", "test_new")},
}
METRIC_NAMES = ("known mAP", "new mAP", "mean mAP")


def evaluate(
    test_annotation_file: str, user_submission_file: str, phase_codename: str, **kwargs: Any
) -> dict:
    """Score a submission for one phase; raises (EvalAI shows the message) on bad input."""
    if phase_codename not in PHASES:
        raise ValueError(f"unknown phase {phase_codename!r} (expected one of {', '.join(PHASES)})")
    splits = PHASES[phase_codename]
    wanted = [s for pair in splits.values() for s in pair]
    result = Evaluator(test_annotation_file, eval_splits=wanted).eval(user_submission_file)
    rows = []
    for name, (known, new) in splits.items():
        k, n = result.metrics[known], result.metrics[new]
        rows.append(
            {
                name: dict(
                    zip(
                        METRIC_NAMES, (round(k, 4), round(n, 4), round((k + n) / 2, 4)), strict=True
                    )
                )
            }
        )
    return {"result": rows, "submission_result": rows[-1]}
