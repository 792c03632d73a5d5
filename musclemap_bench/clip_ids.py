"""Clip identifiers, Kinetics-style: `<video_id>_<start ms>_<end ms>` with zero-padded
milliseconds. Clip ids become file names, so they are validated before use."""

from __future__ import annotations

import re

from musclemap_bench.errors import ManifestError

MS_DIGITS = 9  # up to ~277 hours of video
MAX_LENGTH = 128
_SAFE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*$")


def make_clip_id(video_id: str, start_s: float, end_s: float) -> str:
    """Clip id for [start_s, end_s) of a source video."""
    if end_s <= start_s or start_s < 0:
        raise ManifestError(
            f"clip of {video_id!r}: end ({end_s}) must be after start ({start_s}) >= 0"
        )
    start_ms, end_ms = round(start_s * 1000), round(end_s * 1000)
    return validate_clip_id(f"{video_id}_{start_ms:0{MS_DIGITS}d}_{end_ms:0{MS_DIGITS}d}")


def validate_clip_id(clip_id: str) -> str:
    """Return clip_id if it is safe as a file name, else raise ManifestError."""
    if not isinstance(clip_id, str) or not clip_id:
        raise ManifestError("empty clip_id")
    if len(clip_id) > MAX_LENGTH:
        raise ManifestError(f"clip_id {clip_id[:40]!r}... is longer than {MAX_LENGTH} characters")
    if ".." in clip_id or "/" in clip_id or "\\" in clip_id or not _SAFE.match(clip_id):
        raise ManifestError(
            f"clip_id {clip_id!r} is not a safe file name (allowed: letters, digits, _ - .)"
        )
    return clip_id
