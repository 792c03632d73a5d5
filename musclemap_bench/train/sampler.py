"""A resumable, distributed sampler: a permutation that depends only on (seed, epoch), split
across ranks, which can start part-way through an epoch.

torch's DistributedSampler cannot start mid-epoch and RandomSampler draws from the global RNG;
both would break exact resumption."""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch.utils.data import Sampler


class ResumableSampler(Sampler[int]):
    """Indices of one epoch for one rank, from batch `start_batch` on."""

    def __init__(
        self, n: int, shuffle: bool, seed: int, rank: int = 0, world: int = 1, pad: bool = True
    ):
        self.n, self.shuffle, self.seed = n, shuffle, seed
        self.rank, self.world, self.pad = rank, world, pad
        self.epoch = 0
        self.start = 0

    def set_epoch(self, epoch: int, start: int = 0) -> None:
        """Select the epoch's permutation and skip its first `start` indices of this rank."""
        self.epoch, self.start = epoch, start

    def _indices(self) -> list[int]:
        if self.shuffle:
            g = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
            order = torch.randperm(self.n, generator=g).tolist()
        else:
            order = list(range(self.n))
        if self.pad and self.world > 1:
            # Equal length on every rank (DDP needs the same number of steps), as
            # DistributedSampler does: repeat indices from the start.
            total = -(-self.n // self.world) * self.world
            order = (order * (total // max(self.n, 1) + 1))[:total]
        return order[self.rank :: self.world]

    def per_rank(self) -> int:
        """Indices this rank sees in a whole epoch."""
        return len(self._indices())

    def __iter__(self) -> Iterator[int]:
        return iter(self._indices()[self.start :])

    def __len__(self) -> int:
        return max(self.per_rank() - self.start, 0)
