"""ST-GCN (Yan et al., AAAI 2018) on the COCO-17 skeleton.

Layout of the original implementation: input BatchNorm over (V x C), ten ST-GCN blocks
(64, 64, 64, 64, 128/2, 128, 128, 256/2, 256, 256), each a graph convolution (1x1 conv to K x C
channels, then aggregation with the adjacency times a learnable edge-importance mask) and a
9x1 temporal convolution, with residual connections; global average pooling over time, joints
and persons. Default: the single-partition ("uniform") graph with edge importance, as the
paper's reference count (about 2.64M with 20 classes) implies."""

from __future__ import annotations

import torch
from torch import nn

from musclemap_bench.models._layers import check_skeleton
from musclemap_bench.models.graph import adjacency
from musclemap_bench.models.heads import ClassifierHead
from musclemap_bench.models.registry import ModelSpec

# (in, out, temporal stride) of the ten blocks after the first; the first is (in_channels, 64).
_BLOCKS = ((64, 64, 1), (64, 64, 1), (64, 64, 1), (64, 128, 2), (128, 128, 1), (128, 128, 1),
           (128, 256, 2), (256, 256, 1), (256, 256, 1))  # fmt: skip


class GraphConv(nn.Module):
    """Spatial graph convolution: sum_k (W_k x) A_k over K partitions."""

    def __init__(self, in_channels: int, out_channels: int, num_partitions: int):
        super().__init__()
        self.k = num_partitions
        self.conv = nn.Conv2d(in_channels, out_channels * num_partitions, kernel_size=1)

    def forward(self, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        n, _, t, v = x.shape
        x = self.conv(x).view(n, self.k, -1, t, v)
        return torch.einsum("nkctv,kvw->nctw", x, a)


class STGCNBlock(nn.Module):
    """Graph conv -> BN-ReLU-temporal conv (9x1)-BN-Dropout, plus residual, then ReLU."""

    def __init__(self, in_channels: int, out_channels: int, num_partitions: int, stride: int = 1,
                 residual: bool = True, dropout: float = 0.0, temporal_kernel: int = 9):  # fmt: skip
        super().__init__()
        pad = (temporal_kernel - 1) // 2
        self.gcn = GraphConv(in_channels, out_channels, num_partitions)
        self.tcn = nn.Sequential(
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, (temporal_kernel, 1), (stride, 1), (pad, 0)),
            nn.BatchNorm2d(out_channels),
            nn.Dropout(dropout, inplace=True),
        )
        if not residual:
            self.residual = None
        elif in_channels == out_channels and stride == 1:
            self.residual = nn.Identity()
        else:
            self.residual = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, (stride, 1)), nn.BatchNorm2d(out_channels)
            )
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        y = self.tcn(self.gcn(x, a))
        if self.residual is not None:
            y = y + self.residual(x)
        return self.relu(y)


class STGCN(nn.Module):
    """ST-GCN classifier: skeleton B x C x T x V x M -> B x num_classes."""

    def __init__(self, num_classes: int = 20, in_channels: int = 3, graph: str = "uniform",
                 edge_importance: bool = True, dropout: float = 0.0, block_dropout: float = 0.5,
                 head: str = "sigmoid", base_channels: int = 64):  # fmt: skip
        super().__init__()
        a = torch.from_numpy(adjacency(graph))
        self.register_buffer("A", a)
        k, v = a.shape[0], a.shape[1]
        self.in_channels, self.num_joints = in_channels, v
        self.data_bn = nn.BatchNorm1d(in_channels * v)
        # base_channels scales every block's width (64 = the published ST-GCN); smaller values
        # give the CPU-sized variant the demo trains.
        w = base_channels / 64
        specs = ((in_channels, base_channels, 1),) + tuple(
            (int(i * w), int(o * w), st) for i, o, st in _BLOCKS
        )
        self.blocks = nn.ModuleList(
            STGCNBlock(i, o, k, s, residual=n > 0, dropout=block_dropout)
            for n, (i, o, s) in enumerate(specs)
        )
        # Learnable per-block mask on the adjacency (ones = the plain graph).
        self.edge_importance = nn.ParameterList(
            nn.Parameter(torch.ones_like(a), requires_grad=edge_importance) for _ in specs
        )
        self.head = ClassifierHead(specs[-1][1], num_classes, dropout=dropout, head=head)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_skeleton(x, "stgcn", self.in_channels, self.num_joints)
        n, c, t, v, m = x.shape
        # BN per (joint, channel), persons folded into the batch as in the original code.
        x = x.permute(0, 4, 3, 1, 2).reshape(n * m, v * c, t)
        x = self.data_bn(x).view(n * m, v, c, t).permute(0, 2, 3, 1)  # NM, C, T, V
        for block, importance in zip(self.blocks, self.edge_importance, strict=True):
            x = block(x, self.A * importance)
        x = x.mean(dim=(2, 3)).view(n, m, -1).mean(dim=1)
        return self.head(x)


def build_stgcn(num_classes: int = 20, **kwargs) -> STGCN:
    """ST-GCN with the registry's defaults (uniform graph, edge importance)."""
    return STGCN(num_classes=num_classes, **kwargs)


MODELS = {
    "stgcn": ModelSpec(
        "stgcn", "skeleton", build_stgcn, ("skeleton",),
        defaults={"graph": "uniform", "edge_importance": True, "dropout": 0.0, "block_dropout": 0.5,
                  "head": "sigmoid"},
        paper_params=2.6e6, reference_params=2_635_268,
        description="ST-GCN, single-partition COCO-17 graph with edge importance",
    ),
}  # fmt: skip
