"""Classification heads and multi-label losses shared by every model.

Default: sigmoid head + binary cross-entropy (the standard multi-label choice).
Paper-faithful option `head="softmax"`: eq. 1 of the paper applies SoftMax over the regions,
and the published code trains with BCE on that softmax output (its "focal_loss_multilabel"
with gamma unused). Scores written to prediction files are the head's output at eval time."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

HEADS = ("sigmoid", "softmax")


class ClassifierHead(nn.Module):
    """Dropout -> Linear -> (at eval) sigmoid or softmax. `forward` returns logits in training
    mode and scores in eval mode, so a model's eval output is what predictions record."""

    def __init__(
        self, in_features: int, num_classes: int, dropout: float = 0.5, head: str = "sigmoid"
    ):
        super().__init__()
        if head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}, got {head!r}")
        self.head = head
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.fc = nn.Linear(in_features, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.fc(self.dropout(x))
        return logits if self.training else scores_from_logits(logits, self.head)


def scores_from_logits(logits: torch.Tensor, head: str) -> torch.Tensor:
    """Probabilities from logits: element-wise sigmoid, or softmax over regions."""
    return torch.sigmoid(logits) if head == "sigmoid" else torch.softmax(logits, dim=-1)


def multilabel_loss(
    logits: torch.Tensor, targets: torch.Tensor, head: str = "sigmoid"
) -> torch.Tensor:
    """BCE with logits (sigmoid head) or BCE on the softmax output (paper / published code)."""
    targets = targets.to(logits.dtype)
    if head == "sigmoid":
        return F.binary_cross_entropy_with_logits(logits, targets)
    probs = torch.softmax(logits.float(), dim=-1).clamp(1e-7, 1 - 1e-7)
    return F.binary_cross_entropy(probs, targets.float())
