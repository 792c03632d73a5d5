"""Reading and row-wise validation of download manifests.

A manifest (CSV or Parquet) has `clip_id, url (or youtube_id), start, end, activity` and
optionally `video_id`. A malformed row does not stop the download: it is set aside with a
one-line reason (ledger status `skipped`, class `invalid`) and every other row proceeds."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd

from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.clip_ids import make_clip_id, validate_clip_id
from musclemap_bench.errors import ManifestError
from musclemap_bench.splits import read_table

CLIP_COLUMNS = ["clip_id", "video_id", "url", "start", "end", "activity"]
YOUTUBE_WATCH = "https://www.youtube.com/watch?v={}"
_YT_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")


@dataclass(frozen=True)
class Manifest:
    """Valid clips (CLIP_COLUMNS, start/end as float seconds) and rejected rows."""

    clips: pd.DataFrame
    invalid: pd.DataFrame  # row, clip_id, video_id, activity, message


def video_id_from_url(url: str) -> str:
    """A file-name-safe video id for a URL: YouTube's id, else the last path segment."""
    parsed = urlparse(url)
    host = parsed.netloc.lower()
    if host.endswith("youtube.com"):
        vid = parse_qs(parsed.query).get("v", [""])[0]
        if not vid and parsed.path.startswith("/shorts/"):
            vid = parsed.path.split("/")[2]
        if vid:
            return vid
    if host == "youtu.be":
        return parsed.path.strip("/")
    stem = Path(parsed.path).stem
    return re.sub(r"[^A-Za-z0-9_-]", "-", stem) or "video"


def _row_error(row: pd.Series, known: set[str]) -> tuple[dict, str | None]:
    """Normalise one row; return (clip fields, error message or None)."""
    out = {c: str(row.get(c, "") if row.get(c) is not None else "").strip() for c in CLIP_COLUMNS}
    yt = str(row.get("youtube_id", "") or "").strip()
    if not out["url"] and yt:
        out["url"] = YOUTUBE_WATCH.format(yt)
    if not out["video_id"]:
        out["video_id"] = yt or (video_id_from_url(out["url"]) if out["url"] else "")
    try:
        start, end = float(out["start"]), float(out["end"])
    except ValueError:
        return out, f"start/end must be numbers in seconds (got {out['start']!r}, {out['end']!r})"
    if not (math.isfinite(start) and math.isfinite(end)):
        return out, "start/end must be finite"
    out["start"], out["end"] = start, end
    if not out["url"]:
        return out, "no url or youtube_id"
    if urlparse(out["url"]).scheme not in ("http", "https"):
        return out, f"url {out['url'][:60]!r} is not http(s)"
    if end <= start or start < 0:
        return out, f"end ({end}) must be after start ({start}) >= 0"
    if out["activity"] not in known:
        return out, f"unknown activity {out['activity']!r} (not in annotations/activities.csv)"
    try:
        if not out["clip_id"]:
            out["clip_id"] = make_clip_id(out["video_id"], start, end)
        validate_clip_id(out["clip_id"])
    except ManifestError as exc:
        return out, str(exc)
    return out, None


def parse_manifest(df: pd.DataFrame, source: str = "manifest") -> Manifest:
    """Validate every row of a manifest table; bad rows go to `invalid`, never abort."""
    if "url" not in df.columns and "youtube_id" not in df.columns:
        raise ManifestError(f"{source}: needs a url or youtube_id column")
    missing = [c for c in ("start", "end", "activity") if c not in df.columns]
    if missing:
        raise ManifestError(f"{source}: missing column(s) {', '.join(missing)}")
    known = set(load_taxonomy().activity_keys)
    good, bad, seen = [], [], set()
    for i, row in enumerate(df.astype(object).where(df.notna(), "").to_dict("records")):
        clip, err = _row_error(pd.Series(row), known)
        if err is None and clip["clip_id"] in seen:
            err = f"duplicate clip_id {clip['clip_id']!r}"
        if err is None:
            seen.add(clip["clip_id"])
            good.append(clip)
        else:
            bad.append(
                {
                    "row": i + 1,
                    "clip_id": clip["clip_id"] or f"row{i + 1}",
                    "video_id": clip["video_id"],
                    "activity": clip["activity"],
                    "message": f"{source} row {i + 1}: {err}",
                }
            )
    clips = pd.DataFrame(good, columns=CLIP_COLUMNS)
    clips["start"] = clips["start"].astype(float)
    clips["end"] = clips["end"].astype(float)
    invalid = pd.DataFrame(bad, columns=["row", "clip_id", "video_id", "activity", "message"])
    return Manifest(clips=clips, invalid=invalid)


def load_manifest(path: str | Path) -> Manifest:
    """Read a CSV/Parquet manifest and validate its rows."""
    df = read_table(path)
    if df.empty:
        raise ManifestError(f"{path}: manifest has no rows")
    return parse_manifest(df, source=str(Path(path).name))
