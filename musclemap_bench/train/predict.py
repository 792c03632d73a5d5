"""Predictions for every clip of a split from a training checkpoint."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader

from musclemap_bench.data.dataset import DataConfig, MuscleMapDataset
from musclemap_bench.data.prepared import open_prepared
from musclemap_bench.errors import InputError
from musclemap_bench.evaluate import write_predictions
from musclemap_bench.hashing import sha256_file
from musclemap_bench.models import create_model
from musclemap_bench.train.checkpoint import load_checkpoint
from musclemap_bench.train.inference import predict_loader


def predict_checkpoint(
    checkpoint: str | Path,
    data: str | Path,
    splits: list[str],
    out: str | Path,
    batch_size: int = 8,
    num_workers: int = 2,
    temporal_views: int = 1,
    spatial_views: int = 1,
    device: str = "auto",
    progress: bool = True,
) -> int:
    """Write a musclemap-predictions/1 file for all clips of `splits`; returns the count."""
    from musclemap_bench import __version__

    if not splits:
        raise InputError("--split is empty")
    state = load_checkpoint(checkpoint)
    dev = torch.device(
        ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
    )
    cfg = state["config"]
    dcfg = DataConfig.from_dict(
        {**cfg["data"], "temporal_views": temporal_views, "spatial_views": spatial_views}
    )
    prepared = open_prepared(data)
    ds = MuscleMapDataset(prepared, splits, state["modalities"], False, dcfg)
    model = create_model(state["model_name"], **state["model_args"]).to(dev)
    model.load_state_dict(state["model"])
    if hasattr(model, "set_stage"):
        model.set_stage(2)
    loader = DataLoader(ds, batch_size=batch_size, num_workers=num_workers)
    idx, scores = predict_loader(
        model, loader, state["modalities"], dev, views=ds.num_views, progress=progress
    )
    order = np.argsort(idx)
    ids = [ds.clip_ids[i] for i in np.asarray(idx)[order]]
    meta = {
        "name": state["model_name"],
        "num_params": int(state["num_params"]),
        "checkpoint": Path(checkpoint).name,
        "checkpoint_sha256": sha256_file(checkpoint),
        "package_version": __version__,
        "trained_epochs": int(state["epoch"]),
        "model_args": state["model_args"],
        "test_views": {"temporal": temporal_views, "spatial": spatial_views},
        "splits": list(splits),
    }
    write_predictions(out, ids, scores[order], model=meta)
    return len(ids)
