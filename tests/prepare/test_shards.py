"""ShardWriter: clips stream into a hidden temporary shard that becomes visible only when
complete; spooled clips (local workers' hand-over files) round-trip exactly."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq

from musclemap_bench.prepare.shards import (
    SPOOL,
    ShardWriter,
    clip_table,
    load_spooled,
    read_metadata,
    remove_partial_shards,
    shard_columns,
    spool_clip,
)


def _clip(i: int) -> dict:
    rng = np.random.default_rng(i)
    return {
        "rgb": [rng.bytes(1000 + i) for _ in range(3)],
        "skeleton": rng.random(3 * 17 * 3).astype(np.float32),
    }


def test_shards_appear_only_when_complete_and_rows_follow_clip_order(tmp_path):
    cols = shard_columns(("rgb", "skeleton"), "mmpose")
    writer = ShardWriter(tmp_path, cols, {"params": {"x": 1}}, target_bytes=5000)
    assert writer.add(clip_table("c0", _clip(0))) == []
    assert not list((tmp_path / "shards").glob("part-*.parquet"))  # still being written
    assert len(list((tmp_path / "shards").glob(".part-*"))) == 1
    placed = writer.add(clip_table("c1", _clip(1)))  # 2 x 3 x ~1000 bytes > 5000: closes
    assert placed == [
        ("c0", "shards/part-00000.parquet", 0),
        ("c1", "shards/part-00000.parquet", 1),
    ]
    assert writer.add(clip_table("c2", _clip(2))) == []
    assert writer.flush() == [("c2", "shards/part-00001.parquet", 0)]
    assert sorted(p.name for p in (tmp_path / "shards").iterdir()) == [
        "part-00000.parquet",
        "part-00001.parquet",
    ]
    pf = pq.ParquetFile(tmp_path / "shards/part-00000.parquet")
    assert pf.metadata.num_row_groups == 2  # one row group per clip: random access by clip
    table = pf.read()
    assert table.column_names == cols
    assert table["rgb"][1].as_py() == _clip(1)["rgb"]
    assert table["skeleton_box"].null_count == 2  # a column the clips lack is null
    np.testing.assert_array_equal(table["skeleton"][0].values.to_numpy(), _clip(0)["skeleton"])
    assert read_metadata(tmp_path / "shards/part-00001.parquet") == {"params": {"x": 1}}


def test_abort_and_cleanup_leave_no_partial_files(tmp_path):
    writer = ShardWriter(tmp_path, ["clip_id", "rgb"], {}, target_bytes=10**9)
    writer.add(clip_table("c0", {"rgb": [b"abc"]}))
    writer.abort()
    assert list((tmp_path / "shards").iterdir()) == []
    # what a SIGKILLed run leaves: a temporary shard and a spooled clip
    spool = tmp_path / SPOOL
    spool.mkdir(parents=True)
    (tmp_path / "shards/.part-00000.parquet.tmp-abc.parquet").write_bytes(b"partial")
    path = spool_clip(clip_table("c1", {"rgb": [b"xyz"]}), spool)
    assert load_spooled(path)["rgb"][0].as_py() == [b"xyz"]
    assert remove_partial_shards(tmp_path) == 2
    assert list(spool.iterdir()) == [] and ShardWriter(tmp_path, ["clip_id"], {}, 1).part == 0
