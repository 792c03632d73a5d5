"""Render SYNTHETIC videos of one activity: program -> pose -> camera -> frames + keypoints."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from musclemap_bench.errors import InputError
from musclemap_bench.synth.body import Proportions
from musclemap_bench.synth.motion import evaluate, pose_world, program_for
from musclemap_bench.synth.render import Scene, make_camera, make_look

_MARGIN = 10  # wall picture margin (pixels) for hand-held shake


def stable_rng(*parts: object) -> np.random.Generator:
    """A numpy Generator seeded from a SHA-256 of the parts (Python's hash() is salted)."""
    digest = hashlib.sha256("\x00".join(map(str, parts)).encode()).digest()
    return np.random.default_rng(np.frombuffer(digest[:16], dtype=np.uint32))


@dataclass
class Rendering:
    """A rendered synthetic video: a lazy frame source and its ground-truth keypoints."""

    scene: Scene
    keypoints: np.ndarray  # (T,17,3) float32

    @property
    def num_frames(self) -> int:
        return len(self.keypoints)

    def frames(self) -> Iterator[np.ndarray]:
        """Yield (H, W, 3) uint8 RGB frames one at a time (memory stays flat)."""
        for k in range(self.num_frames):
            yield self.scene.frame(k)


def _check(seconds: float, fps: int, size: int) -> None:
    if not seconds > 0:
        raise InputError(f"seconds must be > 0 (got {seconds})")
    if not 1 <= fps <= 120:
        raise InputError(f"fps must be in 1..120 (got {fps})")
    if not 64 <= size <= 1080:
        raise InputError(f"size must be in 64..1080 pixels (got {size})")


def render_video(
    activity: str, seed: int, seconds: float, fps: int = 30, size: int = 256, variant: int = 0
) -> Rendering:
    """Set up the rendering of one synthetic video of `activity`, fully determined by
    (activity, seed, variant): variant k is the k-th source video (another person and room)."""
    _check(seconds, fps, size)
    prog = program_for(activity)
    rng = stable_rng("musclemap-synth/1", activity, seed, variant)
    n = max(1, int(round(seconds * fps)))
    t = np.arange(n) / fps
    body = Proportions.sample(rng)
    tempo = rng.uniform(0.85, 1.15)
    drift = 0.04 * np.sin(2 * np.pi * rng.uniform(0.05, 0.2) * t + rng.uniform(0, 6.3))
    pose = evaluate(prog, t * (1 + drift), tempo_scale=tempo, phase0=rng.uniform(0, 1))
    facing = rng.uniform(-180, 180)
    pose["yaw"] = pose["yaw"] + facing
    posed = pose_world(prog, pose, body)
    # lying-on-the-side postures read best from the front, other floor work from the side
    view = "front" if prog.posture in ("stand", "hang", "side_lie", "side_plank") else "side"
    cam = make_camera(rng, posed.joints, t, size, view, facing)
    look = make_look(rng, size, _MARGIN)
    scene = Scene(rng, posed.joints, posed.props, body, cam, look, size)
    return Rendering(scene, scene.keypoints())


def render_clip(
    activity: str, seed: int = 0, seconds: float = 3.0, fps: int = 30, size: int = 256
) -> tuple[np.ndarray, np.ndarray]:
    """Render one SYNTHETIC clip in memory.

    Returns frames uint8 (T, H, W, 3) RGB and keypoints float32 (T, 17, 3) in COCO-17 order
    (x, y in pixels; third column 1 = labelled). Same arguments -> identical bytes."""
    r = render_video(activity, seed, seconds, fps, size)
    return np.stack(list(r.frames())), r.keypoints
