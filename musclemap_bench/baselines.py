"""Statistic baselines of the paper's Table 2: Random and All Ones (prediction functions,
no parameters)."""

from __future__ import annotations

import numpy as np


def random_scores(num_clips: int, num_regions: int, seed: int = 0) -> np.ndarray:
    """Uniform random scores in [0, 1), seeded."""
    return np.random.default_rng(seed).random((num_clips, num_regions))


def all_ones_scores(num_clips: int, num_regions: int) -> np.ndarray:
    """Every region predicted active for every clip (AP of a region = its prevalence)."""
    return np.ones((num_clips, num_regions))


BASELINES = {
    "random": lambda n, r, seed=0: random_scores(n, r, seed),
    "all-ones": lambda n, r, seed=0: all_ones_scores(n, r),
}
