"""Decode a video once with PyAV, resampling to a target fps and resizing in the same call."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from musclemap_bench.errors import InputError


class DecodeError(InputError):
    """A clip cannot be decoded (corrupt, no video stream, no frames)."""


def target_size(width: int, height: int, short_side: int) -> tuple[int, int]:
    """(width, height) scaled so the short side is `short_side` and the long side is even."""
    if width <= height:
        return short_side, max(2, int(round(height * short_side / width / 2)) * 2)
    return max(2, int(round(width * short_side / height / 2)) * 2), short_side


def decode_clip(path: str | Path, fps: float, short_side: int, threads: int = 1) -> np.ndarray:
    """Return frames [T, H, W, 3] uint8 RGB resampled to `fps` and resized (short side).

    `threads`: FFmpeg decoding threads (0 = one per core). 1 by default: `prepare` runs one
    single-threaded worker per core, and extra decoder threads would only borrow idle cores
    (making one worker look faster than a core's worth) or oversubscribe busy ones.

    Each source frame is shown from its timestamp until the next one; output frame k is the
    frame shown at time k/fps (frames dropped or repeated, never blended, like ffmpeg's fps
    filter). Only frames that are kept are converted, so decimation costs no resize work.
    """
    import av

    try:
        container = av.open(str(path))
    except Exception as exc:  # PyAV raises several error types for unreadable files
        raise DecodeError(f"cannot open video ({type(exc).__name__}: {exc})") from None
    out: list[np.ndarray] = []
    try:
        if not container.streams.video:
            raise DecodeError("no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        stream.thread_count = threads
        rate = float(stream.average_rate or stream.guessed_rate or fps)
        prev = None  # (start time, av frame)
        size = None
        t0 = None

        def emit(frame, start: float, end: float) -> None:
            array = None
            while len(out) / fps < end - 1e-6 and len(out) / fps >= start - 1e-6:
                if array is None:
                    array = frame.to_ndarray(format="rgb24", width=size[0], height=size[1])
                out.append(array)

        for i, frame in enumerate(container.decode(stream)):
            t = float(frame.pts * frame.time_base) if frame.pts is not None else i / rate
            if t0 is None:
                t0, size = t, target_size(frame.width, frame.height, short_side)
            t -= t0
            if prev is not None:
                emit(prev[1], prev[0], t)
            prev = (t, frame)
        if prev is not None:
            emit(prev[1], prev[0], prev[0] + 1.0 / rate)
    except DecodeError:
        raise
    except Exception as exc:
        raise DecodeError(f"decode failed ({type(exc).__name__}: {exc})") from None
    finally:
        container.close()
    if not out:
        raise DecodeError("no decodable frames")
    return np.stack(out)
