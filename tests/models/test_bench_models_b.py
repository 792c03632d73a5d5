"""The models benchmark script runs end to end on a tiny input, skips unknown models with a
message and writes its JSON atomically."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_models_tiny_run(tmp_path):
    out = tmp_path / "res.json"
    cmd = [sys.executable, "benchmarks/bench_models.py", "--models", "mvitv2_s,no_such_model",
           "--iters", "1", "--frames", "4", "--size", "32", "--skeleton-frames", "4",
           "--json", str(out)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "skip no_such_model: not registered" in proc.stdout + proc.stderr
    assert "| mvitv2_s | 34,245,524 |" in proc.stdout
    (res,) = json.loads(out.read_text())
    assert res["model"] == "mvitv2_s" and res["step_s"] > 0 and res["peak_rss_mib"] > 100
    assert not list(tmp_path.glob(".*tmp*"))
