"""CTR-GCN (Chen et al., ICCV 2021): channel-wise topology refinement graph convolution, on the
COCO-17 skeleton.

Layout of the authors' implementation: input BatchNorm over (M x V x C), ten TCN-GCN units
(64 x4, 128/2 x3, 256/2 x3), each a CTR graph convolution over the 3-partition graph
(identity, inward, outward; a learnable copy of the adjacency refined per channel) and a
multi-scale temporal convolution (two dilated 5x1 branches, a max-pool branch and a 1x1
branch); global average pooling over time, joints and persons. About 1.43M parameters with 20
classes."""

from __future__ import annotations

import torch
from torch import nn

from musclemap_bench.errors import InputError
from musclemap_bench.models._layers import check_skeleton
from musclemap_bench.models.graph import adjacency
from musclemap_bench.models.heads import ClassifierHead
from musclemap_bench.models.registry import ModelSpec

# (out channels, temporal stride) of units 2..10; unit 1 maps in_channels -> 64 without residual.
_UNITS = ((64, 1), (64, 1), (64, 1), (128, 2), (128, 1), (128, 1), (256, 2), (256, 1), (256, 1))


def _bn(channels: int, scale: float = 1.0) -> nn.BatchNorm2d:
    bn = nn.BatchNorm2d(channels)
    nn.init.constant_(bn.weight, scale)
    return bn


class CTRGC(nn.Module):
    """One channel-wise topology refinement: per-channel correlations of joint embeddings,
    added (scaled by alpha) to the shared adjacency, aggregate the transformed features."""

    def __init__(self, in_channels: int, out_channels: int, reduction: int = 8):
        super().__init__()
        # The authors use a fixed small embedding for raw coordinates (3 or 9 input channels).
        rel = 8 if in_channels in (3, 9) else in_channels // reduction
        self.conv1 = nn.Conv2d(in_channels, rel, 1)
        self.conv2 = nn.Conv2d(in_channels, rel, 1)
        self.conv3 = nn.Conv2d(in_channels, out_channels, 1)
        self.conv4 = nn.Conv2d(rel, out_channels, 1)
        self.tanh = nn.Tanh()

    def forward(self, x: torch.Tensor, a: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
        x1, x2 = self.conv1(x).mean(-2), self.conv2(x).mean(-2)  # N, R, V (temporal mean)
        rel = self.tanh(x1.unsqueeze(-1) - x2.unsqueeze(-2))  # N, R, V, V
        topo = self.conv4(rel) * alpha + a[None, None]  # N, C, V, V
        return torch.einsum("ncuv,nctv->nctu", topo, self.conv3(x))


class UnitGCN(nn.Module):
    """Sum of CTRGCs over the partitions, BN, residual (projected if widths differ), ReLU."""

    def __init__(self, in_channels: int, out_channels: int, a: torch.Tensor):
        super().__init__()
        self.convs = nn.ModuleList(CTRGC(in_channels, out_channels) for _ in range(a.shape[0]))
        self.PA = nn.Parameter(a.clone())  # learnable adjacency (the authors' adaptive mode)
        self.alpha = nn.Parameter(torch.zeros(1))
        if in_channels != out_channels:
            self.down = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1), _bn(out_channels))
        else:
            self.down = nn.Identity()
        self.bn = _bn(out_channels, 1e-6)  # near-zero init: each unit starts close to its skip
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = sum(conv(x, self.PA[i], self.alpha) for i, conv in enumerate(self.convs))
        return self.relu(self.bn(y) + self.down(x))


class TemporalConv(nn.Sequential):
    """k x 1 temporal convolution (optionally dilated) + BN."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, stride: int = 1,
                 dilation: int = 1):  # fmt: skip
        pad = (kernel + (kernel - 1) * (dilation - 1) - 1) // 2
        super().__init__(
            nn.Conv2d(in_channels, out_channels, (kernel, 1), (stride, 1), (pad, 0), (dilation, 1)),
            _bn(out_channels),
        )


class MultiScaleTemporalConv(nn.Module):
    """Four parallel branches of out/4 channels: two dilated 5x1 convs (dilations 1, 2), a 3x1
    max-pool and a strided 1x1, concatenated."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, kernel: int = 5,
                 dilations: tuple[int, ...] = (1, 2)):  # fmt: skip
        super().__init__()
        branches = len(dilations) + 2
        if out_channels % branches:
            raise ValueError(f"out_channels {out_channels} not divisible by {branches} branches")
        bc = out_channels // branches

        def entry() -> list[nn.Module]:
            return [nn.Conv2d(in_channels, bc, 1), _bn(bc), nn.ReLU(inplace=True)]

        self.branches = nn.ModuleList(
            [nn.Sequential(*entry(), TemporalConv(bc, bc, kernel, stride, d)) for d in dilations]
            + [
                nn.Sequential(*entry(), nn.MaxPool2d((3, 1), (stride, 1), (1, 0)), _bn(bc)),
                nn.Sequential(nn.Conv2d(in_channels, bc, 1, (stride, 1)), _bn(bc)),
            ]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([b(x) for b in self.branches], dim=1)


class TCNGCNUnit(nn.Module):
    """CTR graph conv -> multi-scale temporal conv, plus residual, ReLU."""

    def __init__(self, in_channels: int, out_channels: int, a: torch.Tensor, stride: int = 1,
                 residual: bool = True):  # fmt: skip
        super().__init__()
        self.gcn1 = UnitGCN(in_channels, out_channels, a)
        self.tcn1 = MultiScaleTemporalConv(out_channels, out_channels, stride)
        if not residual:
            self.residual = None
        elif in_channels == out_channels and stride == 1:
            self.residual = nn.Identity()
        else:
            self.residual = TemporalConv(in_channels, out_channels, 1, stride)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.tcn1(self.gcn1(x))
        if self.residual is not None:
            y = y + self.residual(x)
        return self.relu(y)


class CTRGCN(nn.Module):
    """CTR-GCN classifier: skeleton B x C x T x V x M -> B x num_classes."""

    def __init__(self, num_classes: int = 20, in_channels: int = 3, num_person: int = 2,
                 dropout: float = 0.0, head: str = "sigmoid"):  # fmt: skip
        super().__init__()
        a = torch.from_numpy(adjacency("spatial"))
        v = a.shape[1]
        self.in_channels, self.num_joints, self.num_person = in_channels, v, num_person
        self.data_bn = nn.BatchNorm1d(num_person * in_channels * v)
        units = [TCNGCNUnit(in_channels, 64, a, residual=False)]
        width = 64
        for out, stride in _UNITS:
            units.append(TCNGCNUnit(width, out, a, stride))
            width = out
        self.units = nn.Sequential(*units)
        self.head = ClassifierHead(width, num_classes, dropout=dropout, head=head)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_skeleton(x, "ctrgcn", self.in_channels, self.num_joints)
        n, c, t, v, m = x.shape
        if m != self.num_person:
            raise InputError(f"ctrgcn was built for {self.num_person} persons, got M={m}")
        x = x.permute(0, 4, 3, 1, 2).reshape(n, m * v * c, t)
        x = self.data_bn(x).view(n, m, v, c, t).permute(0, 1, 3, 4, 2).reshape(n * m, c, t, v)
        x = self.units(x)
        x = x.mean(dim=(2, 3)).view(n, m, -1).mean(dim=1)
        return self.head(x)


def build_ctrgcn(num_classes: int = 20, **kwargs) -> CTRGCN:
    """CTR-GCN with the registry's defaults."""
    return CTRGCN(num_classes=num_classes, **kwargs)


MODELS = {
    "ctrgcn": ModelSpec(
        "ctrgcn", "skeleton", build_ctrgcn, ("skeleton",),
        # Prepared skeletons hold one person (the main athlete); num_person=2 (pyskl's
        # default) gives the reference count 1,426,216 (+102 input-BN parameters).
        defaults={"num_person": 1, "dropout": 0.0, "head": "sigmoid"},
        paper_params=1.4e6, reference_params=1_426_216,
        description="CTR-GCN, 3-partition COCO-17 graph",
    ),
}  # fmt: skip
