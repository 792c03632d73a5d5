"""Tiny models for CPU demos and tests: a small 3D-conv video net and a small spatial-temporal
graph net on COCO-17 skeletons. Both end in the shared ClassifierHead (sigmoid by default,
`head="softmax"` for the paper's option). They are not reference models of the paper."""

from __future__ import annotations

import torch
from torch import nn

from musclemap_bench.models.graph import coco17_edges
from musclemap_bench.models.heads import ClassifierHead
from musclemap_bench.models.registry import ModelSpec

NUM_JOINTS = 17


def coco17_adjacency() -> torch.Tensor:
    """Symmetrically normalised adjacency D^-1/2 (A + I) D^-1/2 of the COCO-17 skeleton."""
    a = torch.eye(NUM_JOINTS)
    for i, j in coco17_edges("inward"):
        a[i, j] = a[j, i] = 1.0
    d = a.sum(1).rsqrt()
    return d[:, None] * a * d[None, :]


class TinyVideoNet(nn.Module):
    """Three strided Conv3d-BN-ReLU stages, global average pooling, classifier head.
    Input B x C x T x H x W."""

    def __init__(
        self,
        num_classes: int,
        in_channels: int = 3,
        widths: tuple[int, ...] = (16, 32, 64),
        dropout: float = 0.5,
        head: str = "sigmoid",
    ):
        super().__init__()
        layers: list[nn.Module] = []
        c = in_channels
        for i, w in enumerate(widths):
            stride = (1, 2, 2) if i == 0 else (2, 2, 2)
            layers += [
                nn.Conv3d(c, w, 3, stride, 1, bias=False),
                nn.BatchNorm3d(w),
                nn.ReLU(inplace=True),
            ]
            c = w
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool3d(1)
        self.head = ClassifierHead(c, num_classes, dropout=dropout, head=head)

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        return self.head(self.pool(self.features(video)).flatten(1))


class _GraphTemporalBlock(nn.Module):
    """Graph convolution over joints (fixed adjacency x learnable edge importance), then a
    temporal convolution, with a residual connection."""

    def __init__(self, c_in: int, c_out: int, kernel_t: int = 5, stride_t: int = 1):
        super().__init__()
        self.register_buffer("adjacency", coco17_adjacency())
        self.importance = nn.Parameter(torch.ones(NUM_JOINTS, NUM_JOINTS))
        self.spatial = nn.Conv2d(c_in, c_out, 1)
        self.temporal = nn.Sequential(
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True),
            nn.Conv2d(c_out, c_out, (kernel_t, 1), (stride_t, 1), (kernel_t // 2, 0)),
            nn.BatchNorm2d(c_out),
        )
        self.residual = (
            nn.Identity()
            if c_in == c_out and stride_t == 1
            else nn.Sequential(nn.Conv2d(c_in, c_out, 1, (stride_t, 1)), nn.BatchNorm2d(c_out))
        )
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: N x C x T x V
        a = self.adjacency * self.importance
        y = torch.einsum("nctv,vw->nctw", self.spatial(x), a)
        return self.relu(self.temporal(y) + self.residual(x))


class TinySkeletonNet(nn.Module):
    """A small ST-GCN-style net. Input B x C x T x V x M (C = x, y, score; V = 17 COCO joints;
    M persons, averaged after the blocks)."""

    def __init__(
        self,
        num_classes: int,
        in_channels: int = 3,
        widths: tuple[int, ...] = (32, 64),
        dropout: float = 0.5,
        head: str = "sigmoid",
    ):
        super().__init__()
        self.data_bn = nn.BatchNorm1d(in_channels * NUM_JOINTS)
        blocks = []
        c = in_channels
        for i, w in enumerate(widths):
            blocks.append(_GraphTemporalBlock(c, w, stride_t=1 if i == 0 else 2))
            c = w
        self.blocks = nn.Sequential(*blocks)
        self.head = ClassifierHead(c, num_classes, dropout=dropout, head=head)

    def forward(self, skeleton: torch.Tensor) -> torch.Tensor:
        b, c, t, v, m = skeleton.shape
        # Persons become batch entries; BatchNorm over (channel, joint) as in ST-GCN.
        x = skeleton.permute(0, 4, 1, 3, 2).reshape(b * m, c * v, t)
        x = self.data_bn(x).reshape(b * m, c, v, t).permute(0, 1, 3, 2)
        x = self.blocks(x)
        x = x.mean(dim=(2, 3)).reshape(b, m, -1).mean(1)
        return self.head(x)


MODELS = {
    "tiny_video": ModelSpec(
        "tiny_video",
        "tiny",
        TinyVideoNet,
        ("video",),
        {"in_channels": 3, "widths": (16, 32, 64), "dropout": 0.5, "head": "sigmoid"},
        description="3-stage 3D-conv net (~72k params) for CPU demos and tests",
    ),
    "tiny_skeleton": ModelSpec(
        "tiny_skeleton",
        "tiny",
        TinySkeletonNet,
        ("skeleton",),
        {"in_channels": 3, "widths": (32, 64), "dropout": 0.5, "head": "sigmoid"},
        description="2-block graph/temporal conv net on COCO-17 skeletons for CPU demos and tests",
    ),
}
