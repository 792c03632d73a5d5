"""Video Swin Transformer (Liu et al., CVPR 2022), Swin-S and Swin-B with 2x4x4 patches and
8x7x7 windows.

Layout of the authors' implementation (module names kept, so their checkpoints' backbone keys
load after stripping the `backbone.` prefix): a 3D patch embedding with LayerNorm, four stages
of (shifted) 3D window attention blocks with a learned relative position bias table, patch
merging between stages, a final LayerNorm, global average pooling, dropout 0.5 and a linear
classifier. Attention runs through `scaled_dot_product_attention` with the bias (and the
shifted-window mask) as an additive mask. When the input is smaller than a window the window
shrinks to the input and the shift is dropped, as in the original; the relative positions are
then recomputed for the smaller window so the bias table entries keep their meaning."""

from __future__ import annotations

from functools import lru_cache

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from musclemap_bench.models._layers import DropPath, check_video
from musclemap_bench.models.heads import ClassifierHead
from musclemap_bench.models.registry import ModelSpec

Size3 = tuple[int, int, int]


def effective_window(size: Size3, window: Size3, shift: Size3) -> tuple[Size3, Size3]:
    """Clip the window to the input; no shift along an axis the window already covers."""
    win = tuple(min(s, w) for s, w in zip(size, window, strict=True))
    sh = tuple(0 if s <= w else h for s, w, h in zip(size, window, shift, strict=True))
    return win, sh  # type: ignore[return-value]


@lru_cache(maxsize=32)
def relative_index(window: Size3, table_window: Size3) -> torch.Tensor:
    """N x N indices into the (2Wd-1)(2Wh-1)(2Ww-1) bias table of `table_window` for the
    token pairs of a (possibly smaller) `window`."""
    coords = torch.stack(torch.meshgrid(*[torch.arange(w) for w in window], indexing="ij"))
    coords = coords.flatten(1)  # 3, N
    rel = coords[:, :, None] - coords[:, None, :]  # 3, N, N
    td, th, tw = table_window
    rel = rel + torch.tensor([td - 1, th - 1, tw - 1])[:, None, None]
    return rel[0] * (2 * th - 1) * (2 * tw - 1) + rel[1] * (2 * tw - 1) + rel[2]


def window_partition(x: torch.Tensor, window: Size3) -> torch.Tensor:
    """B x D x H x W x C -> B x nW x N x C."""
    wd, wh, ww = window
    return rearrange(x, "b (d wd) (h wh) (w ww) c -> b (d h w) (wd wh ww) c", wd=wd, wh=wh, ww=ww)


def window_reverse(x: torch.Tensor, window: Size3, size: Size3) -> torch.Tensor:
    """B x nW x N x C -> B x D x H x W x C."""
    wd, wh, ww = window
    d, h, w = (s // k for s, k in zip(size, window, strict=True))
    return rearrange(
        x, "b (d h w) (wd wh ww) c -> b (d wd) (h wh) (w ww) c",
        d=d, h=h, w=w, wd=wd, wh=wh, ww=ww,
    )  # fmt: skip


def shift_mask(size: Size3, window: Size3, shift: Size3, device: torch.device) -> torch.Tensor:
    """nW x N x N additive mask (0 / -100, as the original) keeping attention inside the regions
    that a cyclic shift glued together in one window."""
    region = torch.zeros((1, *size, 1), device=device)
    label = 0
    slices = [
        (slice(0, -w), slice(-w, -s), slice(-s, None)) if s else (slice(None),)
        for w, s in zip(window, shift, strict=True)
    ]
    for d in slices[0]:
        for h in slices[1]:
            for w in slices[2]:
                region[:, d, h, w, :] = label
                label += 1
    ids = window_partition(region, window)[0, :, :, 0]  # nW, N
    diff = ids[:, :, None] != ids[:, None, :]
    return diff.float() * -100.0


class WindowAttention3D(nn.Module):
    """Multi-head self-attention inside 3D windows with a relative position bias."""

    def __init__(self, dim: int, window: Size3, num_heads: int, qkv_bias: bool = True,
                 attn_drop: float = 0.0, proj_drop: float = 0.0):  # fmt: skip
        super().__init__()
        self.window, self.num_heads = window, num_heads
        wd, wh, ww = window
        self.relative_position_bias_table = nn.Parameter(
            torch.zeros((2 * wd - 1) * (2 * wh - 1) * (2 * ww - 1), num_heads)
        )
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.attn_drop = attn_drop
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x: torch.Tensor, window: Size3, mask: torch.Tensor | None) -> torch.Tensor:
        """x: B x nW x N x C; mask: nW x N x N or None."""
        qkv = rearrange(self.qkv(x), "b w n (k h d) -> k b w h n d", k=3, h=self.num_heads)
        idx = relative_index(window, self.window).to(x.device)
        bias = self.relative_position_bias_table[idx].permute(2, 0, 1)  # heads, N, N
        bias = bias[None, None] if mask is None else bias[None, None] + mask[None, :, None]
        out = F.scaled_dot_product_attention(
            qkv[0], qkv[1], qkv[2], attn_mask=bias.to(qkv.dtype),
            dropout_p=self.attn_drop if self.training else 0.0,
        )  # fmt: skip
        return self.proj_drop(self.proj(rearrange(out, "b w h n d -> b w n (h d)")))


class Mlp(nn.Module):
    """Linear - GELU - Linear."""

    def __init__(self, dim: int, hidden: int, drop: float = 0.0):
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim)
        self.drop = nn.Dropout(drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.fc2(self.drop(self.act(self.fc1(x)))))


class SwinBlock3D(nn.Module):
    """Pre-norm (shifted) window attention and MLP, each with stochastic depth."""

    def __init__(self, dim: int, num_heads: int, window: Size3, shifted: bool, mlp_ratio: float,
                 qkv_bias: bool, drop_path: float):  # fmt: skip
        super().__init__()
        self.window, self.shifted = window, shifted
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention3D(dim, window, num_heads, qkv_bias)
        self.drop_path = DropPath(drop_path)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def _attend(self, x: torch.Tensor, win: Size3, shift: Size3, mask) -> torch.Tensor:
        _, d, h, w, _ = x.shape
        pads = [(-s) % k for s, k in zip((d, h, w), win, strict=True)]
        x = F.pad(x, (0, 0, 0, pads[2], 0, pads[1], 0, pads[0]))
        padded = tuple(x.shape[1:4])
        if any(shift):
            x = torch.roll(x, shifts=tuple(-s for s in shift), dims=(1, 2, 3))
        x = window_reverse(self.attn(window_partition(x, win), win, mask), win, padded)
        if any(shift):
            x = torch.roll(x, shifts=shift, dims=(1, 2, 3))
        return x[:, :d, :h, :w].contiguous()

    def forward(self, x: torch.Tensor, win: Size3, shift: Size3, mask) -> torch.Tensor:
        if not self.shifted:
            shift, mask = (0, 0, 0), None
        x = x + self.drop_path(self._attend(self.norm1(x), win, shift, mask))
        return x + self.drop_path(self.mlp(self.norm2(x)))


class PatchMerging(nn.Module):
    """2x2 spatial neighbours concatenated (4C), LayerNorm, Linear to 2C."""

    def __init__(self, dim: int):
        super().__init__()
        self.norm = nn.LayerNorm(4 * dim)
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, _, h, w, _ = x.shape
        x = F.pad(x, (0, 0, 0, w % 2, 0, h % 2))
        # Order (0,0), (1,0), (0,1), (1,1) as the original, so checkpoints stay compatible.
        x = torch.cat(
            [x[:, :, 0::2, 0::2], x[:, :, 1::2, 0::2], x[:, :, 0::2, 1::2], x[:, :, 1::2, 1::2]],
            dim=-1,
        )
        return self.reduction(self.norm(x))


class BasicLayer(nn.Module):
    """One stage: `depth` blocks alternating plain and shifted windows, then patch merging."""

    def __init__(self, dim: int, depth: int, num_heads: int, window: Size3, mlp_ratio: float,
                 qkv_bias: bool, drop_paths: list[float], downsample: bool):  # fmt: skip
        super().__init__()
        self.window = window
        self.shift = tuple(w // 2 for w in window)
        self.blocks = nn.ModuleList(
            SwinBlock3D(dim, num_heads, window, i % 2 == 1, mlp_ratio, qkv_bias, drop_paths[i])
            for i in range(depth)
        )
        self.downsample = PatchMerging(dim) if downsample else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: B x D x H x W x C."""
        size = tuple(x.shape[1:4])
        win, shift = effective_window(size, self.window, self.shift)
        mask = None
        if any(shift):
            padded = tuple(-(-s // k) * k for s, k in zip(size, win, strict=True))
            mask = shift_mask(padded, win, shift, x.device).to(x.dtype)
        for block in self.blocks:
            x = block(x, win, shift, mask)
        return x if self.downsample is None else self.downsample(x)


class PatchEmbed3D(nn.Module):
    """Non-overlapping 3D patches (Conv3d with stride = kernel), then LayerNorm."""

    def __init__(self, patch: Size3, embed_dim: int):
        super().__init__()
        self.patch = patch
        self.proj = nn.Conv3d(3, embed_dim, patch, patch)
        self.norm = nn.LayerNorm(embed_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = [(-s) % p for s, p in zip(x.shape[2:], self.patch, strict=True)]
        x = F.pad(x, (0, pads[2], 0, pads[1], 0, pads[0]))
        return self.norm(self.proj(x).permute(0, 2, 3, 4, 1))  # B, D, H, W, C


class VideoSwin(nn.Module):
    """Video Swin Transformer classifier: video B x 3 x T x H x W -> B x num_classes."""

    def __init__(self, num_classes: int = 20, embed_dim: int = 96,
                 depths: tuple[int, ...] = (2, 2, 18, 2), num_heads: tuple[int, ...] = (3, 6, 12, 24),
                 patch_size: Size3 = (2, 4, 4), window_size: Size3 = (8, 7, 7),
                 mlp_ratio: float = 4.0, qkv_bias: bool = True, drop_path_rate: float = 0.1,
                 dropout: float = 0.5, head: str = "sigmoid", name: str = "videoswin"):  # fmt: skip
        super().__init__()
        self.name = name
        self.patch_embed = PatchEmbed3D(tuple(patch_size), embed_dim)
        n = sum(depths)  # linearly increasing stochastic depth (plain floats: meta-device safe)
        rates = [drop_path_rate * i / max(n - 1, 1) for i in range(n)]
        self.layers = nn.ModuleList()
        for i, (depth, heads) in enumerate(zip(depths, num_heads, strict=True)):
            start = sum(depths[:i])
            self.layers.append(
                BasicLayer(
                    embed_dim * 2**i,
                    depth,
                    heads,
                    tuple(window_size),
                    mlp_ratio,
                    qkv_bias,
                    rates[start : start + depth],
                    i < len(depths) - 1,
                )  # fmt: skip
            )
        self.num_features = embed_dim * 2 ** (len(depths) - 1)
        self.norm = nn.LayerNorm(self.num_features)
        self.head = ClassifierHead(self.num_features, num_classes, dropout=dropout, head=head)
        self.apply(self._init)

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_video(x, self.name)
        x = self.patch_embed(x)
        for layer in self.layers:
            x = layer(x)
        return self.head(self.norm(x).mean(dim=(1, 2, 3)))


def _builder(name: str, embed_dim: int, num_heads: tuple[int, ...]):
    def build(num_classes: int = 20, **kwargs) -> VideoSwin:
        return VideoSwin(num_classes, embed_dim=embed_dim, num_heads=num_heads, name=name, **kwargs)

    build.__doc__ = f"{name}: Video Swin (embed {embed_dim}, heads {num_heads})."
    return build


_COMMON = {"depths": (2, 2, 18, 2), "patch_size": (2, 4, 4), "window_size": (8, 7, 7),
           "dropout": 0.5, "head": "sigmoid"}  # fmt: skip
MODELS = {
    "videoswin_s": ModelSpec("videoswin_s", "transformer", _builder("videoswin_s", 96, (3, 6, 12, 24)),
                             ("video",), {**_COMMON, "drop_path_rate": 0.1},
                             paper_params=50.0e6, reference_params=49_524_458,
                             description="Video Swin-S, 2x4x4 patches, 8x7x7 windows"),
    "videoswin_b": ModelSpec("videoswin_b", "transformer", _builder("videoswin_b", 128, (4, 8, 16, 32)),
                             ("video",), {**_COMMON, "drop_path_rate": 0.3},
                             paper_params=88.0e6, reference_params=87_659_484,
                             description="Video Swin-B, 2x4x4 patches, 8x7x7 windows"),
}  # fmt: skip


def videoswin_key(key: str) -> str | None:
    """Map one key of an official Video Swin / MMAction2 checkpoint to this module's name;
    None for the relative-position index buffers (recomputed here, not stored)."""
    key = key.removeprefix("module.").removeprefix("backbone.")
    if key.endswith("relative_position_index"):
        return None
    if key.startswith("cls_head.fc_cls."):
        return "head.fc." + key.removeprefix("cls_head.fc_cls.")
    return key


def load_videoswin_state_dict(model: VideoSwin, state_dict: dict, head: bool = True) -> list[str]:
    """Load an official Video Swin checkpoint's `state_dict` into `model`; `head=False` keeps
    the fresh classifier (e.g. Kinetics-400 weights -> 20 regions). Returns the missing keys;
    unexpected keys raise InputError."""
    from musclemap_bench.errors import InputError

    mapped = {}
    for k, v in state_dict.items():
        new = videoswin_key(k)
        if new is not None and (head or not new.startswith("head.")):
            mapped[new] = v
    result = model.load_state_dict(mapped, strict=False)
    if result.unexpected_keys:
        raise InputError(f"checkpoint has keys this model lacks, e.g. {result.unexpected_keys[0]}")
    return list(result.missing_keys)
