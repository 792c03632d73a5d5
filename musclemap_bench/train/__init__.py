"""Training (`musclemap train`): configuration, the loop, checkpoints, DDP helpers."""

from musclemap_bench.train.config import build_config, default_config
from musclemap_bench.train.loop import Trainer

__all__ = ["Trainer", "build_config", "default_config"]
