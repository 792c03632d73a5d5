"""Stored optical flow recovers a known translation (mean endpoint error, after PNG
quantisation and decoding as documented)."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest

from musclemap_bench.prepare import codecs
from musclemap_bench.prepare.config import PrepareConfig
from musclemap_bench.prepare.flow import FlowBackend
from musclemap_bench.prepare.pipeline import prepare

from .conftest import SHIFT, moving_frames


def epe(flow: np.ndarray, shift) -> float:
    m = 16  # ignore borders, where content enters the frame
    inner = flow[m:-m, m:-m]
    return float(np.linalg.norm(inner - np.asarray(shift, np.float32), axis=-1).mean())


def test_dis_flow_through_prepare_recovers_translation(moving_dataset, tmp_path):
    out = tmp_path / "out"
    cfg = PrepareConfig(modalities=("flow",))
    counts = prepare(moving_dataset, out, cfg, workers=0, progress=False)
    assert counts["ok"] == 3
    index = pq.read_table(out / "index.parquet").to_pandas()
    shard = pq.read_table(out / index["shard"][0]).to_pandas().set_index("clip_id")
    flows = shard.loc[index["clip_id"][0], "flow"]
    assert len(flows) == index["num_frames"][0] == 6
    # frame 0: zero flow, i.e. within half a quantisation step (0 is not on the 8-bit grid)
    assert np.abs(codecs.decode_flow(flows[0], 20.0)).max() <= 20.0 / 255 + 1e-6
    errors = [epe(codecs.decode_flow(f, 20.0), SHIFT) for f in flows[1:]]
    assert max(errors) < 0.3, errors


@pytest.mark.parametrize("method", ["dis", "tvl1"])
def test_flow_backends_on_known_shift(method):
    frames = moving_frames(2, shift=(2, -1), size=(96, 80))
    flow = list(FlowBackend(method).clip(frames))[1]
    assert epe(flow, (2, -1)) < 0.3
