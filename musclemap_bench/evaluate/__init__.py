"""Standard evaluation: predictions format, macro AP, known/new protocol, reports."""

from musclemap_bench.evaluate.evaluator import (
    EVALUATOR_VERSION,
    METRICS,
    EvalResult,
    Evaluator,
    evaluate,
)
from musclemap_bench.evaluate.predictions import (
    FORMAT_TAG,
    Predictions,
    load_predictions,
    parse_predictions,
    write_predictions,
)

__all__ = [
    "EVALUATOR_VERSION",
    "FORMAT_TAG",
    "METRICS",
    "EvalResult",
    "Evaluator",
    "Predictions",
    "evaluate",
    "load_predictions",
    "parse_predictions",
    "write_predictions",
]
