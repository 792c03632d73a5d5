"""EvalAI challenge evaluation script (EvalAI imports `evaluate` from this package).

Copy this folder into an EvalAI challenge bundle as `evaluation_script/`; the worker needs
`musclemap-bench` installed. The test annotation file is a split file with the hidden labels;
the user submission file is a musclemap-predictions/1 file."""

from musclemap_bench.leaderboard.evaluation_script.main import PHASES, evaluate

__all__ = ["PHASES", "evaluate"]
