"""`musclemap download` through the CLI: SIGKILL + resume, discovery with an injected
resolver, and one-line errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

import musclemap_bench.download.api as api
from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.cli import main
from musclemap_bench.download.loopback import Route
from musclemap_bench.download.verify import verify_clip
from tests.download.conftest import first_frame_index

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--retries", "1", "--backoff", "0.05", "--quiet"]


def _write_manifest(path: Path, server, n: int) -> pd.DataFrame:
    url = server.url("/slow.mp4")
    starts = [0.1 * i for i in range(n)]
    df = pd.DataFrame(
        {"video_id": "vidS", "url": url, "start": starts, "end": [s + 1.0 for s in starts],
         "activity": "push_ups"}
    )  # fmt: skip
    df.to_csv(path, index=False)
    return df


def test_sigkill_mid_run_then_rerun_gives_the_full_set(server, sources, tmp_path):
    server.add("/slow.mp4", Route(path=sources["vidA"], delay=0.15))
    manifest = tmp_path / "m.csv"
    df = _write_manifest(manifest, server, 8)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "musclemap_bench", "download", "--manifest", str(manifest),
           "--out", str(out), "--workers", "1", *FAST]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 90
    clips = out / "clips"
    while time.monotonic() < deadline and proc.poll() is None:
        if clips.exists() and len(list(clips.glob("*.mp4"))) >= 2:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be killed"
    time.sleep(0.1)  # land inside the next clip's download
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    done_before = len(list(clips.glob("*.mp4")))
    assert 2 <= done_before < 8
    for p in clips.glob("*.mp4"):  # whatever is under a final name is complete
        s = int(p.stem.split("_")[1]) / 1000
        verify_clip(p, s, s + 1.0, 30)

    rerun = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    names = sorted(p.name for p in clips.iterdir())
    assert len(names) == 8 and not any(n.startswith(".") for n in names)
    assert list((out / ".tmp").iterdir()) == []
    led = pd.read_parquet(out / "status.parquet")
    assert len(led) == 8 and led["status"].eq("ok").all()
    for start, name in zip(sorted(df["start"]), names, strict=True):
        assert first_frame_index(clips / name) == round(start * 30)


class FakeResolver:
    """Search results as yt-dlp's flat `ytsearchN:` gives them, pointing at the loopback."""

    def __init__(self, server):
        self.server = server
        self.queries: list[tuple[str, int]] = []

    def search(self, query, n):
        self.queries.append((query, n))
        u = self.server.url
        return [
            {"id": "short", "duration": 2.0, "url": u("/vidB.mp4"), "title": "too short"},
            {
                "id": "vidA",
                "duration": 4.0,
                "url": u("/vidA.mp4"),
                "title": "HIIT A",
                "channel": "c1",
            },
            {
                "id": "vidB",
                "duration": 3.0,
                "url": u("/vidB.mp4"),
                "title": "HIIT B",
                "channel": "c2",
            },
        ]

    def details(self, entry):
        return {
            **entry,
            "upload_date": "20240102",
            "license": "Creative Commons Attribution license (reuse allowed)",
        }


def test_discover_pins_manifest_and_downloads(server, tmp_path, monkeypatch):
    fake = FakeResolver(server)
    monkeypatch.setattr(api, "YoutubeResolver", lambda fetch: fake)
    out = tmp_path / "out"
    args = ["download", "--discover", "--activities", "push_ups,burpees", "--per-activity", "1",
            "--clip-seconds", "1.5", "--min-duration", "2.5", "--max-clips-per-video", "2",
            "--out", str(out), *FAST]  # fmt: skip
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    m = pd.read_parquet(out / "manifest.parquet")
    # push_ups takes vidA (short is filtered), burpees skips the duplicate vidA and takes vidB
    assert list(m.drop_duplicates("video_id")[["video_id", "activity"]].itertuples(index=False, name=None)) == [
        ("vidA", "push_ups"), ("vidB", "burpees")]  # fmt: skip
    assert {"title", "channel", "upload_date", "license", "query"} <= set(m.columns)
    queries = load_taxonomy().activities.set_index("key")["query"]
    assert list(m.drop_duplicates("video_id")["query"]) == [queries["push_ups"], queries["burpees"]]
    assert [q for q, _ in fake.queries] == [queries["push_ups"], queries["burpees"]]
    assert list(m["clip_id"])[:2] == ["vidA_000000000_000001500", "vidA_000001500_000003000"]
    assert m["upload_date"].eq("20240102").all()
    led = pd.read_parquet(out / "status.parquet")
    assert len(led) == len(m) == 4 and led["status"].eq("ok").all()
    clip = out / "clips" / "vidA_000001500_000003000.mp4"
    assert first_frame_index(clip) == 45

    # The pinned manifest is re-downloadable with mode (a), and a discover re-run reuses it.
    n_queries = len(fake.queries)
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0 and len(fake.queries) == n_queries
    res = CliRunner().invoke(main, ["download", "--manifest", str(out / "manifest.parquet"),
                                    "--out", str(tmp_path / "copy"), *FAST])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert len(list((tmp_path / "copy" / "clips").glob("*.mp4"))) == 4


def test_cli_errors_are_one_line(tmp_path):
    r = CliRunner().invoke(main, ["download", "--out", str(tmp_path)])
    assert r.exit_code == 2 and "error: give exactly one of --manifest" in r.output
    r = CliRunner().invoke(
        main, ["download", "--discover", "--activities", "nope", "--out", str(tmp_path)]
    )
    assert r.exit_code == 2 and "unknown activity 'nope'" in r.output
    (tmp_path / "m.csv").write_text("clip_id,start,end,activity\nx,0,1,push_ups\n")
    r = CliRunner().invoke(
        main, ["download", "--manifest", str(tmp_path / "m.csv"), "--out", str(tmp_path / "o")]
    )
    assert r.exit_code == 2 and "needs a url or youtube_id column" in r.output
    assert "Traceback" not in r.output
