"""The yt-dlp side: one clip section download through `yt_dlp.YoutubeDL`, and search.

The section [start, end) is fetched by yt-dlp's ffmpeg downloader with
`force_keyframes_at_cuts`, which makes ffmpeg seek accurately and re-encode; the output
arguments normalise fps, short side and codec in the same pass (one encode per clip)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from musclemap_bench.download.errors import BAD_MEDIA, ClipError, classify_message, one_line
from musclemap_bench.download.ffmpeg import bind_ffmpeg_location


@dataclass(frozen=True)
class FetchOptions:
    """What users of a dataset tune: yt-dlp's network options and the output format."""

    ffmpeg: str
    cookies: str | None = None
    rate_limit: str | None = None  # e.g. "2M" (bytes/s)
    sleep_interval: float = 0.0
    retries: int = 3
    max_height: int = 480
    format: str | None = None
    fps: float = 30.0
    short_side: int = 480
    crf: int = 23
    preset: str = "veryfast"
    socket_timeout: float = 20.0

    def format_selector(self) -> str:
        # `<=?` keeps formats whose height is unknown (direct links); video only, since
        # audio is dropped in the output (MuscleMap models use RGB only).
        h = self.max_height
        return self.format or f"bv*[height<=?{h}][ext=mp4]/bv*[height<=?{h}]/b[height<=?{h}]/b"

    def ffmpeg_output_args(self) -> list[str]:
        s = self.short_side
        # Bound the short side (never upscale); the other side keeps the aspect, even-sized.
        scale = (
            f"scale=w='if(gte(iw,ih),-2,trunc(min({s},iw)/2)*2)'"
            f":h='if(gte(iw,ih),trunc(min({s},ih)/2)*2,-2)'"
        )
        return [
            "-vf", f"fps={self.fps:g},{scale}",
            "-c:v", "libx264", "-preset", self.preset, "-crf", str(self.crf),
            "-pix_fmt", "yuv420p", "-an", "-movflags", "+faststart",
        ]  # fmt: skip


class _Logger:
    """Collects yt-dlp's messages instead of printing them (the progress bar owns stderr)."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def debug(self, msg: str) -> None:
        pass

    def info(self, msg: str) -> None:
        pass

    def warning(self, msg: str) -> None:
        pass

    def error(self, msg: str) -> None:
        self.errors.append(msg)


def _base_params(opts: FetchOptions, logger: _Logger) -> dict[str, Any]:
    from yt_dlp.utils import parse_bytes

    params: dict[str, Any] = {
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "logger": logger,
        "ffmpeg_location": opts.ffmpeg,
        "retries": opts.retries,
        "fragment_retries": opts.retries,
        "extractor_retries": 0,  # our own loop retries with backoff and classifies
        "socket_timeout": opts.socket_timeout,
        "noplaylist": True,
        "color": {"stdout": "no_color", "stderr": "no_color"},
    }
    if opts.cookies:
        params["cookiefile"] = opts.cookies
    if opts.rate_limit:
        rate = parse_bytes(opts.rate_limit)
        if rate is None:
            raise ValueError(f"bad --rate-limit {opts.rate_limit!r} (e.g. 500K, 2M)")
        params["ratelimit"] = rate
    if opts.sleep_interval > 0:
        params["sleep_interval"] = opts.sleep_interval
    return params


def fetch_section(url: str, start: float, end: float, out_stem: Path, opts: FetchOptions) -> Path:
    """Download [start, end) of `url` as a normalised H.264 mp4 at `out_stem`.mp4.

    Raises ClipError with the ledger's error class. Must be callable from worker threads."""
    import yt_dlp
    from yt_dlp.utils import download_range_func

    bind_ffmpeg_location(opts.ffmpeg)  # per-thread fix for yt-dlp #2191, see ffmpeg.py
    logger = _Logger()
    params = _base_params(opts, logger)
    params.update(
        {
            "format": opts.format_selector(),
            "outtmpl": f"{out_stem}.%(ext)s",
            "download_ranges": download_range_func(None, [(start, end)]),
            "force_keyframes_at_cuts": True,
            "external_downloader_args": {"ffmpeg_o": opts.ffmpeg_output_args()},
            "merge_output_format": "mp4",
            "final_ext": "mp4",
            "overwrites": True,
            "continuedl": False,
        }
    )
    try:
        with yt_dlp.YoutubeDL(params) as ydl:
            info = ydl.extract_info(url, download=True)
    except yt_dlp.utils.DownloadError as exc:
        msg = one_line(exc.msg if hasattr(exc, "msg") else str(exc))
        raise ClipError(classify_message(msg), msg) from None
    except (OSError, ValueError) as exc:
        msg = one_line(f"{type(exc).__name__}: {exc}")
        raise ClipError(classify_message(msg), msg) from None
    downloads = (info or {}).get("requested_downloads") or []
    path = Path(downloads[0]["filepath"]) if downloads else None
    if path is None or not path.exists():
        cands = sorted(out_stem.parent.glob(out_stem.name + ".*"))
        cands = [c for c in cands if not c.name.endswith(".part")]
        if not cands:
            raise ClipError(BAD_MEDIA, "yt-dlp produced no file")
        path = cands[0]
    if path.stat().st_size == 0:
        raise ClipError(BAD_MEDIA, "yt-dlp wrote an empty file")
    return path


def search(query: str, n: int, opts: FetchOptions) -> list[dict[str, Any]]:
    """Metadata of the top `n` results of a YouTube search (`ytsearchN:`), one dict each."""
    import yt_dlp

    logger = _Logger()
    params = _base_params(opts, logger)
    params.update({"extract_flat": "in_playlist", "skip_download": True, "noplaylist": False})
    try:
        with yt_dlp.YoutubeDL(params) as ydl:
            res = ydl.extract_info(f"ytsearch{n}:{query}", download=False)
    except yt_dlp.utils.DownloadError as exc:
        msg = one_line(str(exc))
        raise ClipError(classify_message(msg), msg) from None
    return [e for e in (res or {}).get("entries") or [] if e]
