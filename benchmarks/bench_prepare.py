"""Benchmark `musclemap prepare` (requirement 8 of the prepare issue).

Everything is measured in one run on the same frames: decode-only, each step alone,
cumulative pipelines, 1 vs 2 local workers, local vs Ray, bytes per clip-second.
Input: real footage (vtest.avi from Debian's opencv-doc, cut into clips) when
--video is given, else generated moving-texture clips.
Usage: python benchmarks/bench_prepare.py [--video vtest.avi] [--clips 24] [--seconds 3] [--reps 3]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
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


ROOT = Path(__file__).resolve().parents[1]
# Each timed `prepare()` call runs in a fresh interpreter, as the CLI does, started with -c so
# spawned workers do not re-import this script's heavy module-level imports.
TIMED = """import sys, time
sys.path.insert(0, {root!r})
from musclemap_bench.prepare.config import PrepareConfig
from musclemap_bench.prepare.pipeline import prepare
cfg = PrepareConfig(modalities=("rgb", "rgb_diff", "flow"))
t = time.perf_counter()
prepare({src!r}, {out!r}, cfg, engine={engine!r}, workers={workers}, address={address!r},
        progress=False)
print(time.perf_counter() - t)
"""


def timed_prepare(src: Path, out: Path, engine: str, workers: int, address=None) -> float:
    code = TIMED.format(root=str(ROOT), src=str(src), out=str(out), engine=engine,
                        workers=workers, address=address)  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # flush earlier runs' dirty pages first: the kernel writes them back ~30 s later, which
    # would otherwise land, as CPU time taken from the workers, inside the next timed run
    os.sync()
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"timed prepare failed ({engine}, {workers} workers):\n{done.stderr[-3000:]}")
    return float(done.stdout.strip().splitlines()[-1])


# The hardware's own limit: the same per-clip work in independent processes (no pool, no
# hand-over, no writer), timed after start-up; a pair splits the clips between two of them.
LOOP = """import sys, time
sys.path.insert(0, {root!r})
from musclemap_bench.prepare.config import PrepareConfig
from musclemap_bench.prepare.worker import process_clip
cfg = PrepareConfig(modalities=("rgb", "rgb_diff", "flow"))
t = time.perf_counter()
for p in {paths!r}:
    assert process_clip({{"clip_id": "c", "source_path": p}}, cfg)["status"] == "ok"
print(time.perf_counter() - t)
"""


def loop_seconds(groups: list[list[str]]) -> float:
    """Wall time of the slowest of len(groups) concurrent processes, each running the per-clip
    work over its group of clips (times taken inside the processes, start-up excluded)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    os.sync()
    procs = [subprocess.Popen([sys.executable, "-c", LOOP.format(root=str(ROOT), paths=g)],
                              env=env, stdout=subprocess.PIPE, text=True) for g in groups]  # fmt: skip
    return max(float(p.communicate()[0].strip()) for p in procs)


def engines(src: Path, work: Path, frames: int, reps: int) -> dict:
    """Whole `prepare` calls (pool or cluster start-up included), rgb+rgb_diff+flow, `reps`
    alternating repetitions each; medians are compared (a 2-core VM's speed drifts by
    several % between runs). A Ray cluster is only up while Ray is measured: its idle
    daemons would otherwise take CPU from the local runs."""
    runs: dict[str, list[float]] = {"local 1 worker": [], "local 2 workers": []}
    ceiling: list[float] = []
    vs_pair: list[float] = []
    paths = [str(p) for p in sorted(src.glob("*.mp4"))]
    for rep in range(reps):
        for name, workers in (("local 1 worker", 1), ("local 2 workers", 2)):
            out = work / f"out-local-{workers}-{rep}"
            runs[name].append(frames / timed_prepare(src, out, "local", workers))
        single, pair = loop_seconds([paths]), loop_seconds([paths[0::2], paths[1::2]])
        ceiling.append(single / pair)
        # 2-worker prepare (start-up, hand-over, shard writing included) vs the bare pair
        vs_pair.append(runs["local 2 workers"][-1] * pair / frames)
    # `--engine ray` with no address starts a local cluster inside the command (measured once)
    runs["ray 2 CPUs, cluster started by the command"] = [
        frames / timed_prepare(src, work / "out-ray-cold", "ray", 2)
    ]
    # `--engine ray --address ADDR`: a cluster already up, its workers warmed by a 1-clip job
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    ray_cli = str(Path(sys.executable).with_name("ray"))
    subprocess.run([ray_cli, "start", "--head", "--num-cpus", "2", "--include-dashboard",
                    "false", "--port", "6391"], env=env, check=True, capture_output=True)  # fmt: skip
    address = "auto"  # the cluster this machine started (`ray start` records it)
    try:
        one = work / "one-clip"
        one.mkdir(exist_ok=True)
        first = sorted(src.glob("*.mp4"))[0]
        (one / first.name).symlink_to(first)
        pd.read_csv(src / "manifest.csv").head(1).to_csv(one / "manifest.csv", index=False)
        timed_prepare(one, work / "out-ray-warmup", "ray", 2, address)
        key = "ray 2 CPUs, cluster already running"
        runs[key] = [frames / timed_prepare(src, work / f"out-ray-{r}", "ray", 2, address)
                     for r in range(reps)]  # fmt: skip
    finally:
        subprocess.run([ray_cli, "stop", "--force"], env=env, capture_output=True)
    med = {k: float(np.median(v)) for k, v in runs.items()}
    return {
        "engines_fps_runs": runs,
        "engines_fps_median": med,
        "two_vs_one": med["local 2 workers"] / med["local 1 worker"],
        "two_vs_one_per_rep": [
            b / a for a, b in zip(runs["local 1 worker"], runs["local 2 workers"], strict=True)
        ],
        "two_vs_one_best": max(runs["local 2 workers"]) / max(runs["local 1 worker"]),
        "hardware_two_vs_one_per_rep": ceiling,
        "hardware_two_vs_one": float(np.median(ceiling)),
        "two_workers_vs_bare_pair_per_rep": vs_pair,
        "two_workers_vs_bare_pair": float(np.median(vs_pair)),
        "ray_vs_local": med["ray 2 CPUs, cluster already running"] / med["local 2 workers"],
        "ray_vs_local_incl_cluster_start": med["ray 2 CPUs, cluster started by the command"]
        / med["local 2 workers"],  # fmt: skip
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--video", type=Path)
    ap.add_argument("--clips", type=int, default=24)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--slow-frames", type=int, default=12, help="frames for TV-L1 / pose")
    ap.add_argument("--reps", type=int, default=3, help="repetitions of each engine run")
    args = ap.parse_args()
    init_process()  # one thread, like a worker
    work = Path(tempfile.mkdtemp(prefix="bench-prepare-"))
    src = make_clips(work / "clips", args.video, args.clips, args.seconds)
    paths = sorted(src.glob("*.mp4"))
    res: dict = {"cores": len(os.sched_getaffinity(0)), "clips": len(paths)}

    # decode-only is timed without keeping the frames: holding every clip's frames would add
    # the kernel's page faults for ~25 MB of new memory per clip to the rate
    decode_clip(paths[0], 30, 256)  # warm-up (imports, first open): not part of the rate
    t = time.perf_counter()
    n = sum(len(decode_clip(p, 30, 256)) for p in paths)
    steps = {"decode+resize": n / (time.perf_counter() - t)}
    all_frames = [decode_clip(p, 30, 256) for p in paths]
    res["frames"], res["size"] = n, list(all_frames[0].shape[1:3])
    steps["jpeg encode"] = rate(
        lambda: [codecs.encode_jpeg(x, 90) for f in all_frames for x in f], n
    )
    steps["diff+png"] = rate(
        lambda: [codecs.encode_rgb_diff(d) for f in all_frames for d in codecs.iter_rgb_diff(f)], n
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

    res.update(engines(src, work, n, args.reps))

    out = work / "out-local-2-0"
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
