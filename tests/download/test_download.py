"""End-to-end downloads from the loopback server: cutting accuracy, verification, ledger,
availability report, idempotent re-runs and every error class."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from musclemap_bench.download.api import download_manifest
from musclemap_bench.download.loopback import Route
from musclemap_bench.download.manifest import parse_manifest
from musclemap_bench.download.runner import CLIPS_DIR, TMP_DIR
from musclemap_bench.download.verify import probe_clip
from musclemap_bench.download.ytdl import fetch_section
from tests.download.conftest import FPS, first_frame_index

ACTS = ["push_ups", "burpees", "hollow_hold"]


def _manifest(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["video_id", "url", "start", "end", "activity"])


def _clip_rows(server):
    a, b = server.url("/vidA.mp4"), server.url("/vidB.mp4")
    return [
        ("vidA", a, 0.0, 1.0, ACTS[0]),
        ("vidA", a, 1.2, 2.5, ACTS[0]),  # mid-GOP start: must not snap to a keyframe
        ("vidA", a, 2.7, 3.9, ACTS[1]),
        ("vidB", b, 0.5, 1.5, ACTS[2]),
        ("vidB", b, 1.9, 2.9, ACTS[1]),
    ]


def _outputs(out: Path) -> set[str]:
    return {p.name for p in (out / CLIPS_DIR).iterdir()}


def test_manifest_downloads_cuts_and_verifies(server, tmp_path, fetch_opts, run_opts):
    m = parse_manifest(_manifest(_clip_rows(server)))
    splits = m.clips[["clip_id", "video_id", "activity"]].assign(
        split=["train"] * 3 + ["test_new"] * 2
    )
    splits.to_csv(tmp_path / "splits.csv", index=False)
    out = tmp_path / "out"
    result, report = download_manifest(
        m, out, fetch_opts, run_opts, splits_file=tmp_path / "splits.csv"
    )

    led = result.ledger.set_index("clip_id")
    assert (led["status"] == "ok").all(), led[["status", "message"]]
    for clip in m.clips.itertuples():
        path = out / CLIPS_DIR / f"{clip.clip_id}.mp4"
        probe = probe_clip(path)
        assert probe.fps == FPS and min(probe.width, probe.height) <= 120
        assert abs(probe.frames - round((clip.end - clip.start) * FPS)) <= 1
        assert first_frame_index(path) == round(clip.start * FPS), clip.clip_id
        assert led.loc[clip.clip_id, "frames"] == probe.frames
        assert led.loc[clip.clip_id, "bytes"] == path.stat().st_size
    assert list((out / TMP_DIR).iterdir()) == []
    # ffmpeg had to seek inside the sources with Range requests (moov atom at the end)
    assert any(r and r != "bytes=0-" for _, _, r in server.requests)

    on_disk = json.loads((out / "availability.json").read_text())
    assert on_disk["obtained"] == 5 and on_disk["fraction"] == 1.0
    assert on_disk["per_activity"]["burpees"] == {"clips": 2, "obtained": 2, "fraction": 1.0}
    assert on_disk["per_split"]["test_new"]["obtained"] == 2
    assert pd.read_parquet(out / "status.parquet")["status"].eq("ok").sum() == 5

    # A re-run is a no-op: nothing is requested, no file is rewritten.
    stamps = {p.name: p.stat().st_mtime_ns for p in (out / CLIPS_DIR).iterdir()}
    n_requests = len(server.requests)
    result2, _ = download_manifest(m, out, fetch_opts, run_opts)
    assert result2.downloaded == 0 and result2.reused == 5
    assert len(server.requests) == n_requests
    assert {p.name: p.stat().st_mtime_ns for p in (out / CLIPS_DIR).iterdir()} == stamps


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        (Route(mode="404"), "unavailable"),
        (Route(mode="html"), "bad_media"),
        ("refused", "network"),
        ("truncate", "network"),
        ("429-always", "rate_limited"),
    ],
    ids=["404", "html", "refused", "truncated", "429"],
)
def test_failures_get_their_class_and_leave_nothing(
    route, expected, server, sources, tmp_path, fetch_opts, run_opts
):
    if route == "refused":
        url = "http://127.0.0.1:9/vidA.mp4"  # discard port: nothing listens
    elif route == "truncate":
        url = server.add(
            "/bad.mp4", Route(mode="truncate", path=sources["vidA"], truncate_at=20_000)
        )
    elif route == "429-always":
        url = server.add("/bad.mp4", Route(mode="429", path=sources["vidA"], fail_first=100))
    else:
        url = server.add("/bad.mp4", route)
    good = server.url("/vidB.mp4")
    m = parse_manifest(
        _manifest([("bad", url, 0.5, 1.5, "push_ups"), ("vidB", good, 0.0, 1.0, "burpees")])
    )
    out = tmp_path / "out"
    result, report = download_manifest(m, out, fetch_opts, run_opts)
    led = result.ledger.set_index("clip_id")
    bad = led.loc["bad_000000500_000001500"]
    assert bad["status"] == "failed" and bad["error_class"] == expected, bad["message"]
    transient = expected in ("network", "rate_limited")
    assert bad["attempts"] == (run_opts.retries + 1 if transient else 1)
    assert _outputs(out) == {"vidB_000000000_000001000.mp4"}
    assert list((out / TMP_DIR).iterdir()) == []
    assert report["obtained"] == 1 and report["by_error_class"] == {expected: 1}


def test_429_then_success_backs_off_and_succeeds(server, sources, tmp_path, fetch_opts, run_opts):
    route = Route(mode="429", path=sources["vidA"], fail_first=1)
    url = server.add("/busy.mp4", route)
    m = parse_manifest(_manifest([("busy", url, 1.0, 2.0, "push_ups")]))
    result, _ = download_manifest(m, tmp_path / "out", fetch_opts, run_opts)
    row = result.ledger.iloc[0]
    assert row["status"] == "ok" and row["attempts"] == 2
    assert first_frame_index(Path(row["path"])) == 30


def test_server_without_range_support_fails_cleanly(
    server, sources, tmp_path, fetch_opts, run_opts
):
    """Like http.server, this route ignores Range: ffmpeg cannot reach the moov atom at the
    end of the source. The clip must fail (not be published empty or short) and leave no
    temp file behind."""
    url = server.add("/norange.mp4", Route(mode="norange", path=sources["vidA"]))
    m = parse_manifest(_manifest([("nr", url, 2.0, 3.0, "push_ups")]))
    out = tmp_path / "out"
    result, _ = download_manifest(m, out, fetch_opts, run_opts)
    row = result.ledger.iloc[0]
    assert row["status"] == "failed" and row["error_class"] in ("network", "bad_media")
    assert _outputs(out) == set() and list((out / TMP_DIR).iterdir()) == []


def test_malformed_rows_are_rejected_and_others_download(server, tmp_path, fetch_opts, run_opts):
    url = server.url("/vidB.mp4")
    df = pd.DataFrame(
        {
            "clip_id": ["../evil", "", "", "", ""],
            "video_id": ["vidB"] * 5,
            "url": [url] * 5,
            "start": [0.0, 2.0, 0.0, 0.0, 1.0],
            "end": [1.0, 1.0, 1.0, 1.0, 2.0],
            "activity": ["push_ups", "push_ups", "not_an_activity", "burpees", "burpees"],
        }
    )
    m = parse_manifest(df)
    msgs = list(m.invalid["message"])
    assert len(msgs) == 3
    assert "not a safe file name" in msgs[0]
    assert "must be after start" in msgs[1]
    assert "unknown activity 'not_an_activity'" in msgs[2]
    result, report = download_manifest(m, tmp_path / "out", fetch_opts, run_opts)
    led = result.ledger.set_index("clip_id")
    assert (led.loc[list(m.clips["clip_id"]), "status"] == "ok").all()
    assert (led.loc[list(m.invalid["clip_id"]), "error_class"] == "invalid").all()
    assert report["obtained"] == 2 and report["manifest_clips"] == 5


def test_ffmpeg_location_reaches_worker_threads(server, tmp_path, fetch_opts, monkeypatch):
    """yt-dlp #2191: section downloads ignore `ffmpeg_location`; with no ffmpeg on PATH a
    worker thread must still find the configured binary."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    box = {}

    def work():
        try:
            box["path"] = fetch_section(
                server.url("/vidA.mp4"), 1.0, 2.0, tmp_path / "clip", fetch_opts
            )
        except Exception as exc:  # reported below
            box["error"] = exc

    t = threading.Thread(target=work)
    t.start()
    t.join(60)
    assert "error" not in box, box.get("error")
    assert first_frame_index(box["path"]) == 30


def test_rerun_does_not_retry_unavailable_unless_asked(server, tmp_path, fetch_opts, run_opts):
    url = server.add("/gone.mp4", Route(mode="404"))
    m = parse_manifest(_manifest([("gone", url, 0.0, 1.0, "push_ups")]))
    out = tmp_path / "out"
    download_manifest(m, out, fetch_opts, run_opts)

    def hits():
        return sum(1 for _, path, _ in server.requests if path == "/gone.mp4")

    before = hits()
    assert before > 0
    result, _ = download_manifest(m, out, fetch_opts, run_opts)
    assert hits() == before
    assert result.ledger.iloc[0]["error_class"] == "unavailable"
    result, _ = download_manifest(m, out, fetch_opts, replace(run_opts, retry_failed=True))
    assert hits() > before and result.ledger.iloc[0]["attempts"] == 2
