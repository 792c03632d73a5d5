"""What the body map shows: one value in [0, 1] per region, from labels or scores."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.errors import InputError
from musclemap_bench.evaluate.predictions import load_predictions


@dataclass
class BodyValues:
    """Per-region values in region order; `binary` means labels (active / not active)."""

    title: str
    values: np.ndarray
    binary: bool
    note: str = ""


def values_for_activity(activity: str) -> BodyValues:
    """The annotated binary labels of one activity."""
    tax = load_taxonomy()
    labels = tax.labels_for([activity])[0].astype(float)
    name = tax.activities.set_index("key").loc[activity, "name"]
    group = tax.group_of(activity)
    return BodyValues(title=f"{name} ({group} activity)", values=labels, binary=True)


def to_unit_interval(scores: np.ndarray) -> tuple[np.ndarray, str]:
    """Scores already in [0, 1] are kept; anything else is taken as logits (sigmoid)."""
    scores = np.asarray(scores, dtype=float)
    if scores.min() >= 0.0 and scores.max() <= 1.0:
        return scores, "scores"
    return 1.0 / (1.0 + np.exp(-scores)), "sigmoid(scores)"


def values_for_clip(predictions: str | Path, clip_id: str) -> BodyValues:
    """The predicted scores of one clip of a musclemap-predictions/1 file."""
    preds = load_predictions(predictions, load_taxonomy().num_regions)
    try:
        row = preds.clip_ids.index(clip_id)
    except ValueError:
        raise InputError(
            f"{predictions}: clip {clip_id!r} is not in the file ({len(preds.clip_ids)} clips)"
        ) from None
    values, note = to_unit_interval(preds.scores[row])
    model = preds.model.get("name")
    title = f"{clip_id}" + (f" - {model}" if model else "")
    return BodyValues(title=title, values=values, binary=False, note=note)
