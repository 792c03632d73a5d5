"""HD-GCN (Lee et al., ICCV 2023) on COCO-17 skeletons, in plain PyTorch.

Hierarchically decomposed graph: joints are grouped by their hop distance from a centre
(for COCO-17 the two hips, the closest joints to the centre of mass), and each pair of
neighbouring groups gives one hierarchy layer with three adjacency subsets (identity,
centre-to-limb edges, limb-to-centre edges). Each graph convolution runs every layer's
subsets plus an EdgeConv (k-NN in feature space), and the attention-guided hierarchy
aggregation (AHA) weights the layers. Temporal modelling is the multi-scale TCN of CTR-GCN.

The paper's Table 2 quotes 0.8M parameters; the published architecture has 1,649,700 on
NTU-25 and about 1.44M on COCO-17 with 20 classes, so 0.8M is not reachable without changing
the architecture (see docs/models.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from musclemap_bench.errors import InputError
from musclemap_bench.models.graph import coco17_edges
from musclemap_bench.models.heads import ClassifierHead
from musclemap_bench.models.registry import ModelSpec

# The COCO-17 skeleton of models/graph.py (one definition for every GCN).
COCO17_EDGES: tuple[tuple[int, int], ...] = tuple(coco17_edges("inward"))
COCO17_NUM_JOINTS = 17
COCO17_CENTRE = (11, 12)  # hips: nearest joints to the body's centre of mass


def hierarchy_groups(
    edges: Sequence[tuple[int, int]], num_joints: int, centre: Sequence[int]
) -> list[list[int]]:
    """Joints grouped by hop distance from the centre joints (breadth-first search)."""
    neighbours: dict[int, set[int]] = {j: set() for j in range(num_joints)}
    for a, b in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    groups, seen, frontier = [], set(centre), sorted(centre)
    while frontier:
        groups.append(frontier)
        nxt = sorted({n for j in frontier for n in neighbours[j]} - seen)
        seen.update(nxt)
        frontier = nxt
    if len(seen) != num_joints:
        raise ValueError("skeleton graph is not connected")
    return groups


def _normalize_columns(a: np.ndarray) -> np.ndarray:
    deg = a.sum(0)
    inv = np.where(deg > 0, 1.0 / np.maximum(deg, 1e-12), 0.0)
    return a @ np.diag(inv)


def hierarchical_adjacency(groups: list[list[int]], num_joints: int) -> np.ndarray:
    """L x 3 x V x V adjacency, L = len(groups) - 1. Layer i links group i and group i+1:
    subset 0 the identity on both groups, 1 the centre->outer edges of that pair, 2 the
    outer->centre edges of the mirrored pair (as in HD-GCN's edge sets), column-normalised."""
    num_layers = len(groups) - 1
    a = np.zeros((num_layers, 3, num_joints, num_joints), dtype=np.float32)
    for i in range(num_layers):
        for j in groups[i] + groups[i + 1]:
            a[i, 0, j, j] = 1.0
        fwd = np.zeros((num_joints, num_joints), dtype=np.float32)
        for j in groups[i]:
            for k in groups[i + 1]:
                fwd[k, j] = 1.0
        rev = np.zeros((num_joints, num_joints), dtype=np.float32)
        outer, inner = groups[num_layers - i], groups[num_layers - i - 1]
        for j in outer:
            for k in inner:
                rev[k, j] = 1.0
        a[i, 1] = _normalize_columns(fwd)
        a[i, 2] = _normalize_columns(rev)
    return a


def _conv_bn(cin: int, cout: int, relu: bool = False) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, 1), nn.BatchNorm2d(cout)]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class EdgeConv(nn.Module):
    """Dynamic-graph edge convolution: k nearest neighbours in feature space, max over k."""

    def __init__(self, channels: int, k: int):
        super().__init__()
        self.k = k
        self.conv = nn.Sequential(
            nn.Conv2d(channels * 2, channels, 1, bias=False),
            nn.BatchNorm2d(channels),
            nn.LeakyReLU(0.2, inplace=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: N x C x V (nodes) or N x C x T x V (averaged over T, repeated back)
        frames = x.shape[2] if x.ndim == 4 else None
        if frames is not None:
            x = x.mean(2)
        k = min(self.k, x.shape[-1])
        dist = torch.cdist(x.transpose(1, 2), x.transpose(1, 2))
        idx = dist.topk(k, dim=-1, largest=False).indices  # N x V x k
        xt = x.transpose(1, 2)  # N x V x C
        nbr = torch.gather(
            xt.unsqueeze(1).expand(-1, xt.shape[1], -1, -1),
            2,
            idx.unsqueeze(-1).expand(-1, -1, -1, xt.shape[2]),
        )  # N x V x k x C
        centre = xt.unsqueeze(2).expand_as(nbr)
        feat = torch.cat((nbr - centre, centre), dim=3).permute(0, 3, 1, 2)
        out = self.conv(feat).max(dim=-1).values  # N x C x V
        if frames is not None:
            out = out.unsqueeze(2).expand(-1, -1, frames, -1)
        return out


class AHA(nn.Module):
    """Attention-guided hierarchy aggregation: one weight per channel and hierarchy layer."""

    def __init__(self, channels: int, groups: list[list[int]]):
        super().__init__()
        inter = channels // 4
        self.layers = [groups[i] + groups[i + 1] for i in range(len(groups) - 1)]
        self.conv_down = _conv_bn(channels, inter, relu=True)
        self.edge_conv = EdgeConv(inter, k=3)
        self.aggregate = nn.Conv1d(inter, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, num_layers, _, _ = x.shape
        xt = self.conv_down(x.max(dim=3).values)  # N x C' x L x V
        sampled = torch.stack(
            [xt[:, :, i, self.layers[i]].mean(-1) for i in range(num_layers)], dim=2
        )
        att = self.aggregate(self.edge_conv(sampled)).view(n, c, num_layers, 1, 1)
        return (x * torch.sigmoid(att)).sum(dim=2)


class HDGraphConv(nn.Module):
    """Hierarchically decomposed graph convolution with a learnable (adaptive) adjacency."""

    def __init__(
        self, cin: int, cout: int, adjacency: np.ndarray, groups: list[list[int]], att: bool
    ):
        super().__init__()
        num_layers, num_subsets = adjacency.shape[:2]
        inter = cout // (num_subsets + 1)
        self.PA = nn.Parameter(torch.from_numpy(adjacency.copy()))
        self.conv_down = nn.ModuleList(_conv_bn(cin, inter, relu=True) for _ in range(num_layers))
        self.conv = nn.ModuleList(
            nn.ModuleList(
                [*(_conv_bn(inter, inter) for _ in range(num_subsets)), EdgeConv(inter, k=5)]
            )
            for _ in range(num_layers)
        )
        self.aha = AHA(cout, groups) if att else None
        self.down = _conv_bn(cin, cout) if cin != cout else nn.Identity()
        self.bn = nn.BatchNorm2d(cout)
        nn.init.constant_(self.bn.weight, 1e-6)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = []
        for i, (down, convs) in enumerate(zip(self.conv_down, self.conv, strict=True)):
            xd = down(x)
            ys = [
                conv(torch.einsum("nctu,vu->nctv", xd, self.PA[i, j]))
                for j, conv in enumerate(convs[:-1])
            ]
            ys.append(convs[-1](xd))
            out.append(torch.cat(ys, dim=1))
        stacked = torch.stack(out, dim=2)
        y = self.aha(stacked) if self.aha is not None else stacked.sum(2)
        return self.relu(self.bn(y) + self.down(x))


class TemporalConv(nn.Module):
    """(k x 1) temporal convolution + BN."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1, dilation: int = 1):
        super().__init__()
        pad = (kernel + (kernel - 1) * (dilation - 1) - 1) // 2
        self.conv = nn.Conv2d(cin, cout, (kernel, 1), (stride, 1), (pad, 0), (dilation, 1))
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(x))


class MultiScaleTCN(nn.Module):
    """CTR-GCN's multi-scale temporal convolution: dilated branches, max-pool and 1x1."""

    def __init__(self, channels: int, kernel: int = 5, stride: int = 1, dilations=(1, 2)):
        super().__init__()
        bc = channels // (len(dilations) + 2)
        self.branches = nn.ModuleList(
            nn.Sequential(
                _conv_bn(channels, bc, relu=True), TemporalConv(bc, bc, kernel, stride, d)
            )
            for d in dilations
        )
        self.branches.append(
            nn.Sequential(
                _conv_bn(channels, bc, relu=True),
                nn.MaxPool2d((3, 1), (stride, 1), (1, 0)),
                nn.BatchNorm2d(bc),
            )
        )
        self.branches.append(
            nn.Sequential(nn.Conv2d(channels, bc, 1, stride=(stride, 1)), nn.BatchNorm2d(bc))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([b(x) for b in self.branches], dim=1)


class HDGCNBlock(nn.Module):
    """Graph convolution -> multi-scale TCN, with a residual connection."""

    def __init__(self, cin, cout, adjacency, groups, stride=1, residual=True, att=True):
        super().__init__()
        self.gcn = HDGraphConv(cin, cout, adjacency, groups, att)
        self.tcn = MultiScaleTCN(cout, 5, stride)
        if not residual:
            self.residual = None
        elif cin == cout and stride == 1:
            self.residual = nn.Identity()
        else:
            self.residual = TemporalConv(cin, cout, 1, stride)
        self.relu = nn.ReLU(inplace=True)
        self.out_channels = cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.tcn(self.gcn(x))
        if self.residual is not None:
            y = y + self.residual(x)
        return self.relu(y)


# (in, out, temporal stride) of the ten blocks, base width 64 as in the published model.
HDGCN_LAYOUT = (
    (None, 1, 1), (1, 1, 1), (1, 1, 1), (1, 1, 1), (1, 2, 2),
    (2, 2, 1), (2, 2, 1), (2, 4, 2), (4, 4, 1), (4, 4, 1),
)  # fmt: skip


class HDGCN(nn.Module):
    """HD-GCN classifier: B x C x T x V x M skeletons (COCO-17) -> B x num_classes."""

    def __init__(
        self,
        num_classes: int = 20,
        in_channels: int = 3,
        num_persons: int = 1,
        base_channels: int = 64,
        dropout: float = 0.0,
        head: str = "sigmoid",
        edges: Sequence[tuple[int, int]] = COCO17_EDGES,
        num_joints: int = COCO17_NUM_JOINTS,
        centre: Sequence[int] = COCO17_CENTRE,
        with_head: bool = True,
    ):
        super().__init__()
        self.groups = hierarchy_groups(edges, num_joints, centre)
        adjacency = hierarchical_adjacency(self.groups, num_joints)
        self.data_bn = nn.BatchNorm1d(num_persons * in_channels * num_joints)
        self.blocks = nn.ModuleList()
        for i, (cin_mul, cout_mul, stride) in enumerate(HDGCN_LAYOUT):
            cin = in_channels if cin_mul is None else base_channels * cin_mul
            self.blocks.append(
                HDGCNBlock(
                    cin,
                    base_channels * cout_mul,
                    adjacency,
                    self.groups,
                    stride,
                    residual=i > 0,
                    att=i > 0,
                )  # fmt: skip
            )
        self.num_features = base_channels * HDGCN_LAYOUT[-1][1]
        self.reduction_blocks = [i for i, layout in enumerate(HDGCN_LAYOUT) if layout[2] > 1]
        self.head = (
            ClassifierHead(self.num_features, num_classes, dropout, head) if with_head else None
        )

    def embed(self, skeleton: torch.Tensor) -> torch.Tensor:
        """Normalise the input: B x C x T x V x M -> (B*M) x C x T x V."""
        if (
            skeleton.ndim != 5
            or skeleton.shape[1] * skeleton.shape[3] * skeleton.shape[4]
            != self.data_bn.num_features
        ):
            raise InputError(
                f"skeleton batch must be B x C x T x V x M matching this model "
                f"({self.data_bn.num_features} = C*V*M), got {tuple(skeleton.shape)}"
            )
        n, c, t, v, m = skeleton.shape
        x = skeleton.permute(0, 4, 3, 1, 2).reshape(n, m * v * c, t)
        x = self.data_bn(x)
        return x.reshape(n, m, v, c, t).permute(0, 1, 3, 4, 2).reshape(n * m, c, t, v)

    def pool(self, x: torch.Tensor, batch: int) -> torch.Tensor:
        """Mean over persons, frames and joints: (B*M) x C x T x V -> B x C."""
        return x.reshape(batch, -1, x.shape[1], x.shape[2] * x.shape[3]).mean(3).mean(1)

    def forward_features(self, skeleton: torch.Tensor) -> torch.Tensor:
        x = self.embed(skeleton)
        for blk in self.blocks:
            x = blk(x)
        return self.pool(x, skeleton.shape[0])

    def forward(self, skeleton: torch.Tensor) -> torch.Tensor:
        return self.head(self.forward_features(skeleton))


def build_hdgcn(num_classes: int = 20, **kwargs) -> HDGCN:
    """HD-GCN on COCO-17 (hip-centred hierarchy)."""
    return HDGCN(num_classes=num_classes, **kwargs)


MODELS = {
    "hdgcn": ModelSpec(
        "hdgcn", "skeleton", build_hdgcn, ("skeleton",),
        {"num_persons": 1, "base_channels": 64, "dropout": 0.0, "head": "sigmoid"},
        paper_params=0.8e6, reference_params=1_440_000,  # 6-level COCO hierarchy; see docs
        description="HD-GCN, hierarchically decomposed graph (COCO-17), AHA, multi-scale TCN",
    ),
}  # fmt: skip
