"""Manifest parsing: column variants, derived clip ids, row-wise rejection."""

import pandas as pd
import pytest

from musclemap_bench.download.discover import clip_windows
from musclemap_bench.download.errors import classify_message
from musclemap_bench.download.manifest import load_manifest, parse_manifest
from musclemap_bench.errors import ManifestError


def test_youtube_id_column_and_derived_clip_id():
    df = pd.DataFrame(
        {"youtube_id": ["dQw4w9WgXcQ"], "start": ["1.5"], "end": ["4"], "activity": ["burpees"]}
    )
    clip = parse_manifest(df).clips.iloc[0]
    assert clip["url"] == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert clip["clip_id"] == "dQw4w9WgXcQ_000001500_000004000"
    assert clip["video_id"] == "dQw4w9WgXcQ"


def test_bad_rows_are_set_aside_with_reasons(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(
        "clip_id,url,start,end,activity\n"
        "ok1,https://youtu.be/abcdefghijk,0,2,burpees\n"
        "a/b,https://youtu.be/abcdefghijk,0,2,burpees\n"
        "ok2,ftp://x/y.mp4,0,2,burpees\n"
        "ok3,https://youtu.be/abcdefghijk,x,2,burpees\n"
        "ok1,https://youtu.be/abcdefghijk,3,5,burpees\n"
    )
    m = load_manifest(path)
    assert list(m.clips["clip_id"]) == ["ok1"]
    reasons = list(m.invalid["message"])
    assert reasons[0].startswith("m.csv row 2:") and "not a safe file name" in reasons[0]
    assert "not http(s)" in reasons[1]
    assert "must be numbers" in reasons[2]
    assert "duplicate clip_id 'ok1'" in reasons[3]


def test_missing_columns_and_empty_manifest(tmp_path):
    with pytest.raises(ManifestError, match="missing column"):
        parse_manifest(pd.DataFrame({"url": ["http://a/b.mp4"], "start": [0]}))
    (tmp_path / "e.csv").write_text("url,start,end,activity\n")
    with pytest.raises(ManifestError, match="no rows"):
        load_manifest(tmp_path / "e.csv")


@pytest.mark.parametrize(
    ("msg", "cls"),
    [
        ("ERROR: [youtube] x: Video unavailable. This video is private", "unavailable"),
        ("ERROR: [youtube] x: Sign in to confirm your age", "unavailable"),
        ("HTTP Error 429: Too Many Requests", "rate_limited"),
        ("Read timed out.", "network"),
        ("Unsupported URL: http://x", "bad_media"),
    ],
)
def test_classify_youtube_style_messages(msg, cls):
    assert classify_message(msg) == cls


def test_clip_windows_are_spread_and_bounded():
    assert clip_windows(10, 4, 20) == [(0.0, 4.0), (4.0, 8.0)]
    w = clip_windows(100, 2, 5)
    assert len(w) == 5 and w[0] == (0.0, 2.0) and w[-1][1] <= 100
    assert clip_windows(3, 4, 5) == []
