"""Encodings round-trip exactly (or within their documented quantisation); decoding resamples
and resizes as documented; broken files raise a one-line DecodeError."""

from __future__ import annotations

import numpy as np
import pytest

from musclemap_bench.prepare import codecs
from musclemap_bench.prepare.decode import DecodeError, decode_clip, target_size

from .conftest import moving_frames, write_video


def test_rgb_diff_is_abs_difference_and_png_is_lossless():
    frames = moving_frames(4, size=(64, 48))
    diff = codecs.rgb_diff(frames)
    assert not diff[0].any()
    expected = np.abs(frames[2].astype(int) - frames[1].astype(int))
    np.testing.assert_array_equal(diff[2], expected)
    for d in diff:
        np.testing.assert_array_equal(codecs.decode_image_rgb(codecs.encode_rgb_diff(d)), d)


def test_jpeg_roundtrip_keeps_rgb_channel_order():
    frame = np.zeros((32, 32, 3), np.uint8)
    frame[..., 0] = 200  # pure red in RGB
    back = codecs.decode_image_rgb(codecs.encode_jpeg(frame, 90))
    assert back[..., 0].mean() > 190 and back[..., 2].mean() < 10


def test_flow_quantisation_inverse_within_half_step_and_clipped():
    bound = 20.0
    rng = np.random.default_rng(0)
    flow = rng.uniform(-bound, bound, (16, 16, 2)).astype(np.float32)
    back = codecs.decode_flow(codecs.encode_flow(flow, bound), bound)
    step = 2 * bound / 255
    assert np.abs(back - flow).max() <= step / 2 + 1e-4
    q = codecs.quantize_flow(np.full((2, 2, 2), 50.0, np.float32), bound)
    assert (q[..., :2] == 255).all() and (q[..., 2] == 0).all()
    np.testing.assert_allclose(codecs.dequantize_flow(q, bound), bound)


def test_decode_resamples_fps_and_resizes(tmp_path):
    path = write_video(tmp_path / "a.mp4", moving_frames(10, size=(96, 64)), fps=10)
    frames = decode_clip(path, fps=30, short_side=32)
    assert frames.shape == (30, 32, 48, 3)  # 1 s at 30 fps, short side 32
    # upsampling repeats frames: every source frame appears 3 times in a row
    assert np.array_equal(frames[0], frames[2]) and not np.array_equal(frames[2], frames[3])
    assert decode_clip(path, fps=5, short_side=32).shape[0] == 5
    assert target_size(1920, 1080, 256) == (456, 256)


def test_undecodable_file_raises_one_line_error(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all" * 10)
    with pytest.raises(DecodeError) as err:
        decode_clip(bad, 30, 256)
    assert "\n" not in str(err.value)
