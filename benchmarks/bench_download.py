"""Benchmark `musclemap download`: clips/s and MB/s for 50 clips from the loopback server,
with 1 and 2 workers. Usage: python benchmarks/bench_download.py [--clips 50]."""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from musclemap_bench.download.api import download_manifest  # noqa: E402
from musclemap_bench.download.ffmpeg import find_ffmpeg  # noqa: E402
from musclemap_bench.download.loopback import LoopbackServer, Route  # noqa: E402
from musclemap_bench.download.manifest import parse_manifest  # noqa: E402
from musclemap_bench.download.runner import RunOptions  # noqa: E402
from musclemap_bench.download.ytdl import FetchOptions  # noqa: E402


def make_source(path: Path, seconds: int, size: str) -> None:
    """testsrc2 (moving pattern with a frame counter) at 30 fps, sparse keyframes."""
    subprocess.run(
        [find_ffmpeg(), "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", f"testsrc2=s={size}:r=30:d={seconds}", "-c:v", "libx264", "-preset", "veryfast",
         "-g", "90", "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=50)
    ap.add_argument("--clip-seconds", type=float, default=2.0)
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--workers", default="1,2")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        videos = 5
        per_video = -(-args.clips // videos)
        seconds = int(per_video * args.clip_seconds) + 1
        for v in range(videos):
            make_source(tmp / f"v{v}.mp4", seconds, args.size)
        src_mb = sum((tmp / f"v{v}.mp4").stat().st_size for v in range(videos)) / 1e6
        print(f"sources: {videos} x {seconds}s {args.size} ({src_mb:.1f} MB)")
        with LoopbackServer(max_seconds=3600) as srv:
            rows = []
            for i in range(args.clips):
                v, k = i % videos, i // videos
                url = srv.add(f"/v{v}.mp4", Route(path=tmp / f"v{v}.mp4"))
                s = k * args.clip_seconds
                rows.append((f"v{v}", url, s, s + args.clip_seconds, "burpees"))
            m = parse_manifest(
                pd.DataFrame(rows, columns=["video_id", "url", "start", "end", "activity"])
            )
            fetch = FetchOptions(ffmpeg=find_ffmpeg())
            for w in (int(x) for x in args.workers.split(",")):
                out = tmp / f"out{w}"
                sent0 = srv.bytes_sent
                t0 = time.perf_counter()
                res, rep = download_manifest(m, out, fetch, RunOptions(workers=w, quiet=True))
                dt = time.perf_counter() - t0
                out_mb = res.ledger["bytes"].fillna(0).sum() / 1e6
                in_mb = (srv.bytes_sent - sent0) / 1e6
                print(
                    f"workers={w}: {rep['obtained']}/{args.clips} ok in {dt:.1f}s -> "
                    f"{rep['obtained'] / dt:.2f} clips/s, {in_mb / dt:.2f} MB/s fetched "
                    f"({in_mb:.1f} MB), {out_mb / dt:.2f} MB/s written ({out_mb:.1f} MB)"
                )
                t0 = time.perf_counter()
                download_manifest(m, out, fetch, RunOptions(workers=w, quiet=True))
                print(f"  re-run (all skipped): {time.perf_counter() - t0:.2f}s")
    print(f"python {platform.python_version()}, {platform.machine()}, ffmpeg {find_ffmpeg()}")


if __name__ == "__main__":
    main()
