"""Locating ffmpeg without root: `ffmpeg` on PATH, else the static binary of imageio-ffmpeg."""

from __future__ import annotations

import shutil
from functools import lru_cache

from musclemap_bench.errors import InputError


@lru_cache(maxsize=1)
def find_ffmpeg() -> str:
    """Path of an ffmpeg executable (PATH first, then imageio-ffmpeg's bundled binary)."""
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    try:
        import imageio_ffmpeg
    except ImportError:
        raise InputError(
            "ffmpeg not found: install it (apt install ffmpeg) or pip install imageio-ffmpeg"
        ) from None
    return imageio_ffmpeg.get_ffmpeg_exe()


def bind_ffmpeg_location(path: str) -> None:
    """Make yt-dlp use `path` for ffmpeg in the calling thread.

    yt-dlp's section downloader (FFmpegFD) looks ffmpeg up without the YoutubeDL params, so
    `ffmpeg_location` is ignored for partial downloads (yt-dlp issue #2191). It falls back to
    a ContextVar, and a ContextVar set in the main thread is not seen by worker threads, so
    every worker must call this before it downloads."""
    from yt_dlp.postprocessor.ffmpeg import FFmpegPostProcessor

    FFmpegPostProcessor._ffmpeg_location.set(path)
