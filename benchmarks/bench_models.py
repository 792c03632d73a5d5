"""Forward+backward time per clip and peak memory on CPU at the paper's input.

    python benchmarks/bench_models.py [--iters 2] [--models mvitv2_s,mvitv2_s:explicit,...]

Each model runs in its own subprocess so that the peak resident memory (ru_maxrss) belongs to
that model alone. `mvitv2_s:explicit` is the same MViTv2-S with PySlowFast-style explicit
softmax attention (same weights, same seed) for the SDPA comparison. Models that are not
registered (e.g. stgcn / slowfast_r50 before their family is merged) are skipped with a
message. Output: a Markdown table on stdout (and --json FILE, written atomically).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_MODELS = "mvitv2_s,mvitv2_s:explicit,transm3e,stgcn,slowfast_r50"
ROOT = Path(__file__).resolve().parents[1]


def run_one(spec: str, iters: int, batch: int, frames: int, size: int, skel_frames: int) -> dict:
    """Time `iters` training steps (after one warm-up) of one model in this process."""
    import torch

    from musclemap_bench.models import create_model, get_spec

    name, _, attention = spec.partition(":")
    torch.manual_seed(0)
    kwargs = {"attention": attention} if attention else {}
    model = create_model(name, **kwargs)
    model.train()
    inputs = get_spec(name).inputs
    batch_inputs = []
    for key in inputs:
        if key == "video":
            batch_inputs.append(torch.rand(batch, 3, frames, size, size))
        else:
            batch_inputs.append(torch.randn(batch, 3, skel_frames, 17, 1))
    params = sum(p.numel() for p in model.parameters())
    times = []
    for step in range(iters + 1):
        t0 = time.perf_counter()
        out = model(*batch_inputs)
        out.float().sum().backward()
        model.zero_grad(set_to_none=True)
        if step:  # the first step is warm-up (allocator, kernels)
            times.append(time.perf_counter() - t0)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "model": spec,
        "params": params,
        "step_s": min(times),
        "per_clip_s": min(times) / batch,
        "mean_step_s": sum(times) / len(times),
        "peak_rss_mib": round(peak_mib),
        "threads": torch.get_num_threads(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=DEFAULT_MODELS)
    ap.add_argument("--iters", type=int, default=2)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--skeleton-frames", type=int, default=64)
    ap.add_argument(
        "--rounds", type=int, default=1, help="repeat the model list (interleaved); keep the best"
    )
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        res = run_one(
            args.one, args.iters, args.batch, args.frames, args.size, args.skeleton_frames
        )
        print(json.dumps(res))
        return

    sys.path.insert(0, str(ROOT))
    from tqdm import tqdm

    from musclemap_bench.models import list_models

    known = set(list_models())
    best: dict[str, dict] = {}
    specs = [s for s in args.models.split(",") if s]
    # Interleaving the rounds spreads the load of a shared machine over all models alike.
    for spec in tqdm(specs * args.rounds, desc="models", unit="model"):
        if spec.partition(":")[0] not in known:
            if spec not in best:
                tqdm.write(f"skip {spec}: not registered in this tree")
                best[spec] = None
            continue
        cmd = [sys.executable, __file__, "--one", spec, "--iters", str(args.iters),
               "--batch", str(args.batch), "--frames", str(args.frames), "--size", str(args.size),
               "--skeleton-frames", str(args.skeleton_frames)]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        if proc.returncode:
            tqdm.write(f"{spec} failed: {proc.stderr.strip().splitlines()[-1]}")
            continue
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        if spec not in best or res["step_s"] < best[spec]["step_s"]:
            best[spec] = res
    results = [r for r in best.values() if r]
    print(f"\ninput: batch {args.batch} x 3 x {args.frames} x {args.size} x {args.size}"
          f" (skeleton {args.skeleton_frames} frames x 17 joints), best of {args.iters} steps"
          f" x {args.rounds} rounds\n")  # fmt: skip
    print("| model | params | fwd+bwd per step (s) | per clip (s) | peak RSS (MiB) |")
    print("|---|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['model']} | {r['params']:,} | {r['step_s']:.2f} | {r['per_clip_s']:.2f} "
              f"| {r['peak_rss_mib']:,} |")  # fmt: skip
    if args.json:
        from musclemap_bench.atomic import atomic_path

        with atomic_path(args.json) as tmp:
            tmp.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
