"""TransM³E: MViTv2-S (RGB) + HD-GCN (skeleton) with MCT, MCTKD and MCTF (paper section 4).

- MCT: each branch carries C classification tokens (cls_m) and C knowledge-distillation
  tokens (cls_r), C = number of regions. RGB: tokens lead the patch sequence
  [KD | cls | patches] and bypass pooling. Skeleton: tokens join after the first GCN block;
  after every block nodes and tokens go through one linear projection P_m (eq. 2) and the
  node mean is added to the class tokens through P_s (eq. 3).
- MCTKD: KL divergence between the RGB KD tokens and the skeleton KD tokens (projected to the
  RGB width by a per-position linear adapter, since the branches have different widths),
  at `final` (last block), `dense` (after every block) or `sparse` (after each feature-map
  reduction and at the last block; default) positions of the RGB branch, eq. 4.
- MCTF: mixed self/cross attention fusion of cls_m and cls_r, eqs. 5-11, per branch.
- Test time: the average of the two branches' predictions.

`teacher="rgb_diff"` builds the published code's variant instead (see TransM3ERGBDiff).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from musclemap_bench.models.hdgcn import HDGCN
from musclemap_bench.models.heads import ClassifierHead, multilabel_loss
from musclemap_bench.models.mvit import MVITV2_S, DropPath, MViT, MViTConfig
from musclemap_bench.models.registry import ModelSpec

KD_POSITIONS = ("final", "dense", "sparse")
FUSIONS = ("mctf", "sum", "mul", "self_attention", "cross_attention", "none")
LATE_FUSIONS = ("late_sum", "late_concat", "late_mul")


@dataclass
class TransM3EOutput:
    """What a training step needs: per-branch logits and the KD terms (one per position)."""

    logits: torch.Tensor  # the model's combined output (logits in training, scores in eval)
    branch_logits: list[torch.Tensor]
    kd_terms: list[torch.Tensor] = field(default_factory=list)
    kd_weight: float = 1.0
    head: str = "sigmoid"


def mctkd_kl(
    student: torch.Tensor, teacher: torch.Tensor, temperature: float = 1.0
) -> torch.Tensor:
    """KL(teacher || student) between token sets (B x n x C), each token's features a
    distribution over channels; mean over batch and tokens. Zero iff the tokens agree."""
    s = F.log_softmax(student.flatten(0, 1) / temperature, dim=-1)
    t = F.softmax(teacher.flatten(0, 1) / temperature, dim=-1)
    return F.kl_div(s, t, reduction="batchmean")


def kd_positions(kind: str, depth: int, reduction_blocks: list[int]) -> list[int]:
    """RGB block indices after which a KD term is computed."""
    if kind == "final":
        return [depth - 1]
    if kind == "dense":
        return list(range(depth))
    if kind == "sparse":
        return sorted({*reduction_blocks, depth - 1})
    raise ValueError(f"kd_position must be one of {KD_POSITIONS}, got {kind!r}")


def paired_block(rgb_block: int, rgb_depth: int, skel_depth: int) -> int:
    """Skeleton block at the same relative depth as an RGB block (the branches differ in
    depth: 16 vs 10 blocks), so that KD compares tokens at matching stages."""
    return math.ceil((rgb_block + 1) * skel_depth / rgb_depth) - 1


class Mlp(nn.Sequential):
    def __init__(self, dim: int, hidden: int):
        super().__init__(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))


class MCTF(nn.Module):
    """Multi-Classification Tokens Fusion, eqs. 5-11 (1 head, no qkv bias, MLP ratio 1).

    pf="fc": P_f is one FC layer (paper, eq. 9); pf="mlp": Linear-ReLU-Linear (published
    code, which gives 10,126,848 parameters at 768 channels and 20 tokens)."""

    def __init__(
        self,
        dim: int,
        num_tokens: int,
        pf: str = "fc",
        drop_path: float = 0.2,
        attn_drop: float = 0.0,
        qk_scale: float | None = None,
    ):
        super().__init__()
        self.scale = qk_scale if qk_scale is not None else dim**-0.5
        # LayerNorm over (tokens x channels), as the published code normalises.
        self.norm_m = nn.LayerNorm((num_tokens, dim))
        self.norm_r = nn.LayerNorm((num_tokens, dim))
        self.norm_f = nn.LayerNorm((num_tokens, dim))
        self.qkv_m = nn.ModuleList(nn.Linear(dim, dim, bias=False) for _ in range(3))  # eq. 5
        self.qkv_r = nn.ModuleList(nn.Linear(dim, dim, bias=False) for _ in range(3))
        self.proj_m = nn.ModuleList(nn.Linear(dim, dim) for _ in range(3))  # P_mm, P_mr, P_rm
        self.proj_r = nn.ModuleList(nn.Linear(dim, dim) for _ in range(3))  # P_rr, P_rm, P_mr
        if pf == "fc":
            self.p_f = nn.Linear(2 * dim, dim)
        elif pf == "mlp":
            self.p_f = nn.Sequential(nn.Linear(2 * dim, dim), nn.ReLU(), nn.Linear(dim, dim))
        else:
            raise ValueError(f"pf must be 'fc' or 'mlp', got {pf!r}")
        self.attn_drop = nn.Dropout(attn_drop)
        self.mlp = Mlp(dim, dim)
        self.drop_path = DropPath(drop_path)

    def _att(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return self.attn_drop(torch.softmax((q @ k.transpose(-2, -1)) * self.scale, -1) @ v)

    def forward(self, cls_m: torch.Tensor, cls_r: torch.Tensor) -> torch.Tensor:
        m, r = self.norm_m(cls_m), self.norm_r(cls_r)
        qm, km, vm = (p(m) for p in self.qkv_m)
        qr, kr, vr = (p(r) for p in self.qkv_r)
        a_m = (  # eq. 6, summed as eq. 8
            self.proj_m[0](self._att(qm, km, vm))
            + self.proj_m[1](self._att(qm, kr, vm))
            + self.proj_m[2](self._att(qr, km, vm))
        )
        a_r = (  # eq. 7
            self.proj_r[0](self._att(qr, kr, vr))
            + self.proj_r[1](self._att(qr, km, vr))
            + self.proj_r[2](self._att(qm, kr, vr))
        )
        cls_a = (cls_m + cls_r) / 2
        cls_f = cls_a + self.drop_path(self.p_f(torch.cat((a_m, a_r), -1)))  # eqs. 9-11
        # eq. 11 as printed: the MLP residual restarts from cls_a.
        return cls_a + self.drop_path(self.mlp(self.norm_f(cls_f)))


class TokenAttentionFusion(nn.Module):
    """Table 5 baselines: self-attention over [cls_m; cls_r] or cross-attention cls_m -> cls_r
    (one head, pre-norm, MLP ratio 1)."""

    def __init__(self, dim: int, cross: bool):
        super().__init__()
        self.cross = cross
        self.norm_q, self.norm_kv, self.norm2 = (
            nn.LayerNorm(dim),
            nn.LayerNorm(dim),
            nn.LayerNorm(dim),
        )
        self.attn = nn.MultiheadAttention(dim, 1, batch_first=True)
        self.mlp = Mlp(dim, dim)

    def forward(self, cls_m: torch.Tensor, cls_r: torch.Tensor) -> torch.Tensor:
        x = cls_m if self.cross else torch.cat((cls_m, cls_r), 1)
        kv = self.norm_kv(cls_r) if self.cross else self.norm_q(x)
        q = self.norm_q(x)
        x = x + self.attn(q, kv, kv, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


def build_fusion(kind: str, dim: int, num_tokens: int, pf: str = "fc") -> nn.Module | None:
    """The token fusion module of a branch (None for parameter-free fusions)."""
    if kind == "mctf":
        return MCTF(dim, num_tokens, pf)
    if kind in ("self_attention", "cross_attention"):
        return TokenAttentionFusion(dim, cross=kind == "cross_attention")
    if kind in ("sum", "mul", "none"):
        return None
    raise ValueError(f"fusion must be one of {FUSIONS + LATE_FUSIONS}, got {kind!r}")


def fuse(
    kind: str, module: nn.Module | None, cls_m: torch.Tensor, cls_r: torch.Tensor
) -> torch.Tensor:
    """Fused class tokens (B x n x C); "none" keeps the classification MCT only (w/o MCTF)."""
    if cls_r.shape[1] != cls_m.shape[1]:  # single KD token: broadcast to the MCT
        cls_r = cls_r.expand_as(cls_m)
    if kind == "none":
        return cls_m
    if kind == "sum":
        return cls_m + cls_r
    if kind == "mul":
        return cls_m * cls_r
    return module(cls_m, cls_r)


class SkeletonMCT(nn.Module):
    """HD-GCN with classification and KD tokens (paper Figure 4, eqs. 2-3)."""

    def __init__(self, gcn: HDGCN, num_cls: int, num_kd: int):
        super().__init__()
        self.gcn = gcn
        widths = [blk.out_channels for blk in gcn.blocks]
        self.cls_m = nn.Parameter(torch.zeros(1, num_cls, widths[0]))
        self.cls_r = nn.Parameter(torch.zeros(1, num_kd, widths[0]))
        nn.init.trunc_normal_(self.cls_m, std=0.02)
        self.p_m = nn.ModuleList(nn.Linear(w, w) for w in widths)
        self.p_s = nn.ModuleList(nn.Linear(w, w) for w in widths)
        # Tokens follow the block width (64 -> 128 -> 256) through a linear map, as MViT's
        # tokens grow through its projections.
        self.grow = nn.ModuleList(
            nn.Linear(widths[i - 1], widths[i])
            if i and widths[i] != widths[i - 1]
            else nn.Identity()
            for i in range(len(widths))
        )

    def forward(
        self, skeleton: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
        """Returns (cls_m, cls_r after the last block, cls_r after each block)."""
        b = skeleton.shape[0]
        x = self.gcn.embed(skeleton)
        cls_m = self.cls_m.expand(b, -1, -1)
        cls_r = self.cls_r.expand(b, -1, -1)
        kd_after = []
        for i, blk in enumerate(self.gcn.blocks):
            x = blk(x)
            nm, c, t, v = x.shape
            nodes = x.reshape(b, nm // b, c, t * v).permute(0, 1, 3, 2).reshape(b, -1, c)
            cls_m, cls_r = self.grow[i](cls_m), self.grow[i](cls_r)
            n_cls = cls_m.shape[1]
            joined = self.p_m[i](torch.cat((nodes, cls_m, cls_r), 1))  # eq. 2
            nodes = joined[:, : nodes.shape[1]]
            cls_m = joined[:, nodes.shape[1] : nodes.shape[1] + n_cls]
            cls_r = joined[:, nodes.shape[1] + n_cls :]
            cls_m = self.p_s[i](nodes.mean(1, keepdim=True)) + cls_m  # eq. 3
            x = nodes.reshape(b, nm // b, t * v, c).permute(0, 1, 3, 2).reshape(nm, c, t, v)
            kd_after.append(cls_r)
        return cls_m, cls_r, kd_after


class TransM3E(nn.Module):
    """TransM³E as in the paper. forward(video, skeleton) -> B x num_classes (logits in
    training, the mean of the two branches' scores in eval); return_parts=True gives a
    TransM3EOutput for `transm3e_loss`.

    Ablations: mct=False (one class and one KD token per branch, Table 3 "w/o MCT"),
    mctkd=False (no KD, Table 3), fusion="none" (w/o MCTF, Table 3) or sum / mul /
    self_attention / cross_attention (Table 5), kd_tokens="single" (KD on one token, Table 4
    "KD"), kd_position final / dense / sparse (Table 4), fusion late_sum / late_concat /
    late_mul (Table 6: plain backbones fused at the feature level, one head).
    stage=1: MCT only (first training stage); set_stage(2) adds MCTKD and MCTF.
    """

    def __init__(
        self,
        num_classes: int = 20,
        rgb_config: MViTConfig = MVITV2_S,
        num_frames: int = 16,
        crop_size: int = 224,
        skeleton_channels: int = 64,
        num_persons: int = 1,
        mct: bool = True,
        mctkd: bool = True,
        kd_tokens: str = "mct",
        kd_position: str = "sparse",
        kd_weight: float = 1.0,
        kd_temperature: float = 1.0,
        fusion: str = "mctf",
        stage: int = 2,
        head: str = "sigmoid",
        dropout: float = 0.5,
        drop_path: float = 0.2,
        attention: str = "sdpa",
    ):
        super().__init__()
        if kd_tokens not in ("mct", "single"):
            raise ValueError(f"kd_tokens must be 'mct' or 'single', got {kd_tokens!r}")
        self.late = fusion in LATE_FUSIONS
        self.fusion, self.head_kind = fusion, head
        self.mctkd = mctkd and not self.late
        self.kd_weight, self.kd_temperature = kd_weight, kd_temperature
        self.stage = stage
        n_cls = num_classes if mct else 1
        n_kd = (num_classes if mct and kd_tokens == "mct" else 1) if not self.late else 0
        if self.late:
            n_cls = 1
        self.n_cls, self.n_kd = n_cls, n_kd
        self.rgb = MViT(
            num_classes, rgb_config, num_frames, crop_size, n_kd + n_cls, drop_path,
            attention=attention, with_head=False,
        )  # fmt: skip
        if n_kd:
            with torch.no_grad():  # KD tokens start at zero (published code)
                self.rgb.tokens[:, :n_kd] = 0
        gcn = HDGCN(
            num_classes, num_persons=num_persons, base_channels=skeleton_channels, with_head=False
        )
        rgb_dim, skel_dim = self.rgb.num_features, gcn.num_features
        if self.late:
            self.skeleton = gcn
            self.skel_proj = nn.Linear(skel_dim, rgb_dim) if fusion != "late_concat" else None
            in_dim = rgb_dim + skel_dim if fusion == "late_concat" else rgb_dim
            self.head = ClassifierHead(in_dim, num_classes, dropout, head)
            return
        self.skeleton = SkeletonMCT(gcn, n_cls, n_kd)
        self.rgb_fusion = build_fusion(fusion, rgb_dim, n_cls)
        self.skel_fusion = build_fusion(fusion, skel_dim, n_cls)
        self.rgb_head = ClassifierHead(rgb_dim, num_classes, dropout, head)
        self.skel_head = ClassifierHead(skel_dim, num_classes, dropout, head)
        depth = len(self.rgb.blocks)
        self.kd_blocks = kd_positions(kd_position, depth, self.rgb.reduction_blocks)
        skel_depth = len(gcn.blocks)
        self.kd_pairs = [(i, paired_block(i, depth, skel_depth)) for i in self.kd_blocks]
        if self.mctkd:
            rgb_widths = [blk.dim_out for blk in self.rgb.blocks]
            skel_widths = [blk.out_channels for blk in gcn.blocks]
            self.kd_adapters = nn.ModuleList(
                nn.Linear(skel_widths[j], rgb_widths[i]) for i, j in self.kd_pairs
            )

    def set_stage(self, stage: int) -> None:
        """1: MCT only (first N_MCT epochs); 2: MCT + MCTKD + MCTF."""
        if stage not in (1, 2):
            raise ValueError(f"stage must be 1 or 2, got {stage}")
        self.stage = stage

    def _late(self, video: torch.Tensor, skeleton: torch.Tensor) -> TransM3EOutput:
        r = self.rgb.forward_features(video)
        s = self.skeleton.forward_features(skeleton)
        if self.fusion == "late_concat":
            f = torch.cat((r, s), -1)
        elif self.fusion == "late_sum":
            f = r + self.skel_proj(s)
        else:
            f = r * self.skel_proj(s)
        out = self.head(f)
        return TransM3EOutput(out, [out] if self.training else [], [], 0.0, self.head_kind)

    def forward(
        self, video: torch.Tensor, skeleton: torch.Tensor, return_parts: bool = False
    ) -> torch.Tensor | TransM3EOutput:
        if self.late:
            out = self._late(video, skeleton)
            return out if return_parts else out.logits
        s_cls_m, s_cls_r, s_kd_after = self.skeleton(skeleton)
        x, thw, nt = self.rgb.embed(video)
        n_kd = self.n_kd
        full = self.stage == 2
        kd_terms = []
        rgb_kd_after = {}
        for i, blk in enumerate(self.rgb.blocks):
            x, thw = blk(x, thw, nt)
            rgb_kd_after[i] = x[:, :n_kd]
        x = self.rgb.norm(x)
        r_cls_r, r_cls_m = x[:, :n_kd], x[:, n_kd:nt]
        if full and self.mctkd:
            for adapter, (i, j) in zip(self.kd_adapters, self.kd_pairs, strict=True):
                kd_terms.append(
                    mctkd_kl(rgb_kd_after[i], adapter(s_kd_after[j]), self.kd_temperature)
                )
        kind = self.fusion if full else "none"
        r_tok = fuse(kind, self.rgb_fusion, r_cls_m, r_cls_r)
        s_tok = fuse(kind, self.skel_fusion, s_cls_m, s_cls_r)
        logits = [self.rgb_head(r_tok.mean(1)), self.skel_head(s_tok.mean(1))]  # eq. 1
        combined = (logits[0] + logits[1]) / 2
        out = TransM3EOutput(combined, logits, kd_terms, self.kd_weight, self.head_kind)
        return out if return_parts else combined


class TransM3ERGBDiff(nn.Module):
    """The published code's TransM³E: an MViTv2-S student on RGB with [20 KD | 20 cls] tokens,
    a frozen MViTv2-S teacher (20 tokens) on the RGB difference |f[t] - f[t-1]| (frame 0 zero),
    dense KD after every block (T = 10, weight 0.9 T², softmax over the token axis), MCTF with
    an MLP P_f, softmax head trained with BCE on the softmax. forward(video[, skeleton]);
    the skeleton is ignored. Load teacher weights with mvit.load_pyslowfast_checkpoint."""

    def __init__(
        self,
        num_classes: int = 20,
        num_frames: int = 16,
        crop_size: int = 224,
        rgb_config: MViTConfig = MVITV2_S,
        temperature: float = 10.0,
        head: str = "softmax",
        dropout: float = 0.5,
        drop_path: float = 0.2,
        attention: str = "sdpa",
        stage: int = 2,
    ):
        super().__init__()
        n = num_classes
        self.n, self.temperature, self.head_kind, self.stage = n, temperature, head, stage
        self.student = MViT(
            n,
            rgb_config,
            num_frames,
            crop_size,
            2 * n,
            drop_path,
            attention=attention,
            with_head=False,
        )
        with torch.no_grad():
            self.student.tokens[:, :n] = 0
        self.teacher = MViT(
            n, rgb_config, num_frames, crop_size, n, drop_path, attention=attention, with_head=False
        )
        self.teacher.requires_grad_(False)
        dim = self.student.num_features
        self.fusion = MCTF(dim, n, pf="mlp")
        self.head = ClassifierHead(dim, num_classes, dropout, head)

    def train(self, mode: bool = True) -> TransM3ERGBDiff:
        super().train(mode)
        self.teacher.eval()  # frozen: no dropout / drop path
        return self

    def set_stage(self, stage: int) -> None:
        if stage not in (1, 2):
            raise ValueError(f"stage must be 1 or 2, got {stage}")
        self.stage = stage

    def forward(
        self, video: torch.Tensor, skeleton: torch.Tensor | None = None, return_parts: bool = False
    ) -> torch.Tensor | TransM3EOutput:
        n, t2 = self.n, self.temperature**2
        x, thw, nt = self.student.embed(video)
        kd_terms = []
        full = self.stage == 2
        if full:
            diff = torch.cat(
                (torch.zeros_like(video[:, :, :1]), (video[:, :, 1:] - video[:, :, :-1]).abs()), 2
            )
            with torch.no_grad():
                y, ythw, ynt = self.teacher.embed(diff)
        for i, blk in enumerate(self.student.blocks):
            x, thw = blk(x, thw, nt)
            if full:
                with torch.no_grad():
                    y, ythw = self.teacher.blocks[i](y, ythw, ynt)
                s = F.log_softmax(x[:, :n] / self.temperature, dim=1)
                t = F.softmax(y[:, :n] / self.temperature, dim=1)
                kd_terms.append(F.kl_div(s, t, reduction="none").mean() * 0.9 * t2)
        x = self.student.norm(x)
        cls_r, cls_m = x[:, :n], x[:, n:nt]
        tok = self.fusion(cls_m, cls_r) if full else cls_m
        logits = self.head(tok.mean(1))
        # The code averages the per-block terms and adds them with weight 1.
        kd = [torch.stack(kd_terms).mean()] if kd_terms else []
        out = TransM3EOutput(logits, [logits], kd, 1.0, self.head_kind)
        return out if return_parts else logits


def transm3e_loss(out: TransM3EOutput, targets: torch.Tensor) -> dict[str, torch.Tensor]:
    """Classification (mean over branches of the multi-label loss) + kd_weight x mean KD term.
    Returns {"loss", "cls", "kd"} so training can log the parts."""
    if not out.branch_logits:
        raise ValueError("transm3e_loss needs a training-mode forward with return_parts=True")
    cls = torch.stack([multilabel_loss(lg, targets, out.head) for lg in out.branch_logits]).mean()
    kd = torch.stack(out.kd_terms).mean() if out.kd_terms else cls.new_zeros(())
    return {"loss": cls + out.kd_weight * kd, "cls": cls.detach(), "kd": kd.detach()}


def build_transm3e(num_classes: int = 20, teacher: str = "skeleton", **kwargs) -> nn.Module:
    """teacher="skeleton": the paper (HD-GCN branch); "rgb_diff": the published code."""
    if teacher == "skeleton":
        return TransM3E(num_classes=num_classes, **kwargs)
    if teacher == "rgb_diff":
        return TransM3ERGBDiff(num_classes=num_classes, **kwargs)
    raise ValueError(f"teacher must be 'skeleton' or 'rgb_diff', got {teacher!r}")


MODELS = {
    "transm3e": ModelSpec(
        "transm3e", "two_stream", build_transm3e, ("video", "skeleton"),
        {"teacher": "skeleton"},  # the other defaults: TransM3E / TransM3ERGBDiff signatures
        paper_params=55.4e6, reference_params=None,
        description="TransM³E: MViTv2-S + HD-GCN with MCT, MCTKD (sparse) and MCTF",
    ),
}  # fmt: skip
