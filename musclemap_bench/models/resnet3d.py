"""ResNet-50 video backbones in the PySlowFast layout: C2D, I3D (8x8), Slow (8x8) and
SlowFast (8x8: alpha 4, beta_inv 8, fusion ratio 2, fusion kernel 7).

All share the bottleneck ResNet-50 (3, 4, 6, 3 blocks; stride on the 3x3 conv). They differ in
the temporal kernel of each block's first 1x1 conv and of the stem (PySlowFast's "temporal
kernel basis"), in a temporal max-pool after res2 (C2D, I3D) and, for SlowFast, in a second
thin pathway fused into the slow one by strided time convolutions. Module names follow
PySlowFast (s1..s5, pathway{p}_res{i}, branch2.a/a_bn/...), so a PySlowFast checkpoint loads
with `load_pyslowfast_state_dict` (only the head is renamed). Global average pooling replaces
the fixed-size AvgPool3d of PySlowFast so that any input size works."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from musclemap_bench.errors import InputError
from musclemap_bench.models._layers import check_video
from musclemap_bench.models.heads import ClassifierHead
from musclemap_bench.models.registry import ModelSpec

_DEPTH = (3, 4, 6, 3)  # ResNet-50 blocks per stage res2..res5


@dataclass(frozen=True)
class Arch:
    """Per-pathway temporal kernels: stem, then one cyclic list per stage (block i of a stage
    uses list[i % len]); pool1: temporal max-pool after res2 (1 = none)."""

    kernels: tuple[tuple[tuple[int, ...], ...], ...]
    pool1: int = 1


ARCHS = {
    "c2d": Arch((((1,), (1,), (1,), (1,), (1,)),), pool1=2),
    "i3d": Arch((((5,), (3,), (3, 1), (3, 1), (1, 3)),), pool1=2),
    "slow": Arch((((1,), (1,), (1,), (3,), (3,)),)),
    "slowfast": Arch((((1,), (1,), (1,), (3,), (3,)), ((5,), (3,), (3,), (3,), (3,)))),
}


def _bn(channels: int) -> nn.BatchNorm3d:
    return nn.BatchNorm3d(channels, eps=1e-5, momentum=0.1)


class Stem(nn.Module):
    """Conv (t x 7 x 7, spatial stride 2) - BN - ReLU - max-pool (1 x 3 x 3, stride 2)."""

    def __init__(self, dim_in: int, dim_out: int, t: int):
        super().__init__()
        self.conv = nn.Conv3d(dim_in, dim_out, (t, 7, 7), (1, 2, 2), (t // 2, 3, 3), bias=False)
        self.bn = _bn(dim_out)
        self.relu = nn.ReLU(inplace=True)
        self.pool_layer = nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool_layer(self.relu(self.bn(self.conv(x))))


class Bottleneck(nn.Module):
    """t x 1 x 1 -> 1 x 3 x 3 (spatial stride) -> 1 x 1 x 1, BN after each, ReLU between."""

    def __init__(self, dim_in: int, dim_out: int, dim_inner: int, t: int, stride: int):
        super().__init__()
        self.a = nn.Conv3d(dim_in, dim_inner, (t, 1, 1), 1, (t // 2, 0, 0), bias=False)
        self.a_bn = _bn(dim_inner)
        self.b = nn.Conv3d(dim_inner, dim_inner, (1, 3, 3), (1, stride, stride), (0, 1, 1),
                           bias=False)  # fmt: skip
        self.b_bn = _bn(dim_inner)
        self.c = nn.Conv3d(dim_inner, dim_out, 1, bias=False)
        self.c_bn = _bn(dim_out)
        nn.init.zeros_(self.c_bn.weight)  # PySlowFast ZERO_INIT_FINAL_BN: blocks start as identity
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.a_bn(self.a(x)))
        x = self.relu(self.b_bn(self.b(x)))
        return self.c_bn(self.c(x))


class ResBlock(nn.Module):
    """Bottleneck plus (projected where the shape changes) shortcut, then ReLU."""

    def __init__(self, dim_in: int, dim_out: int, dim_inner: int, t: int, stride: int):
        super().__init__()
        if dim_in != dim_out or stride != 1:
            self.branch1 = nn.Conv3d(dim_in, dim_out, 1, (1, stride, stride), bias=False)
            self.branch1_bn = _bn(dim_out)
        else:
            self.branch1 = None
        self.branch2 = Bottleneck(dim_in, dim_out, dim_inner, t, stride)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = x if self.branch1 is None else self.branch1_bn(self.branch1(x))
        return self.relu(skip + self.branch2(x))


class FuseFastToSlow(nn.Module):
    """Time-strided conv (k x 1 x 1, stride alpha) of the fast features, concatenated to slow."""

    def __init__(self, dim_fast: int, ratio: int, kernel: int, alpha: int):
        super().__init__()
        self.conv_f2s = nn.Conv3d(dim_fast, dim_fast * ratio, (kernel, 1, 1), (alpha, 1, 1),
                                  (kernel // 2, 0, 0), bias=False)  # fmt: skip
        self.bn = _bn(dim_fast * ratio)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, xs: list[torch.Tensor]) -> list[torch.Tensor]:
        slow, fast = xs
        fuse = self.relu(self.bn(self.conv_f2s(fast)))
        return [torch.cat([slow, fuse], dim=1), fast]


class ResNet3D(nn.Module):
    """C2D / I3D / Slow / SlowFast ResNet-50: video B x 3 x T x H x W -> B x num_classes."""

    def __init__(self, num_classes: int = 20, arch: str = "slow", alpha: int = 4,
                 beta_inv: int = 8, fusion_ratio: int = 2, fusion_kernel: int = 7,
                 dropout: float = 0.5, head: str = "sigmoid", name: str = "resnet3d"):  # fmt: skip
        super().__init__()
        if arch not in ARCHS:
            raise ValueError(f"arch must be one of {sorted(ARCHS)}, got {arch!r}")
        spec = ARCHS[arch]
        self.name, self.arch, self.alpha = name, arch, alpha
        self.num_pathways = len(spec.kernels)
        width = [64 // (beta_inv if p else 1) for p in range(self.num_pathways)]
        fused = self.num_pathways == 2

        def next_inputs(dims: list[int]) -> list[int]:
            # A fusion concatenates fusion_ratio x the fast width to the slow features.
            return [dims[0] + (dims[1] * fusion_ratio if fused else 0)] + dims[1:]

        self.s1 = nn.ModuleDict(
            {
                f"pathway{p}_stem": Stem(3, width[p], spec.kernels[p][0][0])
                for p in range(len(width))
            }
        )
        dims_in = next_inputs(width)
        for stage, blocks in enumerate(_DEPTH):
            name_s = f"s{stage + 2}"
            if fused:
                fuse = FuseFastToSlow(dims_in[1], fusion_ratio, fusion_kernel, alpha)
                setattr(self, f"s{stage + 1}_fuse", fuse)
            mods = {}
            dims_out = []
            for p in range(self.num_pathways):
                div = beta_inv if p else 1
                inner, out = 64 * 2**stage // div, 256 * 2**stage // div
                ks = spec.kernels[p][stage + 1]
                d_in = dims_in[p]
                for i in range(blocks):
                    stride = 2 if (i == 0 and stage > 0) else 1
                    mods[f"pathway{p}_res{i}"] = ResBlock(d_in, out, inner, ks[i % len(ks)], stride)
                    d_in = out
                dims_out.append(out)
            setattr(self, name_s, nn.ModuleDict(mods))
            dims_in = next_inputs(dims_out) if stage < 3 else dims_out  # no fusion after res5
        self.pool1 = (
            nn.MaxPool3d((spec.pool1, 1, 1), (spec.pool1, 1, 1)) if spec.pool1 > 1 else None
        )
        self.head = ClassifierHead(sum(dims_in), num_classes, dropout=dropout, head=head)

    def _stage(self, stage: nn.ModuleDict, xs: list[torch.Tensor]) -> list[torch.Tensor]:
        out = []
        for p, x in enumerate(xs):
            i = 0
            while f"pathway{p}_res{i}" in stage:
                x = stage[f"pathway{p}_res{i}"](x)
                i += 1
            out.append(x)
        return out

    def _pathways(self, x: torch.Tensor) -> list[torch.Tensor]:
        if self.num_pathways == 1:
            return [x]
        t = x.shape[2]
        if t % self.alpha:
            raise InputError(f"{self.name} needs T divisible by alpha={self.alpha}, got T={t}")
        # Slow pathway: T / alpha evenly spaced frames (PySlowFast's PackPathway).
        idx = torch.linspace(0, t - 1, t // self.alpha, device=x.device).long()
        return [x.index_select(2, idx), x]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_video(x, self.name)
        xs = self._pathways(x)
        xs = [self.s1[f"pathway{p}_stem"](v) for p, v in enumerate(xs)]
        for stage in range(4):
            if self.num_pathways == 2:
                xs = getattr(self, f"s{stage + 1}_fuse")(xs)
            xs = self._stage(getattr(self, f"s{stage + 2}"), xs)
            if stage == 0 and self.pool1 is not None:
                xs = [self.pool1(v) for v in xs]
        feats = torch.cat([v.mean(dim=(2, 3, 4)) for v in xs], dim=1)
        return self.head(feats)


def pyslowfast_key(key: str) -> str:
    """Map one PySlowFast state-dict key to this module's name: the layouts are identical
    except for the classifier (PySlowFast `head.projection`, here `head.fc`) and the
    DataParallel `module.` prefix."""
    key = key.removeprefix("module.")
    if key.startswith("head.projection."):
        return "head.fc." + key.removeprefix("head.projection.")
    return key


def load_pyslowfast_state_dict(model: ResNet3D, state_dict: dict, head: bool = True) -> list[str]:
    """Load a PySlowFast checkpoint's `model_state` into `model`; `head=False` keeps the
    freshly initialised classifier (e.g. Kinetics-400 weights -> 20 regions). Returns the
    missing keys; unexpected keys raise InputError."""
    mapped = {pyslowfast_key(k): v for k, v in state_dict.items()}
    if not head:
        mapped = {k: v for k, v in mapped.items() if not k.startswith("head.")}
    result = model.load_state_dict(mapped, strict=False)
    if result.unexpected_keys:
        raise InputError(f"checkpoint has keys this model lacks, e.g. {result.unexpected_keys[0]}")
    return list(result.missing_keys)


def _builder(arch: str, name: str):
    def build(num_classes: int = 20, **kwargs) -> ResNet3D:
        return ResNet3D(num_classes=num_classes, arch=arch, name=name, **kwargs)

    build.__doc__ = f"{name}: PySlowFast-layout {arch} ResNet-50."
    return build


_COMMON = {"dropout": 0.5, "head": "sigmoid"}
MODELS = {
    "c2d_r50": ModelSpec("c2d_r50", "cnn3d", _builder("c2d", "c2d_r50"), ("video",), dict(_COMMON),
                         paper_params=23.5e6, reference_params=23_549_012,
                         description="C2D ResNet-50 (2D kernels, temporal pool after res2)"),
    "i3d_r50": ModelSpec("i3d_r50", "cnn3d", _builder("i3d", "i3d_r50"), ("video",), dict(_COMMON),
                         paper_params=20.4e6, reference_params=27_264_852,
                         description="I3D ResNet-50, PySlowFast I3D 8x8 inflation"),
    "slow_r50": ModelSpec("slow_r50", "cnn3d", _builder("slow", "slow_r50"), ("video",),
                          dict(_COMMON), paper_params=24.3e6, reference_params=31_675_476,
                          description="Slow-only ResNet-50 8x8 (temporal kernels in res4, res5)"),
    "slowfast_r50": ModelSpec("slowfast_r50", "cnn3d", _builder("slowfast", "slowfast_r50"),
                              ("video",),
                              {**_COMMON, "alpha": 4, "beta_inv": 8, "fusion_ratio": 2,
                               "fusion_kernel": 7},
                              paper_params=25.3e6, reference_params=33_690_588,
                              description="SlowFast ResNet-50 8x8 (alpha 4, beta_inv 8)"),
}  # fmt: skip
