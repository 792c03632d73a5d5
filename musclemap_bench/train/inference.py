"""Shared between training-time validation and `musclemap predict`: model inputs from a
batch, the model's training loss, and scores for every clip of a dataset."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from musclemap_bench.data.prepared import MODALITIES
from musclemap_bench.errors import InputError
from musclemap_bench.models.heads import ClassifierHead, multilabel_loss


def modalities_for(inputs: tuple[str, ...], video_modality: str) -> list[str]:
    """Dataset modalities feeding a model's declared inputs ("video" -> video_modality)."""
    if not inputs:
        raise InputError(
            "this model has no trainable inputs (a statistic baseline); use musclemap baseline"
        )
    out = []
    for name in inputs:
        m = video_modality if name == "video" else name
        if m not in MODALITIES:
            raise InputError(f"model input {name!r} maps to unknown modality {m!r}")
        out.append(m)
    return out


def model_args(
    batch: dict[str, Any], modalities: list[str], device: torch.device
) -> list[torch.Tensor]:
    """Positional model inputs, in the order of the model's declared inputs."""
    return [batch[m].to(device, non_blocking=True) for m in modalities]


def head_type(model: nn.Module) -> str:
    """The ClassifierHead's activation ("sigmoid" or "softmax"); sigmoid if none is found."""
    for m in model.modules():
        if isinstance(m, ClassifierHead):
            return m.head
    return "sigmoid"


def compute_loss(model: nn.Module, outputs: Any, targets: torch.Tensor) -> dict[str, torch.Tensor]:
    """The model's own `loss(outputs, targets)` (a dict with "total", e.g. TransM3E's parts) if
    it has one, else the multi-label loss of its head."""
    if hasattr(model, "loss"):
        parts = model.loss(outputs, targets)
        if isinstance(parts, torch.Tensor):
            parts = {"total": parts}
        if "total" not in parts:
            raise RuntimeError(f"{type(model).__name__}.loss must return a dict with key 'total'")
        return parts
    if isinstance(outputs, dict):
        outputs = outputs["logits"]
    return {"total": multilabel_loss(outputs, targets, head_type(model))}


def scores_of(outputs: Any) -> torch.Tensor:
    """Eval-mode output -> (B, R) scores (a model may return a dict with "scores")."""
    if isinstance(outputs, dict):
        outputs = outputs["scores"]
    return outputs


@torch.no_grad()
def predict_loader(
    model: nn.Module,
    loader,
    modalities: list[str],
    device: torch.device,
    views: int = 1,
    autocast=None,
    progress: bool = True,
    desc: str = "predict",
) -> tuple[list[int], np.ndarray]:
    """(dataset indices, scores N x R) for every batch of `loader`; views are averaged."""
    model.eval()
    idx: list[int] = []
    out: list[np.ndarray] = []
    for batch in tqdm(loader, desc=desc, disable=not progress, leave=False, dynamic_ncols=True):
        args = model_args(batch, modalities, device)
        b = len(batch["index"])
        if views > 1:  # B x V x ... -> (B V) x ...
            args = [a.flatten(0, 1) for a in args]
        with autocast or nullcontext():
            s = scores_of(model(*args)).float()
        s = s.reshape(b, views, -1).mean(1) if views > 1 else s
        idx.extend(int(i) for i in batch["index"])
        out.append(s.cpu().numpy().astype(np.float64))
    return idx, (np.concatenate(out) if out else np.zeros((0, 0)))
