"""Reference models in plain PyTorch.

`create_model(name, num_classes=20, **overrides)` and `list_models()`. Each family lives in
its own module in this package and exposes `MODELS: dict[str, ModelSpec]`; the registry
discovers them, so adding a family never edits a central list. Each model's defaults live in
its ModelSpec (one place)."""

from musclemap_bench.models.registry import ModelSpec, create_model, get_spec, list_models

__all__ = ["ModelSpec", "create_model", "get_spec", "list_models"]
