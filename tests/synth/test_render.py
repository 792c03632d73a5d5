"""Renderer: determinism, shapes, keypoints inside the frame, video round trip."""

import hashlib

import numpy as np
import pytest

from musclemap_bench.errors import InputError
from musclemap_bench.synth import render_clip
from musclemap_bench.synth.video import read_mp4, write_mp4


def _h(a: np.ndarray) -> str:
    return hashlib.sha256(a.tobytes()).hexdigest()


def test_same_seed_same_bytes_other_seed_differs():
    f1, k1 = render_clip("jumping_jacks", seed=3, seconds=0.5, fps=10, size=96)
    f2, k2 = render_clip("jumping_jacks", seed=3, seconds=0.5, fps=10, size=96)
    f3, k3 = render_clip("jumping_jacks", seed=4, seconds=0.5, fps=10, size=96)
    assert _h(f1) == _h(f2) and k1.tobytes() == k2.tobytes()
    assert _h(f1) != _h(f3) and k1.tobytes() != k3.tobytes()


@pytest.mark.parametrize("activity", ["plank", "pull_ups", "hollow_hold", "broad_jumps"])
def test_shapes_and_keypoints_inside_frame(activity):
    frames, kp = render_clip(activity, seed=1, seconds=1.0, fps=8, size=128)
    assert frames.dtype == np.uint8 and frames.shape == (8, 128, 228, 3)
    assert kp.dtype == np.float32 and kp.shape == (8, 17, 3)
    assert (kp[..., 0] >= 0).all() and (kp[..., 0] < 228).all()
    assert (kp[..., 1] >= 0).all() and (kp[..., 1] < 128).all()
    # the figure is drawn where its keypoints are: pixels at the hip differ from the corner
    assert frames.std() > 5


def test_bad_arguments_raise_input_error():
    with pytest.raises(InputError, match="no motion program"):
        render_clip("not_an_activity", seconds=0.2, fps=5, size=64)
    with pytest.raises(InputError, match="fps"):
        render_clip("plank", seconds=0.2, fps=0, size=64)


def test_mp4_round_trip_is_deterministic(tmp_path):
    frames, _ = render_clip("push_ups", seed=2, seconds=0.5, fps=10, size=96)
    write_mp4(tmp_path / "a.mp4", iter(frames), fps=10)
    write_mp4(tmp_path / "b.mp4", iter(frames), fps=10)
    a, b = read_mp4(tmp_path / "a.mp4"), read_mp4(tmp_path / "b.mp4")
    assert a.shape == frames.shape and _h(a) == _h(b)
    assert np.abs(a.astype(int) - frames).mean() < 6  # lossy but close
    assert not list(tmp_path.glob(".*tmp*"))
