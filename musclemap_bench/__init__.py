"""musclemap-bench: toolkit and benchmark for video-based Activated Muscle Group Estimation."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("musclemap-bench")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.1.0"

from musclemap_bench.errors import EvaluationError, MusclemapError, PredictionFormatError  # noqa: E402

__all__ = [
    "__version__",
    "Evaluator",
    "evaluate",
    "EvaluationError",
    "MusclemapError",
    "PredictionFormatError",
]


def __getattr__(name: str):
    # Imported on first use: worker processes that only import a submodule (prepare's
    # spawned workers, Ray tasks) should not pay for pandas and scikit-learn.
    if name in ("Evaluator", "evaluate"):
        from musclemap_bench.evaluate import evaluator

        return getattr(evaluator, name)
    raise AttributeError(f"module 'musclemap_bench' has no attribute {name!r}")
