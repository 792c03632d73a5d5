"""mp4 writing and reading for the SYNTHETIC generator (PyAV / libx264)."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import numpy as np

from musclemap_bench.atomic import atomic_path

COMMENT = "SYNTHETIC video rendered by musclemap-bench (musclemap synth); not a real person"


def write_mp4(path: str | Path, frames: Iterable[np.ndarray], fps: int, crf: int = 20) -> int:
    """Encode RGB uint8 frames to H.264 mp4 atomically; return the number of frames.

    One encoder thread: x264's output then depends only on its input, so the same frames
    always give the same bytes (worker processes supply the parallelism)."""
    import av

    n = 0
    with atomic_path(path, suffix=".mp4") as tmp, av.open(str(tmp), "w", format="mp4") as out:
        out.metadata["comment"] = COMMENT
        out.metadata["title"] = f"SYNTHETIC {Path(path).stem}"
        stream = None
        for frame in frames:
            if stream is None:
                stream = out.add_stream(
                    "libx264",
                    rate=Fraction(fps),
                    options={"crf": str(crf), "preset": "veryfast", "threads": "1"},
                )
                stream.height, stream.width = frame.shape[:2]
                stream.pix_fmt = "yuv420p"
                stream.codec_context.thread_count = 1
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
            n += 1
        if stream is not None:
            for packet in stream.encode():
                out.mux(packet)
    # mkstemp creates 0600 files; a static HTTP server run by another user must read them
    Path(path).chmod(0o644)
    return n


def read_mp4(path: str | Path) -> np.ndarray:
    """Decode all frames of a video as (T, H, W, 3) uint8 RGB."""
    import av

    with av.open(str(path)) as inp:
        return np.stack([f.to_ndarray(format="rgb24") for f in inp.decode(video=0)])
