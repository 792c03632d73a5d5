"""Spatial transforms for video-like modalities and normalisation for skeletons.

Frames are tensors T x C x H x W (float). Every video-like modality of one sample goes
through the same geometry (crop box, flip) so they stay aligned; colour jitter only touches
RGB. Written with torch ops because no torchvision is available in this project's stack and
the whole clip is resized in one interpolate call."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

# COCO-17 left/right swap under a horizontal flip (0 nose; odd left, even right).
COCO17_FLIP = (0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15)


def resize(x: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """Bilinear resize of T x C x H x W (antialiased when shrinking)."""
    if x.shape[-2:] == (h, w):
        return x
    return F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False, antialias=True)


def short_side_size(h: int, w: int, short: int) -> tuple[int, int]:
    """(h, w) with the shorter side scaled to `short`, aspect ratio kept."""
    if h <= w:
        return short, max(1, int(round(w * short / h)))
    return max(1, int(round(h * short / w))), short


def crop_offsets(h: int, w: int, size: int, views: int) -> list[tuple[int, int]]:
    """(y, x) of `views` square crops: 1 = centre; 3 = start/centre/end along the long side."""
    cy, cx = (h - size) // 2, (w - size) // 2
    if views <= 1:
        return [(cy, cx)]
    if views != 3:
        raise ValueError("spatial views must be 1 or 3")
    if h > w:
        return [(0, cx), (cy, cx), (h - size, cx)]
    return [(cy, 0), (cy, cx), (cy, w - size)]


def random_resized_box(
    h: int, w: int, rng: np.random.Generator, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)
) -> tuple[int, int, int, int]:
    """(y, x, bh, bw) of an Inception-style random crop: area fraction in `scale`, aspect in
    `ratio`; falls back to the largest centred box of a valid aspect ratio."""
    area = h * w
    log_r = (math.log(ratio[0]), math.log(ratio[1]))
    for _ in range(10):
        target = area * rng.uniform(*scale)
        aspect = math.exp(rng.uniform(*log_r))
        bw = int(round(math.sqrt(target * aspect)))
        bh = int(round(math.sqrt(target / aspect)))
        if 0 < bw <= w and 0 < bh <= h:
            return int(rng.integers(0, h - bh + 1)), int(rng.integers(0, w - bw + 1)), bh, bw
    in_ratio = w / h
    if in_ratio < ratio[0]:
        bw, bh = w, int(round(w / ratio[0]))
    elif in_ratio > ratio[1]:
        bh, bw = h, int(round(h * ratio[1]))
    else:
        bh, bw = h, w
    return (h - bh) // 2, (w - bw) // 2, bh, bw


def scale_flow(flow: torch.Tensor, sy: float, sx: float) -> torch.Tensor:
    """Flow vectors (channels x, y) follow a resize by (sy, sx)."""
    return flow * torch.tensor([sx, sy], dtype=flow.dtype).view(1, 2, 1, 1)


def color_jitter(x: torch.Tensor, strength: float, rng: np.random.Generator) -> torch.Tensor:
    """Brightness, contrast and saturation, each by a factor in [1-s, 1+s], one draw per clip,
    applied in random order (as torchvision's ColorJitter(s, s, s)). x in [0, 1]."""
    if strength <= 0:
        return x
    factors = rng.uniform(max(0.0, 1 - strength), 1 + strength, size=3)
    gray_w = torch.tensor([0.299, 0.587, 0.114], dtype=x.dtype).view(1, 3, 1, 1)
    for op in rng.permutation(3):
        f = float(factors[op])
        if op == 0:
            x = x * f
        elif op == 1:
            mean = (x * gray_w).sum(1, keepdim=True).mean(dim=(1, 2, 3), keepdim=True)
            x = (x - mean) * f + mean
        else:
            gray = (x * gray_w).sum(1, keepdim=True)
            x = (x - gray) * f + gray
        x = x.clamp(0.0, 1.0)
    return x


def normalize_skeleton(joints: np.ndarray) -> np.ndarray:
    """Centre and scale a T x 17 x 3 (x, y, score) clip: subtract the mean position of the
    detected joints over the clip and divide by the larger side of their bounding box.
    Undetected joints (score 0) stay all zero."""
    out = np.zeros_like(joints, dtype=np.float32)
    valid = joints[..., 2] > 0
    if not valid.any():
        return out
    xy = joints[..., :2][valid]
    centre = xy.mean(0)
    extent = float((xy.max(0) - xy.min(0)).max())
    scale = extent if extent > 1e-6 else 1.0
    out[..., :2] = np.where(valid[..., None], (joints[..., :2] - centre) / scale, 0.0)
    out[..., 2] = np.where(valid, joints[..., 2], 0.0)
    return out


def flip_skeleton(joints: np.ndarray) -> np.ndarray:
    """Mirror a centred T x 17 x 3 clip: negate x and swap left/right joints."""
    out = joints[:, list(COCO17_FLIP)].copy()
    out[..., 0] = -out[..., 0]
    return out
