"""End-to-end `musclemap prepare` / `info`: contract schema, incremental re-runs, failure
recording, refusal to mix extractions, local vs Ray equality, SIGKILL atomicity."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner

from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.cli import main
from musclemap_bench.prepare import codecs

from .conftest import make_dataset, write_video

REPO = Path(__file__).resolve().parents[2]
FAST = ["--modalities", "rgb,rgb_diff,flow", "--no-progress"]


def run_cli(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_index_and_shards_follow_the_contract(moving_dataset, tmp_path):
    out = tmp_path / "out"
    splits = tmp_path / "splits.csv"
    man = pd.read_csv(moving_dataset / "manifest.csv")
    man.assign(video_id=man["clip_id"].str[:5], split="train").to_csv(splits, index=False)
    res = run_cli(
        "prepare", moving_dataset, "--out", out, "--splits", splits, "--workers", 0, *FAST
    )
    assert res.exit_code == 0, res.output
    index = pq.read_table(out / "index.parquet")
    assert index.schema.field("labels").type == pa.list_(pa.uint8())
    assert index.schema.field("num_frames").type == pa.int32()
    df = index.to_pandas()
    assert list(df["status"]) == ["ok"] * 3 and df["split"].eq("train").all()
    assert df["video_id"].tolist() == ["vid00", "vid01", "vid02"]  # derived from clip ids
    expected = load_taxonomy().labels_for(df["activity"])
    assert np.array_equal(np.stack(df["labels"]), expected)
    assert (df[["height", "width", "num_frames"]].to_numpy() == [256, 320, 6]).all()
    meta = json.loads(index.schema.metadata[b"musclemap"])
    assert meta["params"]["fps"] == 30.0 and meta["params"]["flow"]["bound"] == 20.0
    for r in df.itertuples():
        shard = pd.read_parquet(out / r.shard)  # plain pandas, no custom code
        row = shard.iloc[r.row]
        assert row["clip_id"] == r.clip_id and len(row["rgb"]) == r.num_frames
        rgb = codecs.decode_image_rgb(row["rgb"][1])
        assert rgb.shape == (256, 320, 3)
        assert not codecs.decode_image_rgb(row["rgb_diff"][0]).any()
        assert codecs.decode_image_rgb(row["rgb_diff"][1]).mean() > 1
        assert json.loads(pq.read_schema(out / r.shard).metadata[b"musclemap"]) == meta
        assert pq.ParquetFile(out / r.shard).metadata.num_row_groups == len(shard)
    info = run_cli("info", out)
    assert info.exit_code == 0 and "train" in info.output and "flow" in info.output


def test_rerun_is_incremental_and_failures_are_recorded(moving_dataset, tmp_path):
    out = tmp_path / "out"
    (moving_dataset / "broken_000000000_000001000.mp4").write_bytes(b"\x00garbage" * 50)
    man = pd.read_csv(moving_dataset / "manifest.csv")
    extra = pd.DataFrame(
        {"clip_id": ["broken_000000000_000001000", "gone_000000000_000001000"],
         "activity": man["activity"][:2]}
    )  # fmt: skip
    pd.concat([man, extra]).to_csv(moving_dataset / "manifest.csv", index=False)
    res = run_cli("prepare", moving_dataset, "--out", out, "--workers", 0, *FAST)
    assert res.exit_code == 0, res.output
    df = pd.read_parquet(out / "index.parquet").set_index("clip_id")
    assert df["status"].value_counts().to_dict() == {"ok": 3, "failed": 2}
    assert "cannot open video" in df.loc["broken_000000000_000001000", "error"]
    assert df.loc["gone_000000000_000001000", "error"] == "source file not found"
    shards = {p: p.stat().st_mtime_ns for p in (out / "shards").iterdir()}

    res = run_cli("prepare", moving_dataset, "--out", out, "--workers", 0, *FAST)
    assert "0 clip(s) prepared" in res.output and "5 unchanged/skipped" in res.output
    assert {p: p.stat().st_mtime_ns for p in (out / "shards").iterdir()} == shards

    changed = moving_dataset / f"{man['clip_id'][1]}.mp4"
    write_video(changed, np.full((4, 256, 320, 3), 128, np.uint8))
    res = run_cli("prepare", moving_dataset, "--out", out, "--workers", 0, *FAST)
    assert "1 clip(s) prepared" in res.output, res.output
    df2 = pd.read_parquet(out / "index.parquet").set_index("clip_id")
    assert df2.loc[man["clip_id"][1], "num_frames"] == 4
    assert df2.loc[man["clip_id"][0], "shard"] == df.loc[man["clip_id"][0], "shard"]

    res = run_cli("prepare", moving_dataset, "--out", out, "--fps", 25, *FAST)
    assert res.exit_code == 2 and "refusing to mix" in res.output
    assert res.output.count("\n") == 1  # one line, no traceback


def test_bad_input_gives_one_line_error(tmp_path):
    res = run_cli("prepare", tmp_path, "--out", tmp_path / "o", *FAST)
    assert res.exit_code == 2 and res.output.startswith("error:") and "manifest" in res.output
    res = run_cli("prepare", tmp_path, "--out", tmp_path / "o", "--modalities", "depth")
    assert res.exit_code == 2 and "unknown modality 'depth'" in res.output
    res = run_cli("info", tmp_path)
    assert res.exit_code == 2 and "not a prepared dataset" in res.output


def _tables(out: Path) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    index = pd.read_parquet(out / "index.parquet").drop(columns=["source_path"])
    rows = {r.clip_id: pd.read_parquet(out / r.shard).iloc[r.row] for r in index.itertuples()}
    return index, rows


def test_local_and_ray_engines_write_the_same_dataset(moving_dataset, tmp_path):
    a, b = tmp_path / "local", tmp_path / "ray"
    res = run_cli("prepare", moving_dataset, "--out", a, "--workers", 2, *FAST)
    assert res.exit_code == 0, res.output
    res = run_cli("prepare", moving_dataset, "--out", b, "--engine", "ray", "--workers", 2, *FAST)
    assert res.exit_code == 0, res.output
    (ia, ra), (ib, rb) = _tables(a), _tables(b)
    pd.testing.assert_frame_equal(ia, ib)
    for clip in ra:
        for col in ("rgb", "rgb_diff", "flow"):
            assert list(ra[clip][col]) == list(rb[clip][col])
    shards_a = sorted(p.name for p in (a / "shards").iterdir())
    assert shards_a == sorted(p.name for p in (b / "shards").iterdir())
    assert all(name.startswith("part-") for name in shards_a)  # no spool or temporary left


def test_sigkill_leaves_no_partial_shard_and_rerun_completes(tmp_path):
    src = make_dataset(tmp_path / "clips", n=6, frames=30)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "musclemap_bench", "prepare", str(src), "--out", str(out),
           "--workers", "0", "--shard-mb", "0.001", *FAST]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 120
    while not list((out / "shards").glob("part-*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = list((out / "shards").glob("part-*.parquet"))
    assert 1 <= len(done) < 6, "the run should be killed part-way"
    for p in done:  # every visible shard is complete
        assert pq.read_table(p).num_rows == 1
    if (out / "index.parquet").exists():
        pq.read_table(out / "index.parquet")
    res = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    df = pd.read_parquet(out / "index.parquet")
    assert len(df) == 6 and df["status"].eq("ok").all()
    assert all(pq.read_table(out / s).num_rows == 1 for s in df["shard"])
    assert not list((out / "shards").glob(".*")), "the killed run's temporary shard remains"
