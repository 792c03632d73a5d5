"""Benchmark `musclemap prepare` (requirement 8 of the prepare issue).

Everything is measured in one run on the same frames: decode-only, each step alone,
cumulative pipelines, 1 vs 2 local workers, local vs Ray, bytes per clip-second.
Input: real footage (vtest.avi from Debian's opencv-doc, cut into clips) when
--video is given, else generated moving-texture clips.
Usage: python benchmarks/bench_prepare.py [--video vtest.avi] [--clips 8] [--seconds 3]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from musclemap_bench.annotations import load_taxonomy  # noqa: E402
from musclemap_bench.errors import MusclemapError  # noqa: E402
from musclemap_bench.prepare import codecs  # noqa: E402
from musclemap_bench.prepare.config import PrepareConfig  # noqa: E402
from musclemap_bench.prepare.decode import decode_clip  # noqa: E402
from musclemap_bench.prepare.flow import FlowBackend  # noqa: E402
from musclemap_bench.prepare.pipeline import prepare  # noqa: E402
from musclemap_bench.prepare.worker import extract, init_process  # noqa: E402


def make_clips(root: Path, video: Path | None, n: int, seconds: float) -> Path:
    import av

    root.mkdir(parents=True, exist_ok=True)
    frames = []
    if video:
        with av.open(str(video)) as c:
            for f in c.decode(video=0):
                frames.append(f.to_ndarray(format="rgb24", width=640, height=480))
    else:
        rng = np.random.default_rng(0)
        tex = cv2.GaussianBlur(rng.random((600, 900, 3)).astype(np.float32), (0, 0), 3)
        tex = (255 * (tex - tex.min()) / np.ptp(tex)).astype(np.uint8)
        frames = [tex[t : t + 480, 2 * t : 2 * t + 640] for t in range(100)]
    per = int(30 * seconds)
    acts = load_taxonomy().activity_keys
    rows = []
    for i in range(n):
        clip_id = f"bench{i:02d}_{0:09d}_{int(seconds * 1000):09d}"
        with av.open(str(root / f"{clip_id}.mp4"), "w") as c:
            s = c.add_stream("libx264", rate=30)
            s.width, s.height, s.pix_fmt = 640, 480, "yuv420p"
            s.options = {"crf": "20", "preset": "veryfast"}
            for k in range(per):
                fr = frames[(i * per + k) % len(frames)]
                for p in s.encode(av.VideoFrame.from_ndarray(fr, format="rgb24")):
                    c.mux(p)
            for p in s.encode():
                c.mux(p)
        rows.append({"clip_id": clip_id, "activity": acts[i % len(acts)]})
    pd.DataFrame(rows).to_csv(root / "manifest.csv", index=False)
    return root


def rate(fn, n: int) -> float:
    t = time.perf_counter()
    fn()
    return n / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--video", type=Path)
    ap.add_argument("--clips", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--slow-frames", type=int, default=12, help="frames for TV-L1 / pose")
    args = ap.parse_args()
    init_process()  # one thread, like a worker
    work = Path(tempfile.mkdtemp(prefix="bench-prepare-"))
    src = make_clips(work / "clips", args.video, args.clips, args.seconds)
    paths = sorted(src.glob("*.mp4"))
    res: dict = {"cores": len(os.sched_getaffinity(0)), "clips": len(paths)}

    all_frames = []
    t = time.perf_counter()
    for p in paths:
        all_frames.append(decode_clip(p, 30, 256))
    n = sum(len(f) for f in all_frames)
    res["frames"], res["size"] = n, list(all_frames[0].shape[1:3])
    steps = {"decode+resize": n / (time.perf_counter() - t)}
    steps["jpeg encode"] = rate(
        lambda: [codecs.encode_jpeg(x, 90) for f in all_frames for x in f], n
    )
    steps["diff+png"] = rate(
        lambda: [codecs.encode_rgb_diff(d) for f in all_frames for d in codecs.rgb_diff(f)], n
    )
    fb = FlowBackend("dis")
    flows = []
    steps["flow DIS medium"] = rate(
        lambda: flows.extend(x for f in all_frames for x in fb.clip(f)), n
    )
    steps["flow encode"] = rate(lambda: [codecs.encode_flow(x, 20.0) for x in flows], n)
    res["steps_fps"] = steps

    def pipe(mods, frames_list, **kw) -> float:
        cfg = PrepareConfig(modalities=mods, **kw)
        m = sum(len(f) for f in frames_list)
        t = time.perf_counter()
        for p, f in zip(paths, frames_list, strict=False):
            # small far-away people in vtest.avi may raise "no person": time still counts
            with contextlib.suppress(MusclemapError):
                extract(decode_clip(p, 30, 256)[: len(f)], cfg)
        return m / (time.perf_counter() - t)

    slow = [all_frames[0][: args.slow_frames]]
    pipes = {
        "decode only": steps["decode+resize"],
        "rgb": pipe(("rgb",), all_frames),
        "rgb+rgb_diff": pipe(("rgb", "rgb_diff"), all_frames),
        "rgb+rgb_diff+flow (DIS)": pipe(("rgb", "rgb_diff", "flow"), all_frames),
        "rgb+rgb_diff+flow (TV-L1)*": pipe(("rgb", "rgb_diff", "flow"), slow, flow="tvl1"),
        "rgb+rgb_diff+flow (DIS)+skeleton (mediapipe)*": pipe(MODS_ALL, slow),
    }
    res["pipeline_fps"] = pipes
    keys = ["decode+resize", "jpeg encode", "diff+png", "flow DIS medium", "flow encode"]
    predicted = 1.0 / sum(1.0 / steps[k] for k in keys)
    res["full_dis_predicted_fps"] = predicted
    res["full_dis_ratio_to_predicted"] = pipes["rgb+rgb_diff+flow (DIS)"] / predicted

    fast = PrepareConfig(modalities=("rgb", "rgb_diff", "flow"))
    eng = {}
    for name, engine, workers in (("local 1 worker", "local", 1), ("local 2 workers", "local", 2),
                                  ("ray 2 CPUs", "ray", 2)):  # fmt: skip
        out = work / f"out-{engine}-{workers}"
        t = time.perf_counter()
        prepare(src, out, fast, engine=engine, workers=workers, progress=False)
        eng[name] = n / (time.perf_counter() - t)
    res["engines_fps_incl_startup"] = eng
    res["two_vs_one"] = eng["local 2 workers"] / eng["local 1 worker"]
    res["ray_vs_local_incl_cluster_start"] = eng["ray 2 CPUs"] / eng["local 2 workers"]
    # `--engine ray --address ADDR` runs on a cluster that is already up: measure that case
    # too, starting a local 2-CPU cluster (and its workers, with a one-clip job) untimed.
    import ray

    root = str(Path(__file__).resolve().parents[1])
    env = {"PYTHONPATH": root, "OMP_NUM_THREADS": "1"}
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": env})  # fmt: skip
    try:
        one = work / "one-clip"
        one.mkdir()
        first = sorted(src.glob("*.mp4"))[:1]
        (one / first[0].name).symlink_to(first[0])
        pd.read_csv(src / "manifest.csv").head(1).to_csv(one / "manifest.csv", index=False)
        prepare(one, work / "out-ray-warmup", fast, engine="ray", workers=2, progress=False)
        t = time.perf_counter()
        prepare(src, work / "out-ray-running", fast, engine="ray", workers=2, progress=False)
        eng["ray 2 CPUs, cluster already running"] = n / (time.perf_counter() - t)
    finally:
        ray.shutdown()
    res["ray_vs_local"] = eng["ray 2 CPUs, cluster already running"] / eng["local 2 workers"]

    out = work / "out-local-2"
    index = pd.read_parquet(out / "index.parquet")
    secs = float((index["num_frames"] / index["fps"]).sum())
    sizes = {}
    for col in ("rgb", "rgb_diff", "flow"):
        total = 0
        for s in index["shard"].unique():
            total += sum(len(b) for x in pd.read_parquet(out / s, columns=[col])[col] for b in x)
        sizes[col] = total / secs
    res["bytes_per_clip_second"] = sizes
    print(json.dumps(res, indent=2))


MODS_ALL = ("rgb", "rgb_diff", "flow", "skeleton")

if __name__ == "__main__":
    main()
