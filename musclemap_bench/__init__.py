"""musclemap-bench: toolkit and benchmark for video-based Activated Muscle Group Estimation."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("musclemap-bench")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.1.0"

from musclemap_bench.errors import EvaluationError, MusclemapError, PredictionFormatError  # noqa: E402

# Bound after the `evaluate` subpackage is imported, so `musclemap_bench.evaluate` is the
# one-call function (the subpackage stays importable as musclemap_bench.evaluate.<module>).
from musclemap_bench.evaluate import Evaluator, evaluate  # noqa: E402

__all__ = [
    "__version__",
    "Evaluator",
    "evaluate",
    "EvaluationError",
    "MusclemapError",
    "PredictionFormatError",
]
