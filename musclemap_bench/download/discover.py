"""`--discover`: build a pinned manifest from YouTube searches of the annotated activities.

The resolver is injectable: tests pass a fake result list, real runs use yt-dlp search."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.clip_ids import make_clip_id
from musclemap_bench.download.errors import ClipError
from musclemap_bench.download.manifest import YOUTUBE_WATCH
from musclemap_bench.download.ytdl import FetchOptions, search
from musclemap_bench.errors import InputError

MANIFEST_NAME = "manifest.parquet"
META_COLUMNS = ["title", "channel", "upload_date", "license", "duration", "query"]


class Resolver(Protocol):
    def search(self, query: str, n: int) -> list[dict[str, Any]]: ...

    def details(self, entry: dict[str, Any]) -> dict[str, Any]: ...


class YoutubeResolver:
    """yt-dlp `ytsearchN:` (flat, cheap), then full metadata only for the picked videos."""

    def __init__(self, opts: FetchOptions) -> None:
        self.opts = opts

    def search(self, query: str, n: int) -> list[dict[str, Any]]:
        return search(query, n, self.opts)

    def details(self, entry: dict[str, Any]) -> dict[str, Any]:
        import yt_dlp

        from musclemap_bench.download.ytdl import _base_params, _Logger

        params = _base_params(self.opts, _Logger())
        params["skip_download"] = True
        url = entry.get("webpage_url") or YOUTUBE_WATCH.format(entry["id"])
        try:
            with yt_dlp.YoutubeDL(params) as ydl:
                return {**entry, **(ydl.extract_info(url, download=False) or {})}
        except yt_dlp.utils.DownloadError:
            return entry  # flat metadata is still usable; the download step will classify


@dataclass(frozen=True)
class DiscoverOptions:
    per_activity: int = 5  # videos per activity
    clip_seconds: float = 4.0
    min_duration: float = 30.0
    max_duration: float = 3600.0
    max_clips_per_video: int = 20
    search_factor: int = 3  # search this many times more results than needed


def resolve_activities(keys: str) -> list[str]:
    """`all` or a comma-separated list of activity keys, validated against the taxonomy."""
    tax = load_taxonomy()
    if keys.strip() == "all":
        return tax.activity_keys
    wanted = [k.strip() for k in keys.split(",") if k.strip()]
    if not wanted:
        raise InputError("--activities: give activity keys (comma-separated) or 'all'")
    unknown = [k for k in wanted if k not in set(tax.activity_keys)]
    if unknown:
        raise InputError(
            f"--activities: unknown activity {unknown[0]!r} (see 'musclemap activities')"
        )
    return wanted


def clip_windows(duration: float, clip_seconds: float, max_clips: int) -> list[tuple[float, float]]:
    """Up to `max_clips` non-overlapping windows of `clip_seconds`, spread over the video."""
    n_fit = int(duration // clip_seconds)
    if n_fit <= 0:
        return []
    take = min(n_fit, max_clips)
    step = n_fit / take  # choose evenly spaced slots among the n_fit consecutive ones
    slots = sorted({int(i * step) for i in range(take)})
    return [(round(s * clip_seconds, 3), round((s + 1) * clip_seconds, 3)) for s in slots]


def discover(activities: Iterable[str], opts: DiscoverOptions, resolver: Resolver) -> pd.DataFrame:
    """Search each activity, pick videos (duration filter, no duplicates across activities)
    and cut them into fixed-length clips. Returns the manifest to pin and download."""
    tax = load_taxonomy()
    query_of = dict(zip(tax.activities["key"], tax.activities["query"], strict=True))
    seen: set[str] = set()
    rows = []
    for act in activities:
        query = query_of[act]
        try:
            entries = resolver.search(query, opts.per_activity * opts.search_factor)
        except ClipError as exc:
            raise InputError(f"search for {act!r} failed ({exc.error_class}): {exc}") from None
        picked = 0
        for entry in entries:
            if picked >= opts.per_activity:
                break
            vid = str(entry.get("id") or "")
            dur = entry.get("duration")
            if not vid or vid in seen or dur is None:
                continue
            if not opts.min_duration <= float(dur) <= opts.max_duration:
                continue
            seen.add(vid)
            picked += 1
            info = resolver.details(entry)
            meta = {
                "title": info.get("title"),
                "channel": info.get("channel") or info.get("uploader"),
                "upload_date": info.get("upload_date"),
                "license": info.get("license"),
                "duration": float(info.get("duration") or dur),
                "query": query,
            }
            url = info.get("webpage_url") or entry.get("url") or YOUTUBE_WATCH.format(vid)
            for start, end in clip_windows(
                meta["duration"], opts.clip_seconds, opts.max_clips_per_video
            ):
                rows.append(
                    {"clip_id": make_clip_id(vid, start, end), "video_id": vid, "url": url,
                     "start": start, "end": end, "activity": act, **meta}
                )  # fmt: skip
    cols = ["clip_id", "video_id", "url", "start", "end", "activity", *META_COLUMNS]
    df = pd.DataFrame(rows, columns=cols)
    for c in ("title", "channel", "upload_date", "license", "query", "url"):
        df[c] = df[c].astype("string")
    return df
