"""Sizes of the demo. `default` fits ~15 minutes on 2 CPU cores, `fast` ~3 minutes (CI)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DemoPreset:
    """Everything that sets the demo's size and models."""

    activities: str  # "all" or comma-separated activity keys
    videos_per_activity: int  # synthetic "source videos" per activity (split unit)
    clips_per_activity: int
    seconds: float  # clip length
    fps: int
    size: int  # short side of rendered, downloaded and prepared frames
    skeleton_model: str
    video_model: str
    skeleton_epochs: int
    video_epochs: int
    frames: int  # T frames per model input
    sampling_rate: int
    crop_size: int
    batch_size: int
    lr: float
    bootstrap: int
    workers: int = 2
    skeleton_args: dict[str, Any] = field(default_factory=dict)
    video_args: dict[str, Any] = field(default_factory=dict)


# A small subset for --fast: all 20 new activities need 20 known ones to learn from; chosen
# to cover every region (tests/test_demo.py checks that) with few activities.
FAST_KNOWN = (
    "jumping_jacks,burpees,mountain_climbers,squat_jumps,bodyweight_squats,forward_lunges,"
    "push_ups,triceps_dips,pull_ups,plank,side_plank,crunches,leg_raises,glute_bridges,"
    "side_lying_leg_raises,side_lunges,calf_raises,jab_cross_punches,superman,wrist_circles"
)

PRESETS: dict[str, DemoPreset] = {
    "default": DemoPreset(
        activities="all",
        videos_per_activity=4,
        clips_per_activity=4,
        seconds=2.0,
        fps=10,
        size=160,
        skeleton_model="stgcn",
        video_model="tiny_video",
        skeleton_epochs=80,
        video_epochs=15,
        frames=16,
        sampling_rate=1,
        crop_size=112,
        batch_size=16,
        lr=1e-3,
        bootstrap=1000,
        skeleton_args={"base_channels": 16, "block_dropout": 0.1},
        video_args={},
    ),
    "fast": DemoPreset(
        activities="new," + FAST_KNOWN,
        videos_per_activity=3,
        clips_per_activity=3,
        seconds=1.6,
        fps=10,
        size=128,
        skeleton_model="stgcn",
        video_model="tiny_video",
        skeleton_epochs=30,
        video_epochs=4,
        frames=16,
        sampling_rate=1,
        crop_size=96,
        batch_size=16,
        lr=1e-3,
        bootstrap=200,
        skeleton_args={"base_channels": 16, "block_dropout": 0.1},
        video_args={},
    ),
}
