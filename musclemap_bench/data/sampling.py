"""Temporal sampling: which stored frames make a clip of T frames at sampling rate s.

As in the published (PySlowFast) code, the step is s frames at the target frame rate (30 fps),
so a 60 fps source steps 2s stored frames; indices past the end repeat the last frame."""

from __future__ import annotations

import numpy as np


def frame_step(rate: int, fps: float, target_fps: float | None) -> float:
    """Stored frames between two sampled frames."""
    if not target_fps or not fps or fps <= 0:
        return float(rate)
    return rate * fps / target_fps


def clip_indices(num_frames: int, frames: int, step: float, start: int) -> np.ndarray:
    """`frames` indices from `start`, `step` apart, clamped to the stored frames."""
    idx = np.round(start + step * np.arange(frames)).astype(np.int64)
    return np.clip(idx, 0, max(num_frames - 1, 0))


def span(frames: int, step: float) -> int:
    """Stored frames a clip covers."""
    return int(np.round(step * (frames - 1))) + 1


def random_start(num_frames: int, frames: int, step: float, rng: np.random.Generator) -> int:
    """Uniform random start so the clip fits in the video (0 if the video is shorter)."""
    return int(rng.integers(0, max(num_frames - span(frames, step), 0) + 1))


def view_starts(num_frames: int, frames: int, step: float, views: int) -> list[int]:
    """Starts of `views` temporal windows. One view = the authors' protocol (start at frame 0);
    several views are spread evenly from the first to the last possible start."""
    if views <= 1:
        return [0]
    last = max(num_frames - span(frames, step), 0)
    return [int(round(x)) for x in np.linspace(0, last, views)]
