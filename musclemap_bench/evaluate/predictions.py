"""The `musclemap-predictions/1` file format: strict parsing and writing.

    {"format": "musclemap-predictions/1",
     "model": {... free metadata ...},
     "predictions": {"<clip_id>": [20 finite numbers in region order], ...}}

Scores are any finite real numbers (probabilities or logits); higher means more likely
active. The checks follow the failures OGB's evaluator history shows go unnoticed: duplicate
keys (JSON objects silently keep the last), booleans (True == 1 in Python), NaN/Infinity
(Python's json accepts them), wrong lengths."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from musclemap_bench.atomic import write_json
from musclemap_bench.errors import PredictionFormatError

FORMAT_TAG = "musclemap-predictions/1"


@dataclass
class Predictions:
    """Parsed predictions: clip ids and an (N, R) float64 score matrix in region order."""

    clip_ids: list[str]
    scores: np.ndarray
    model: dict[str, Any] = field(default_factory=dict)
    sha256: str | None = None

    def as_dict(self) -> dict[str, np.ndarray]:
        return dict(zip(self.clip_ids, self.scores, strict=True))


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise PredictionFormatError(f"duplicate key {key!r} in JSON object")
        seen[key] = value
    return seen


def _reject_constant(name: str) -> Any:
    raise PredictionFormatError(f"non-finite number {name} is not allowed")


def _loads(text: str, source: str) -> Any:
    try:
        return json.loads(
            text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant
        )
    except PredictionFormatError as exc:
        raise PredictionFormatError(f"{source}: {exc}") from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise PredictionFormatError(f"{source}: not valid JSON ({exc})") from None


def parse_predictions(obj: Any, num_regions: int, source: str = "predictions") -> Predictions:
    """Validate a decoded predictions object; raise PredictionFormatError naming the problem."""
    if not isinstance(obj, dict):
        raise PredictionFormatError(
            f"{source}: top level must be a JSON object, got {type(obj).__name__}"
        )
    tag = obj.get("format")
    if tag != FORMAT_TAG:
        raise PredictionFormatError(f"{source}: 'format' must be {FORMAT_TAG!r}, got {tag!r}")
    model = obj.get("model", {})
    if not isinstance(model, dict):
        raise PredictionFormatError(f"{source}: 'model' must be a JSON object")
    preds = obj.get("predictions")
    if not isinstance(preds, dict):
        raise PredictionFormatError(
            f"{source}: 'predictions' must be a JSON object of clip_id -> scores"
        )
    extra = set(obj) - {"format", "model", "predictions"}
    if extra:
        raise PredictionFormatError(f"{source}: unexpected top-level field {sorted(extra)[0]!r}")
    clip_ids = list(preds)
    scores = np.empty((len(clip_ids), num_regions), dtype=np.float64)
    for i, (cid, vec) in enumerate(preds.items()):
        if not isinstance(vec, list):
            raise PredictionFormatError(
                f"{source}: clip {cid!r}: scores must be a list, got {type(vec).__name__}"
            )
        if len(vec) != num_regions:
            raise PredictionFormatError(
                f"{source}: clip {cid!r}: expected {num_regions} scores, got {len(vec)}"
            )
        for j, v in enumerate(vec):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise PredictionFormatError(
                    f"{source}: clip {cid!r}: score {j} is {type(v).__name__} {v!r}, not a number"
                )
            if isinstance(v, float) and not math.isfinite(v):
                raise PredictionFormatError(f"{source}: clip {cid!r}: score {j} is not finite")
            try:
                scores[i, j] = v
            except OverflowError:
                raise PredictionFormatError(
                    f"{source}: clip {cid!r}: score {j} overflows a float"
                ) from None
        if not np.isfinite(scores[i]).all():
            raise PredictionFormatError(f"{source}: clip {cid!r}: a score overflows a float")
    return Predictions(clip_ids=clip_ids, scores=scores, model=model)


def load_predictions(path: str | Path, num_regions: int) -> Predictions:
    """Read and validate a predictions file; the result carries the file's sha256."""
    path = Path(path)
    if not path.is_file():
        raise PredictionFormatError(f"{path}: no such file")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PredictionFormatError(f"{path}: not valid JSON (not UTF-8 text)") from None
    preds = parse_predictions(_loads(text, str(path)), num_regions, source=str(path))
    preds.sha256 = hashlib.sha256(raw).hexdigest()
    return preds


def write_predictions(
    path: str | Path, clip_ids, scores, model: dict[str, Any] | None = None
) -> None:
    """Write a valid predictions file atomically (refuses non-finite scores)."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2 or len(clip_ids) != len(scores):
        raise ValueError("scores must be (num_clips, num_regions) aligned with clip_ids")
    if not np.isfinite(scores).all():
        raise ValueError("scores contain NaN or infinity")
    if len(set(clip_ids)) != len(clip_ids):
        raise ValueError("duplicate clip ids")
    obj = {
        "format": FORMAT_TAG,
        "model": model or {},
        "predictions": {
            str(c): [float(x) for x in row] for c, row in zip(clip_ids, scores, strict=True)
        },
    }
    write_json(path, obj)
