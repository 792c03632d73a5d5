"""Training configuration: nested defaults (the paper's hyper-parameters), a YAML file and
`--set section.key=value` overrides, validated so a typo is an error, not a silent no-op."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from musclemap_bench.data.dataset import DataConfig
from musclemap_bench.errors import InputError


def default_config() -> dict[str, Any]:
    """All settings with their defaults. `model.args` is free-form (passed to create_model)."""
    return {
        "model": {"name": None, "args": {}},
        "data": DataConfig().to_dict(),
        "input": {"video_modality": "rgb"},
        "optim": {"lr": 1e-4, "weight_decay": 0.05, "betas": [0.9, 0.999], "grad_clip": 1.0},
        "schedule": {"epochs": 30, "warmup_epochs": 2.0, "min_lr_ratio": 0.0},
        "train": {
            "batch_size": 8,
            "accum_steps": 1,
            "seed": 0,
            "amp": "auto",  # auto: on for CUDA, off on CPU
            "amp_dtype": "bfloat16",
            "num_workers": 2,
            "stage1_epochs": 0,  # two-stage schedule (TransM3E): model.set_stage(1) for N epochs
            "eval_every": 1,
            "eval_batch_size": 8,
            "val_splits": ["val_known", "val_new"],
            "save_every_steps": 0,  # 0: checkpoint at epoch ends only
            "device": "auto",
        },
    }


def _merge(base: dict[str, Any], over: dict[str, Any], where: str) -> None:
    for key, value in over.items():
        path = f"{where}.{key}" if where else key
        if key not in base:
            raise InputError(f"unknown setting {path!r}; choose from {', '.join(sorted(base))}")
        if isinstance(base[key], dict) and path != "model.args":
            if not isinstance(value, dict):
                raise InputError(f"setting {path!r} is a section; give {path}.<key>=value")
            _merge(base[key], value, path)
        elif path == "model.args":
            if not isinstance(value, dict):
                raise InputError("model.args must be a mapping")
            base[key].update(value)
        else:
            base[key] = value


def parse_override(text: str) -> dict[str, Any]:
    """'train.epochs=2' -> {'train': {'epochs': 2}} (the value is parsed as YAML)."""
    if "=" not in text:
        raise InputError(f"--set {text!r}: expected section.key=value")
    key, raw = text.split("=", 1)
    parts = [p for p in key.strip().split(".") if p]
    if len(parts) < 2:
        raise InputError(f"--set {text!r}: key must be section.key (e.g. train.epochs=2)")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        raise InputError(f"--set {text!r}: value is not valid YAML") from None
    for p in reversed(parts):
        value = {p: value}
    return value


def build_config(
    model: str | None = None, config_file: str | Path | None = None, overrides: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Defaults <- YAML file <- --set overrides <- --model; validated."""
    cfg = default_config()
    if config_file is not None:
        path = Path(config_file)
        if not path.is_file():
            raise InputError(f"{path}: no such config file")
        try:
            loaded = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as exc:
            raise InputError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
        if not isinstance(loaded, dict):
            raise InputError(f"{path}: top level must be a mapping of sections")
        _merge(cfg, loaded, "")
    for text in overrides:
        _merge(cfg, parse_override(text), "")
    if model:
        cfg["model"]["name"] = model
    return validate(cfg)


def validate(cfg: dict[str, Any]) -> dict[str, Any]:
    """Type/range checks with one-line messages; returns a deep copy."""
    cfg = copy.deepcopy(cfg)
    if not cfg["model"]["name"]:
        raise InputError(
            "no model: pass --model NAME (see musclemap models) or model.name in the config"
        )
    DataConfig.from_dict(cfg["data"])
    t, o, s = cfg["train"], cfg["optim"], cfg["schedule"]
    ints = {"train.batch_size": t["batch_size"], "train.accum_steps": t["accum_steps"],
            "schedule.epochs": s["epochs"], "train.eval_batch_size": t["eval_batch_size"]}  # fmt: skip
    for name, v in ints.items():
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise InputError(f"{name} must be a positive integer, got {v!r}")
    for name in ("seed", "num_workers", "stage1_epochs", "save_every_steps", "eval_every"):
        v = t[name]
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise InputError(f"train.{name} must be a non-negative integer, got {v!r}")
    for name in ("lr", "weight_decay", "grad_clip"):
        if not isinstance(o[name], (int, float)) or o[name] < 0:
            raise InputError(f"optim.{name} must be a non-negative number, got {o[name]!r}")
    if not isinstance(s["warmup_epochs"], (int, float)) or s["warmup_epochs"] < 0:
        raise InputError("schedule.warmup_epochs must be a non-negative number")
    if t["amp"] not in ("auto", True, False):
        raise InputError("train.amp must be auto, true or false")
    if t["amp_dtype"] not in ("bfloat16", "float16"):
        raise InputError("train.amp_dtype must be bfloat16 or float16")
    if t["stage1_epochs"] > s["epochs"]:
        raise InputError("train.stage1_epochs cannot exceed schedule.epochs")
    return cfg
