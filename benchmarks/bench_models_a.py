"""CPU forward+backward time per training step and peak memory for part A models at the
paper's input (16 x 224 x 224 video or a 16-frame COCO-17 skeleton, batch 2).

Each model runs in its own subprocess so that the peak resident memory (ru_maxrss) belongs
to that model alone. Usage:

    python benchmarks/bench_models_a.py [--models stgcn,slowfast_r50] [--iters 2] [--warmup 1]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHAPES = {"video": (2, 3, 16, 224, 224), "skeleton": (2, 3, 16, 17, 2)}


def measure(name: str, iters: int, warmup: int) -> dict:
    """Time `iters` training steps (forward, BCE loss, backward) after `warmup` steps."""
    import torch
    from tqdm import tqdm

    from musclemap_bench.models import create_model, get_spec
    from musclemap_bench.models._common_a import count_params

    torch.manual_seed(0)
    model = create_model(name).train()
    (kind,) = get_spec(name).inputs
    x = torch.randn(*SHAPES[kind])
    y = torch.randint(0, 2, (x.shape[0], 20)).float()
    times = []
    for i in tqdm(range(warmup + iters), desc=name, file=sys.stderr):
        start = time.perf_counter()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x), y)
        loss.backward()
        model.zero_grad(set_to_none=True)
        if i >= warmup:
            times.append(time.perf_counter() - start)
    step = sum(times) / len(times)
    return {
        "model": name,
        "params": count_params(model),
        "input": "x".join(map(str, x.shape)),
        "step_s": round(step, 3),
        "per_clip_s": round(step / x.shape[0], 3),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="stgcn,slowfast_r50")
    parser.add_argument("--iters", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # child mode: measure one model
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.iters, args.warmup)))
        return
    rows = []
    for name in args.models.split(","):
        out = subprocess.run(
            [sys.executable, __file__, "--one", name, "--iters", str(args.iters),
             "--warmup", str(args.warmup)],
            cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        rows.append(json.loads(out.stdout))
    print(f"# {platform.processor() or platform.machine()}, {args.iters} timed steps")
    print("| model | params | input | fwd+bwd step (s) | per clip (s) | peak RSS (MiB) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['params']:,} | {r['input']} | {r['step_s']} | "
              f"{r['per_clip_s']} | {r['peak_rss_mib']} |")  # fmt: skip


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
