"""Statistic baselines (Random, All Ones) as registry entries: prediction functions with no
parameters, implemented once in musclemap_bench.baselines."""

from __future__ import annotations

from musclemap_bench.baselines import all_ones_scores, random_scores
from musclemap_bench.models.registry import ModelSpec


def _random(num_classes: int, seed: int = 0):
    return lambda num_clips: random_scores(num_clips, num_classes, seed)


def _all_ones(num_classes: int):
    return lambda num_clips: all_ones_scores(num_clips, num_classes)


MODELS = {
    "random": ModelSpec(
        "random",
        "statistic",
        _random,
        (),
        {"seed": 0},
        paper_params=0.0,
        reference_params=0,
        description="uniform random scores",
    ),
    "all_ones": ModelSpec(
        "all_ones",
        "statistic",
        _all_ones,
        (),
        {},
        paper_params=0.0,
        reference_params=0,
        description="every region active",
    ),
}
