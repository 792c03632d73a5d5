"""Time the standard evaluator on a submission of the paper's size.

15,004 clips x 20 regions with the split sizes of section 3.3 (train 7,069, val known 1,599,
val new 2,355, test known 1,594, test new 2,360). Those sizes add up to 14,977, 27 fewer than
the paper's 15,004 clips; the 27 are added to train (not scored) so that the file holds
15,004 predictions. Every clip has a prediction. Times the
Python API end to end (JSON parsing + validation + scoring) with and without 1,000 bootstrap
resamples, and the CLI as a user runs it (process start included).

    python benchmarks/bench_evaluator.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.evaluate import evaluate, write_predictions
from musclemap_bench.splits import protocol

VIDEO_CLIPS = 4  # clips per source video
PAPER_TOTAL = 15_004


def paper_sized_split(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tax = load_taxonomy()
    rows = []
    counts = dict(protocol()["paper_clip_counts"])
    counts["train"] += PAPER_TOTAL - sum(counts.values())
    for split, n in counts.items():
        group = "new" if split.endswith("_new") else "known"
        acts = rng.choice(tax.activities_in(group), size=n)
        for i, act in enumerate(acts):
            video = f"{split}-{act}-{i // VIDEO_CLIPS}"
            rows.append((f"{video}_{i:09d}_{i + 1:09d}", video, act, split))
    return pd.DataFrame(rows, columns=["clip_id", "video_id", "activity", "split"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        split = paper_sized_split()
        split_file = tmp / "splits.csv"
        split.to_csv(split_file, index=False)
        preds = tmp / "preds.json"
        write_predictions(
            preds, split["clip_id"].tolist(), np.random.default_rng(1).random((len(split), 20))
        )
        print(f"submission: {len(split)} clips x 20, {preds.stat().st_size / 1e6:.1f} MB")

        def best(fn, repeats):
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
            return min(times), float(np.median(times))

        plain = best(lambda: evaluate(preds, split_file), args.repeats)
        boot = best(lambda: evaluate(preds, split_file, bootstrap=1000), max(1, args.repeats // 2))
        command = [sys.executable, "-m", "musclemap_bench", "evaluate", str(preds)]
        command += ["--splits", str(split_file)]

        def cli_run(*extra: str) -> None:
            subprocess.run([*command, *extra], check=True, capture_output=True)

        cli = best(cli_run, 3)
        cli_boot = best(lambda: cli_run("--bootstrap", "1000"), 1)
    print(f"machine: {platform.processor() or platform.machine()}, {platform.python_version()}")
    print("| measurement | best (s) | median (s) | target |")
    print("|---|---|---|---|")
    print(f"| API evaluate, no bootstrap | {plain[0]:.3f} | {plain[1]:.3f} | < 0.5 s |")
    print(f"| API evaluate, --bootstrap 1000 | {boot[0]:.2f} | {boot[1]:.2f} | < 10 s |")
    print(f"| CLI (process start included), no bootstrap | {cli[0]:.2f} | {cli[1]:.2f} | |")
    print(
        f"| CLI (process start included), --bootstrap 1000 | {cli_boot[0]:.2f} | {cli_boot[1]:.2f} | |"
    )


if __name__ == "__main__":
    main()
