"""MViTv2 (Li et al., CVPR 2022) in plain PyTorch, as configured in PySlowFast and appendix C.

Pooling attention (depth-wise Conv3d pooling of Q, K, V, each followed by LayerNorm),
decomposed relative position (temporal, height, width), residual pooling (q added to the
attention output), dimension/head multiplication inside attention at the configured blocks,
adaptive K/V stride, stochastic depth. Any number of leading tokens (class / MCT tokens):
the pooling, the relative position terms and residual pooling act on patch tokens only,
the tokens bypass the pooling and are re-joined before the post-pool LayerNorm.

`attention="sdpa"` uses torch's fused scaled_dot_product_attention with the relative
position terms as an additive bias; `attention="explicit"` writes softmax(QK^T)V out the way
PySlowFast does (for the speed comparison in benchmarks/bench_models.py). Both compute the
same function. Module names follow PySlowFast where possible; `load_pyslowfast_checkpoint`
maps the few that differ.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from musclemap_bench.errors import InputError
from musclemap_bench.models._layers import DropPath
from musclemap_bench.models.heads import ClassifierHead
from musclemap_bench.models.registry import ModelSpec

ATTENTION_MODES = ("sdpa", "explicit")


def round_width(width: float, multiplier: float, divisor: int = 1) -> int:
    """PySlowFast's channel rounding (kept so dims match published checkpoints)."""
    width *= multiplier
    width_out = max(divisor, int(width + divisor / 2) // divisor * divisor)
    if width_out < 0.9 * width:
        width_out += divisor
    return int(width_out)


def resize_rel_table(table: torch.Tensor, length: int) -> torch.Tensor:
    """Linearly interpolate a relative-position table (L x C) to `length` rows."""
    if table.shape[0] == length:
        return table
    out = F.interpolate(table.t().unsqueeze(0), size=length, mode="linear", align_corners=False)
    return out.squeeze(0).t()


def rel_distance(q_len: int, k_len: int, device: torch.device) -> torch.Tensor:
    """Index of the relative offset between each query and key position (q_len x k_len),
    scaled when Q and K have different resolutions (MViTv2 eq. for pooled K)."""
    q_ratio = max(k_len / q_len, 1.0)
    k_ratio = max(q_len / k_len, 1.0)
    dist = (
        torch.arange(q_len, device=device)[:, None] * q_ratio
        - torch.arange(k_len, device=device)[None, :] * k_ratio
    )
    return (dist + (k_len - 1) * k_ratio).long()


def rel_pos_terms(
    q: torch.Tensor,
    q_shape: Sequence[int],
    k_shape: Sequence[int],
    rel_t: torch.Tensor,
    rel_h: torch.Tensor,
    rel_w: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Decomposed relative-position terms for patch queries q (B x h x Nq x d): the query's
    dot product with the table row of every key time / row / column offset, shaped
    B x h x Nq x kt, ... x kh and ... x kw."""
    qt, qh, qw = q_shape
    kt, kh, kw = k_shape
    b, nh, _, d = q.shape
    r_q = q.reshape(b, nh, qt, qh, qw, d)
    rt = resize_rel_table(rel_t, 2 * max(qt, kt) - 1)[rel_distance(qt, kt, q.device)]
    rh = resize_rel_table(rel_h, 2 * max(qh, kh) - 1)[rel_distance(qh, kh, q.device)]
    rw = resize_rel_table(rel_w, 2 * max(qw, kw) - 1)[rel_distance(qw, kw, q.device)]
    t_q = torch.einsum("bntyxc,tkc->bntyxk", r_q, rt).reshape(b, nh, -1, kt)
    h_q = torch.einsum("bntyxc,ykc->bntyxk", r_q, rh).reshape(b, nh, -1, kh)
    w_q = torch.einsum("bntyxc,xkc->bntyxk", r_q, rw).reshape(b, nh, -1, kw)
    return t_q, h_q, w_q


def rel_pos_bias(terms: tuple[torch.Tensor, ...], k_shape: Sequence[int]) -> torch.Tensor:
    """The full B x h x Nq x Nk additive bias (PySlowFast's broadcast sum of the terms)."""
    t_q, h_q, w_q = terms
    kt, kh, kw = k_shape
    bias = t_q[..., :, None, None] + h_q[..., None, :, None] + w_q[..., None, None, :]
    return bias.reshape(*t_q.shape[:3], kt * kh * kw)


def key_position_onehot(
    k_shape: Sequence[int], num_tokens: int, like: torch.Tensor
) -> torch.Tensor:
    """Nk x (kt + kh + kw) indicator of each key's time, row and column (zero for tokens)."""
    kt, kh, kw = k_shape
    idx = torch.arange(kt * kh * kw, device=like.device)
    cols = torch.stack((idx // (kh * kw), kt + idx // kw % kh, kt + kh + idx % kw), dim=1)
    onehot = like.new_zeros(num_tokens + kt * kh * kw, kt + kh + kw)
    onehot[num_tokens:].scatter_(1, cols, 1.0)
    return onehot


def pool_tokens(
    x: torch.Tensor,
    pool: nn.Module | None,
    thw: Sequence[int],
    num_tokens: int,
    norm: nn.Module | None = None,
) -> tuple[torch.Tensor, list[int]]:
    """Pool the patch part of x (B x h x N x C) over (T, H, W); leading tokens bypass the
    pooling and are re-joined; the optional norm then applies to all rows."""
    if pool is None:
        return x, list(thw)
    tokens, patches = x[:, :, :num_tokens], x[:, :, num_tokens:]
    b, nh, _, c = patches.shape
    t, h, w = thw
    patches = patches.reshape(b * nh, t, h, w, c).permute(0, 4, 1, 2, 3)
    patches = pool(patches)
    new_thw = list(patches.shape[2:])
    patches = patches.reshape(b, nh, c, -1).transpose(2, 3)
    x = torch.cat((tokens, patches), dim=2)
    if norm is not None:
        x = norm(x)
    return x, new_thw


class MultiScaleAttention(nn.Module):
    """Pooling attention with decomposed relative position and residual pooling."""

    def __init__(
        self,
        dim: int,
        dim_out: int,
        num_heads: int,
        input_size: Sequence[int],
        kernel: Sequence[int] = (3, 3, 3),
        stride_q: Sequence[int] = (1, 1, 1),
        stride_kv: Sequence[int] = (1, 1, 1),
        qkv_bias: bool = True,
        rel_pos: bool = True,
        residual_pooling: bool = True,
        attention: str = "sdpa",
    ):
        super().__init__()
        if attention not in ATTENTION_MODES:
            raise ValueError(f"attention must be one of {ATTENTION_MODES}, got {attention!r}")
        self.num_heads = num_heads
        self.dim_out = dim_out
        head_dim = dim_out // num_heads
        self.scale = head_dim**-0.5
        self.residual_pooling = residual_pooling
        self.attention = attention
        self.qkv = nn.Linear(dim, dim_out * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim_out, dim_out)
        padding = [k // 2 for k in kernel]

        def pool(stride: Sequence[int]) -> nn.Conv3d | None:
            # PySlowFast drops a pooling whose kernel and stride are both trivial.
            if math.prod(kernel) == 1 and math.prod(stride) == 1:
                return None
            return nn.Conv3d(
                head_dim, head_dim, kernel, stride, padding, groups=head_dim, bias=False
            )

        self.pool_q, self.pool_k, self.pool_v = pool(stride_q), pool(stride_kv), pool(stride_kv)
        self.norm_q = nn.LayerNorm(head_dim) if self.pool_q is not None else None
        self.norm_k = nn.LayerNorm(head_dim) if self.pool_k is not None else None
        self.norm_v = nn.LayerNorm(head_dim) if self.pool_v is not None else None
        self.rel_pos = rel_pos
        if rel_pos:
            size = input_size[1]
            q_size, kv_size = size // stride_q[1], size // stride_kv[1]
            sp = 2 * max(q_size, kv_size) - 1
            self.rel_pos_h = nn.Parameter(torch.zeros(sp, head_dim))
            self.rel_pos_w = nn.Parameter(torch.zeros(sp, head_dim))
            self.rel_pos_t = nn.Parameter(torch.zeros(2 * input_size[0] - 1, head_dim))
            for p in (self.rel_pos_h, self.rel_pos_w, self.rel_pos_t):
                nn.init.trunc_normal_(p, std=0.02)

    def forward(
        self, x: torch.Tensor, thw: Sequence[int], num_tokens: int = 0
    ) -> tuple[torch.Tensor, list[int]]:
        b, n, _ = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.num_heads, -1).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        q, q_thw = pool_tokens(q, self.pool_q, thw, num_tokens, self.norm_q)
        k, k_thw = pool_tokens(k, self.pool_k, thw, num_tokens, self.norm_k)
        v, _ = pool_tokens(v, self.pool_v, thw, num_tokens, self.norm_v)
        terms = None
        if self.rel_pos:
            terms = rel_pos_terms(
                q[:, :, num_tokens:], q_thw, k_thw, self.rel_pos_t, self.rel_pos_h, self.rel_pos_w
            )
        if self.attention == "sdpa":
            if terms is not None:
                # Fold the decomposed relative terms into the dot product instead of passing
                # an Nq x Nk bias: q' = [q * scale, terms], k' = [k, one-hot(key t, h, w)],
                # so q'.k' = scale q.k + bias. This keeps the fused kernel mask-free and never
                # materialises the bias (memory O(Nq (kt + kh + kw)) instead of O(Nq Nk)).
                rel = torch.cat(terms, dim=-1)
                rel = F.pad(rel, (0, 0, num_tokens, 0))
                onehot = key_position_onehot(k_thw, num_tokens, k)
                q_aug = torch.cat((q * self.scale, rel), dim=-1)
                k_aug = torch.cat((k, onehot.expand(b, self.num_heads, -1, -1)), dim=-1)
                out = F.scaled_dot_product_attention(q_aug, k_aug, v, scale=1.0)
            else:
                out = F.scaled_dot_product_attention(q, k, v, scale=self.scale)
        else:
            # The PySlowFast formulation: materialise the logits, add the relative terms to
            # the patch block in place, softmax, multiply.
            attn = (q * self.scale) @ k.transpose(-2, -1)
            if terms is not None:
                attn[:, :, num_tokens:, num_tokens:] += rel_pos_bias(terms, k_thw)
            out = attn.softmax(dim=-1) @ v
        if self.residual_pooling:
            out = torch.cat(
                (out[:, :, :num_tokens], out[:, :, num_tokens:] + q[:, :, num_tokens:]), dim=2
            )
        out = out.transpose(1, 2).reshape(b, -1, self.dim_out)
        return self.proj(out), q_thw


class Mlp(nn.Module):
    """Linear -> GELU -> Linear."""

    def __init__(self, dim: int, hidden: int, dim_out: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class MultiScaleBlock(nn.Module):
    """One MViTv2 block (dim multiplication inside attention, max-pooled skip)."""

    def __init__(
        self,
        dim: int,
        dim_out: int,
        num_heads: int,
        input_size: Sequence[int],
        stride_q: Sequence[int],
        stride_kv: Sequence[int],
        kernel: Sequence[int] = (3, 3, 3),
        mlp_ratio: float = 4.0,
        qkv_bias: bool = True,
        drop_path: float = 0.0,
        rel_pos: bool = True,
        residual_pooling: bool = True,
        attention: str = "sdpa",
    ):
        super().__init__()
        self.dim, self.dim_out = dim, dim_out
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = MultiScaleAttention(
            dim, dim_out, num_heads, input_size, kernel, stride_q, stride_kv, qkv_bias,
            rel_pos, residual_pooling, attention,
        )  # fmt: skip
        self.drop_path = DropPath(drop_path)
        self.norm2 = nn.LayerNorm(dim_out, eps=1e-6)
        self.mlp = Mlp(dim_out, int(dim_out * mlp_ratio), dim_out)
        self.proj = nn.Linear(dim, dim_out) if dim != dim_out else None
        if math.prod(stride_q) > 1:
            k_skip = [s + 1 if s > 1 else s for s in stride_q]
            self.pool_skip = nn.MaxPool3d(k_skip, stride_q, [k // 2 for k in k_skip])
        else:
            self.pool_skip = None

    def forward(
        self, x: torch.Tensor, thw: Sequence[int], num_tokens: int = 0
    ) -> tuple[torch.Tensor, list[int]]:
        x_norm = self.norm1(x)
        x_block, new_thw = self.attn(x_norm, thw, num_tokens)
        if self.proj is not None:
            x = self.proj(x_norm)
        x_res, _ = pool_tokens(x.unsqueeze(1), self.pool_skip, thw, num_tokens)
        x = x_res.squeeze(1) + self.drop_path(x_block)
        x = x + self.drop_path(self.mlp(self.norm2(x)))
        return x, new_thw


@dataclass(frozen=True)
class MViTConfig:
    """Architecture of an MViTv2 variant (PySlowFast config names in comments)."""

    depth: int = 16
    embed_dim: int = 96
    num_heads: int = 1
    dim_mul: tuple[tuple[int, float], ...] = ((1, 2.0), (3, 2.0), (14, 2.0))  # MVIT.DIM_MUL
    head_mul: tuple[tuple[int, float], ...] = ((1, 2.0), (3, 2.0), (14, 2.0))
    pool_q_stride: tuple[tuple[int, int, int, int], ...] = (
        (1, 1, 2, 2),
        (3, 1, 2, 2),
        (14, 1, 2, 2),
    )
    pool_kv_stride_adaptive: tuple[int, int, int] = (1, 8, 8)
    pool_kernel: tuple[int, int, int] = (3, 3, 3)
    patch_kernel: tuple[int, int, int] = (3, 7, 7)
    patch_stride: tuple[int, int, int] = (2, 4, 4)
    patch_padding: tuple[int, int, int] = (1, 3, 3)
    mlp_ratio: float = 4.0


MVITV2_S = MViTConfig()
MVITV2_B = MViTConfig(
    depth=24,
    dim_mul=((2, 2.0), (5, 2.0), (21, 2.0)),
    head_mul=((2, 2.0), (5, 2.0), (21, 2.0)),
    pool_q_stride=((2, 1, 2, 2), (5, 1, 2, 2), (21, 1, 2, 2)),
)


class MViT(nn.Module):
    """MViTv2 video classifier: B x 3 x T x H x W -> B x num_classes.

    num_tokens: leading learnable tokens (0 = mean-pool the patches, PySlowFast's
    CLS_EMBED_ON False; n >= 1 = prediction from the mean of the n tokens, eq. 1 of the paper).
    num_frames / crop_size fix the relative-position table sizes (other inputs interpolate).
    """

    def __init__(
        self,
        num_classes: int = 20,
        config: MViTConfig = MVITV2_S,
        num_frames: int = 16,
        crop_size: int = 224,
        num_tokens: int = 1,
        drop_path: float = 0.2,
        dropout: float = 0.5,
        head: str = "sigmoid",
        attention: str = "sdpa",
        rel_pos: bool = True,
        residual_pooling: bool = True,
        with_head: bool = True,
    ):
        super().__init__()
        cfg = config
        self.config = cfg
        self.num_tokens = num_tokens
        self.head_kind = head
        self.stem = nn.Conv3d(
            3, cfg.embed_dim, cfg.patch_kernel, cfg.patch_stride, cfg.patch_padding
        )
        self.patch_dims = [
            num_frames // cfg.patch_stride[0],
            crop_size // cfg.patch_stride[1],
            crop_size // cfg.patch_stride[2],
        ]
        self.tokens = (
            nn.Parameter(torch.zeros(1, num_tokens, cfg.embed_dim)) if num_tokens else None
        )
        if self.tokens is not None:
            nn.init.trunc_normal_(self.tokens, std=0.02)
        dim_mul = dict(cfg.dim_mul)
        head_mul = dict(cfg.head_mul)
        q_strides = {s[0]: list(s[1:]) for s in cfg.pool_q_stride}
        dpr = torch.linspace(0, drop_path, cfg.depth).tolist()
        embed, heads = cfg.embed_dim, cfg.num_heads
        kv_stride = list(cfg.pool_kv_stride_adaptive)
        size = list(self.patch_dims)
        self.blocks = nn.ModuleList()
        self.reduction_blocks: list[int] = []
        for i in range(cfg.depth):
            sq = q_strides.get(i, [1, 1, 1])
            if i in q_strides:
                kv_stride = [max(kv // s, 1) for kv, s in zip(kv_stride, sq, strict=True)]
                self.reduction_blocks.append(i)
            heads = round_width(heads, head_mul.get(i, 1.0))
            # PySlowFast passes the (re-multiplied) head count as the divisor; kept for parity.
            dim_out = round_width(
                embed, dim_mul.get(i, 1.0), round_width(heads, head_mul.get(i, 1.0))
            )
            self.blocks.append(
                MultiScaleBlock(
                    embed,
                    dim_out,
                    heads,
                    size,
                    sq,
                    list(kv_stride),
                    cfg.pool_kernel,
                    cfg.mlp_ratio,
                    True,
                    dpr[i],
                    rel_pos,
                    residual_pooling,
                    attention,
                )  # fmt: skip
            )
            size = [s // st for s, st in zip(size, sq, strict=True)]
            embed = dim_out
        self.num_features = embed
        self.norm = nn.LayerNorm(embed, eps=1e-6)
        self.head = ClassifierHead(embed, num_classes, dropout, head) if with_head else None
        self.apply(_init_weights)

    def set_attention(self, mode: str) -> None:
        """Switch every block between "sdpa" and "explicit" attention (same weights)."""
        if mode not in ATTENTION_MODES:
            raise ValueError(f"attention must be one of {ATTENTION_MODES}, got {mode!r}")
        for blk in self.blocks:
            blk.attn.attention = mode

    def embed(
        self, video: torch.Tensor, tokens: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, list[int], int]:
        """Stem + token prepending. Returns (B x N x C, thw, number of leading tokens)."""
        if video.ndim != 5 or video.shape[1] != 3:
            raise InputError(f"video batch must be B x 3 x T x H x W, got {tuple(video.shape)}")
        x = self.stem(video)
        thw = list(x.shape[2:])
        x = x.flatten(2).transpose(1, 2)
        if tokens is None and self.tokens is not None:
            tokens = self.tokens
        if tokens is not None:
            x = torch.cat((tokens.expand(x.shape[0], -1, -1), x), dim=1)
        return x, thw, 0 if tokens is None else tokens.shape[1]

    def forward_features(self, video: torch.Tensor) -> torch.Tensor:
        """Pooled, normalised features (B x C)."""
        x, thw, nt = self.embed(video)
        for blk in self.blocks:
            x, thw = blk(x, thw, nt)
        x = self.norm(x)
        return x[:, :nt].mean(1) if nt else x.mean(1)

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        return self.head(self.forward_features(video))


def _init_weights(m: nn.Module) -> None:
    if isinstance(m, nn.Linear):
        nn.init.trunc_normal_(m.weight, std=0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.LayerNorm) and m.elementwise_affine:
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)


# --- PySlowFast checkpoints -------------------------------------------------------------

# PySlowFast key -> this module's key (regex, replacement). Everything else keeps its name.
_PYSLOWFAST_RENAMES = (
    (r"^patch_embed\.proj\.", "stem."),
    (r"^head\.projection\.", "head.fc."),
    (r"^cls_token$", "tokens"),
)


def map_pyslowfast_keys(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename a PySlowFast MViT state dict (optionally DDP 'module.'-prefixed) to ours."""
    out = {}
    for key, value in state.items():
        key = key.removeprefix("module.")
        for pattern, repl in _PYSLOWFAST_RENAMES:
            key = re.sub(pattern, repl, key)
        out[key] = value
    return out


@dataclass
class LoadReport:
    """What `load_pyslowfast_checkpoint` did."""

    loaded: list[str]
    missing: list[str]  # in the model, not in the checkpoint (left as initialised)
    skipped: list[str]  # in the checkpoint but unused (unknown key or incompatible shape)
    resized: list[str]  # relative-position tables or tokens adapted to this model's shape


def load_pyslowfast_checkpoint(
    model: MViT, path_or_state_dict: str | os.PathLike | dict
) -> LoadReport:
    """Load PySlowFast MViTv2 weights (a checkpoint file with "model_state", or a state dict).

    Relative-position tables are linearly interpolated to this model's input size, a single
    class token is replicated to the model's token count, and a head with a different number
    of classes (e.g. Kinetics-400) is skipped so that fine-tuning starts from a fresh head.
    """
    state = path_or_state_dict
    if not isinstance(state, dict):
        try:
            state = torch.load(os.fspath(state), map_location="cpu", weights_only=True)
        except Exception as exc:  # torch.load raises many types (pickle, zip, OS errors)
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(f"cannot read checkpoint {path_or_state_dict}: {msg}") from None
    if "model_state" in state:
        state = state["model_state"]
    elif "state_dict" in state:
        state = state["state_dict"]
    state = map_pyslowfast_keys(state)
    own = model.state_dict()
    new_state, report = {}, LoadReport([], [], [], [])
    for key, value in state.items():
        if key not in own:
            report.skipped.append(key)
            continue
        target = own[key]
        if value.shape != target.shape:
            if re.search(r"rel_pos_[thw]$", key) and value.shape[1] == target.shape[1]:
                value = resize_rel_table(value.float(), target.shape[0]).to(target.dtype)
                report.resized.append(key)
            elif key == "tokens" and value.shape[1] == 1 and value.shape[2] == target.shape[2]:
                value = value.expand_as(target).clone()
                report.resized.append(key)
            else:
                report.skipped.append(key)
                continue
        new_state[key] = value
        report.loaded.append(key)
    report.missing = sorted(set(own) - set(new_state))
    if not report.loaded:
        raise InputError(
            "checkpoint has no MViT weights matching this model (is it PySlowFast MViT?)"
        )
    model.load_state_dict(new_state, strict=False)
    return report


def _build(config: MViTConfig, num_classes: int, **kwargs) -> MViT:
    return MViT(num_classes=num_classes, config=config, **kwargs)


def build_mvitv2_s(num_classes: int = 20, **kwargs) -> MViT:
    """MViTv2-S 16x4 (PySlowFast MVITv2_S_16x4, appendix C of the paper)."""
    return _build(MVITV2_S, num_classes, **kwargs)


def build_mvitv2_b(num_classes: int = 20, **kwargs) -> MViT:
    """MViTv2-B (PySlowFast MVITv2_B_32x3 architecture) at the benchmark's 16-frame input."""
    return _build(MVITV2_B, num_classes, **kwargs)


_DEFAULTS = {
    "num_frames": 16,
    "crop_size": 224,
    "num_tokens": 1,  # PySlowFast MVITv2_{S,B} configs: CLS_EMBED_ON True
    "drop_path": 0.2,
    "dropout": 0.5,
    "head": "sigmoid",
    "attention": "sdpa",
}

MODELS = {
    "mvitv2_s": ModelSpec(
        "mvitv2_s", "transformer", build_mvitv2_s, ("video",), dict(_DEFAULTS),
        paper_params=34.2e6, reference_params=34_245_524,
        description="MViTv2-S 16x4, pooling attention + decomposed relative position",
    ),
    "mvitv2_b": ModelSpec(
        "mvitv2_b", "transformer", build_mvitv2_b, ("video",), {**_DEFAULTS, "drop_path": 0.3},
        paper_params=51.2e6, reference_params=50_901_044,
        description="MViTv2-B, 24 blocks",
    ),
}  # fmt: skip
