"""Decoding a clip with PyAV to check it (imageio-ffmpeg ships no ffprobe)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from musclemap_bench.download.errors import BAD_MEDIA, ClipError


@dataclass(frozen=True)
class ClipProbe:
    frames: int
    duration: float  # seconds, frames / fps
    fps: float
    width: int
    height: int


def probe_clip(path: str | Path) -> ClipProbe:
    """Decode every frame of the first video stream; ClipError(bad_media) if impossible."""
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise ClipError(BAD_MEDIA, "no video stream")
            stream = container.streams.video[0]
            fps = float(stream.average_rate or stream.guessed_rate or 0)
            frames = 0
            for _ in container.decode(stream):
                frames += 1
            width, height = stream.codec_context.width, stream.codec_context.height
    except ClipError:
        raise
    except Exception as exc:  # PyAV raises many error types for broken files
        raise ClipError(BAD_MEDIA, f"cannot decode: {type(exc).__name__}: {exc}") from None
    if frames == 0 or fps <= 0:
        raise ClipError(BAD_MEDIA, "video stream has no decodable frames")
    return ClipProbe(frames=frames, duration=frames / fps, fps=fps, width=width, height=height)


def expected_frames(start: float, end: float, fps: float) -> int:
    """Frames of [start, end) at a fixed fps."""
    return round((end - start) * fps)


def verify_clip(path: str | Path, start: float, end: float, fps: float) -> ClipProbe:
    """Check frame count and duration against the request, within one frame."""
    probe = probe_clip(path)
    want = expected_frames(start, end, fps)
    if abs(probe.fps - fps) > 0.01:
        raise ClipError(BAD_MEDIA, f"fps {probe.fps:.3f}, expected {fps:g}")
    if abs(probe.frames - want) > 1 or abs(probe.duration - (end - start)) > 1.0 / fps + 1e-6:
        raise ClipError(
            BAD_MEDIA,
            f"wrong duration: {probe.frames} frames ({probe.duration:.3f}s), "
            f"expected {want} ({end - start:.3f}s)",
        )
    return probe
