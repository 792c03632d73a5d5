"""DistributedDataParallel through torchrun: 2 CPU processes, gloo backend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch
from conftest import small_overrides

ROOT = Path(__file__).resolve().parents[2]


def test_two_process_gloo_replicas_stay_equal(prepared, tmp_path):
    out = tmp_path / "ddp"
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
        str(Path(__file__).with_name("ddp_worker.py")), str(prepared), str(out),
        *small_overrides(schedule__epochs=1, train__batch_size=2),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r0, r1 = (torch.load(out / f"rank{r}.pt") for r in (0, 1))
    moved = False
    for k, v in r0["final"].items():
        assert torch.equal(v, r1["final"][k]), f"replicas differ in {k}"
        moved |= not torch.equal(v, r0["initial"][k])
    assert moved, "no parameter changed: no training step happened"
    (line,) = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    # 11 train clips over 2 ranks: 6 per rank (padded), 3 batches of 2 per rank.
    assert line["world_size"] == 2 and line["replicas_equal"] is True and line["global_step"] == 3
    assert set(line["val"]) == {"val_known", "val_new", "mean_val"}
