"""Error classes of the status ledger and the mapping of yt-dlp / ffmpeg failures to them."""

from __future__ import annotations

import re

OK, FAILED, SKIPPED = "ok", "failed", "skipped"
UNAVAILABLE = "unavailable"
RATE_LIMITED = "rate_limited"
NETWORK = "network"
BAD_MEDIA = "bad_media"
INVALID = "invalid"
ERROR_CLASSES = (UNAVAILABLE, RATE_LIMITED, NETWORK, BAD_MEDIA, INVALID)
TRANSIENT = frozenset({RATE_LIMITED, NETWORK})


class ClipError(Exception):
    """A clip could not be obtained; `error_class` is one of ERROR_CLASSES."""

    def __init__(self, error_class: str, message: str) -> None:
        super().__init__(message)
        self.error_class = error_class


# Ordered: the first pattern that matches a yt-dlp message decides the class. yt-dlp reports
# most failures as DownloadError with a text message, so matching text is the only option.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (RATE_LIMITED, re.compile(r"HTTP Error 429|Too Many Requests|rate.?limit", re.I)),
    (
        UNAVAILABLE,
        re.compile(
            r"HTTP Error 40[1349]|HTTP Error 410|HTTP Error 451|Video unavailable|Private video|"
            r"removed|copyright|not available in your country|geo.?restrict|Sign in to confirm|"
            r"members.only|account.+terminated|This video is unavailable|age.restricted",
            re.I,
        ),
    ),
    (
        NETWORK,
        re.compile(
            r"timed? ?out|Connection refused|Connection reset|Connection aborted|"
            r"Remote end closed|IncompleteRead|ContentTooShort|Content too short|"
            r"Name or service not known|Temporary failure in name resolution|"
            r"Network is unreachable|HTTP Error 5\d\d|ffmpeg exited with code|"
            r"Unable to download|Errno 104|Errno 111|Errno 110|EOF occurred",
            re.I,
        ),
    ),
    (BAD_MEDIA, re.compile(r"Unsupported URL|no video|Invalid data|moov atom|codec", re.I)),
]


def classify_message(message: str) -> str:
    """Error class for a yt-dlp / ffmpeg error message (default: network, i.e. retry)."""
    for cls, pattern in _PATTERNS:
        if pattern.search(message):
            return cls
    return NETWORK


def one_line(message: str, limit: int = 300) -> str:
    """Collapse a multi-line message (yt-dlp adds bug-report boilerplate) to one short line."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(message))  # colour codes
    text = " ".join(text.split())
    text = re.sub(r"^ERROR: ", "", text)
    return text[:limit]
