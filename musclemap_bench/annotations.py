"""The muscle taxonomy (20 regions) and the 135 annotated activities.

Everything is read from `annotations/regions.csv` and `annotations/activities.csv`; nothing
about regions or activities is typed anywhere else in the code. The region order of
regions.csv is the canonical column order of every label and prediction vector."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from musclemap_bench.errors import ManifestError
from musclemap_bench.resources import annotations_dir

GROUPS = ("known", "new")


@dataclass(frozen=True)
class Taxonomy:
    """Regions and activities with their binary region labels."""

    regions: pd.DataFrame  # index, key, name, muscles
    activities: pd.DataFrame  # key, name, group, category, query, source, <20 region keys>

    @property
    def region_keys(self) -> list[str]:
        return list(self.regions["key"])

    @property
    def region_names(self) -> list[str]:
        return list(self.regions["name"])

    @property
    def num_regions(self) -> int:
        return len(self.regions)

    @property
    def activity_keys(self) -> list[str]:
        return list(self.activities["key"])

    def group_of(self, activity: str) -> str:
        """'known' or 'new'."""
        return str(self._by_key.loc[activity, "group"])

    def activities_in(self, group: str) -> list[str]:
        return list(self.activities.loc[self.activities["group"] == group, "key"])

    @property
    def _by_key(self) -> pd.DataFrame:
        return self.activities.set_index("key")

    def label_matrix(self) -> np.ndarray:
        """(num_activities, num_regions) uint8 matrix in activities.csv row order."""
        return self.activities[self.region_keys].to_numpy(dtype=np.uint8)

    def labels_for(self, activities) -> np.ndarray:
        """(len(activities), num_regions) uint8 labels for a sequence of activity keys."""
        acts = pd.Index(self.activities["key"])
        pos = acts.get_indexer(list(activities))
        if (pos < 0).any():
            bad = next(a for a, p in zip(activities, pos, strict=True) if p < 0)
            raise ManifestError(f"unknown activity {bad!r} (not in annotations/activities.csv)")
        return self.label_matrix()[pos]

    def check_activities(self, activities) -> None:
        """Raise ManifestError naming the first activity key that is not annotated."""
        known = set(self.activities["key"])
        for a in activities:
            if a not in known:
                raise ManifestError(f"unknown activity {a!r} (not in annotations/activities.csv)")


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(annotations_dir() / name, dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def load_taxonomy() -> Taxonomy:
    """Load and validate regions.csv and activities.csv (cached)."""
    regions = _read("regions.csv")
    regions["index"] = regions["index"].astype(int)
    if list(regions["index"]) != list(range(len(regions))):
        raise ValueError("regions.csv: index column must be 0..N-1 in order")
    activities = _read("activities.csv")
    keys = list(regions["key"])
    missing = [k for k in keys if k not in activities.columns]
    if missing:
        raise ValueError(f"activities.csv lacks region columns {missing}")
    activities[keys] = activities[keys].astype(np.uint8)
    if not set(activities["group"]) <= set(GROUPS):
        raise ValueError("activities.csv: group must be 'known' or 'new'")
    return Taxonomy(regions=regions, activities=activities)


def region_keys() -> list[str]:
    """The 20 region keys in canonical order."""
    return load_taxonomy().region_keys


def num_regions() -> int:
    """Number of muscle regions (20): the output size of every model."""
    return load_taxonomy().num_regions
