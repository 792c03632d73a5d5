"""Fixtures for the offline download tests: ffmpeg-generated sources whose frames carry
their own index (8 black/white stripes = 8 bits), and a loopback server with Range support."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from musclemap_bench.download.ffmpeg import find_ffmpeg
from musclemap_bench.download.loopback import LoopbackServer, Route
from musclemap_bench.download.runner import RunOptions
from musclemap_bench.download.ytdl import FetchOptions

FPS = 30
W, H = 160, 120
STRIPE = W // 8


def make_source(path: Path, seconds: float, fps: int = FPS) -> Path:
    """A 160x120 H.264 mp4 whose top half encodes the frame index in binary stripes; the
    bottom half is noise so the file is large enough that ffmpeg must seek (moov at end)."""
    bits = f"255*mod(floor(N/pow(2\\,floor(X/{STRIPE})))\\,2)"
    lum = f"if(lt(Y\\,{H // 2})\\,{bits}\\,random(1)*255)"
    src = f"color=c=black:s={W}x{H}:r={fps}:d={seconds},geq=lum='{lum}':cb=128:cr=128"
    subprocess.run(
        [find_ffmpeg(), "-loglevel", "error", "-y", "-f", "lavfi", "-i", src,
         "-c:v", "libx264", "-preset", "ultrafast", "-g", "45", "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )  # fmt: skip
    return path


def frame_index(gray: np.ndarray) -> int:
    """Decode the frame index from the stripes of a (H, W) gray frame of any scale."""
    h, w = gray.shape
    band = gray[h // 8 : 3 * h // 8]
    sw = w / 8
    return sum(
        1 << b
        for b in range(8)
        if band[:, int(b * sw + sw / 4) : int(b * sw + 3 * sw / 4)].mean() > 128
    )


def first_frame_index(path: Path) -> int:
    import av

    with av.open(str(path)) as c:
        frame = next(c.decode(video=0))
        return frame_index(frame.to_ndarray(format="gray"))


@pytest.fixture(scope="session")
def sources(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("sources")
    return {"vidA": make_source(d / "vidA.mp4", 4), "vidB": make_source(d / "vidB.mp4", 3)}


@pytest.fixture
def server(sources):
    with LoopbackServer(max_seconds=120) as srv:
        for name, path in sources.items():
            srv.add(f"/{name}.mp4", Route(path=path))
        yield srv


@pytest.fixture
def fetch_opts() -> FetchOptions:
    return FetchOptions(ffmpeg=find_ffmpeg(), retries=2, preset="ultrafast", socket_timeout=5)


@pytest.fixture
def run_opts() -> RunOptions:
    return RunOptions(workers=2, retries=2, backoff=0.05, quiet=True)
