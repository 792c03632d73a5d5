"""Small pieces shared by the model families of part A: input checks, stochastic depth and
parameter counting. (Leading underscore: the registry does not treat this as a family.)"""

from __future__ import annotations

import torch
from torch import nn

from musclemap_bench.errors import InputError


def check_video(x: torch.Tensor, model: str) -> None:
    """A video batch is B x 3 x T x H x W."""
    if x.dim() != 5 or x.shape[1] != 3:
        raise InputError(f"{model} expects video B x 3 x T x H x W, got shape {tuple(x.shape)}")


def check_skeleton(x: torch.Tensor, model: str, in_channels: int, num_joints: int) -> None:
    """A skeleton batch is B x C x T x V x M."""
    if x.dim() != 5 or x.shape[1] != in_channels or x.shape[3] != num_joints:
        raise InputError(
            f"{model} expects skeleton B x {in_channels} x T x {num_joints} x M, "
            f"got shape {tuple(x.shape)}"
        )


def count_params(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters (optionally only those with requires_grad)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


class DropPath(nn.Module):
    """Stochastic depth: drop the whole residual branch per sample while training."""

    def __init__(self, p: float = 0.0):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.p == 0.0 or not self.training:
            return x
        keep = 1.0 - self.p
        mask = x.new_empty((x.shape[0],) + (1,) * (x.dim() - 1)).bernoulli_(keep)
        return x * mask / keep

    def extra_repr(self) -> str:
        return f"p={self.p}"
