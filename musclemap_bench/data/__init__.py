"""Data loading from prepared shards: `MuscleMapDataset`, its `DataConfig`, and the reader of
a prepared dataset folder (`open_prepared`)."""

from musclemap_bench.data.dataset import VIDEO_MODALITIES, DataConfig, MuscleMapDataset
from musclemap_bench.data.prepared import MODALITIES, PreparedData, open_prepared

__all__ = [
    "MODALITIES",
    "VIDEO_MODALITIES",
    "DataConfig",
    "MuscleMapDataset",
    "PreparedData",
    "open_prepared",
]
