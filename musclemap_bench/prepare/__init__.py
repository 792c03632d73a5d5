"""`musclemap prepare`: decode clips once and store RGB, RGB difference, optical flow and 2D
skeletons in Parquet shards (see docs/prepare.md for the on-disk contract)."""

from musclemap_bench.prepare.config import MODALITIES, PrepareConfig

__all__ = ["MODALITIES", "PrepareConfig"]
