"""Model registry: discovers `MODELS` dicts in the modules of musclemap_bench.models."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from musclemap_bench.errors import InputError

# Modules of this package that are infrastructure, not model families.
_NOT_FAMILIES = {"registry", "heads"}


@dataclass(frozen=True)
class ModelSpec:
    """How to build one named model and what it consumes.

    builder(num_classes=..., **kwargs) -> nn.Module (or a callable for statistic baselines).
    inputs: the batch keys the model's forward takes, from {"video", "skeleton"}
      (video: B x 3 x T x H x W; skeleton: B x C x T x V x M, COCO-17 joints); () for
      statistic baselines.
    defaults: the model's default hyper-parameters (overridable by create_model kwargs).
    paper_params / reference_params: Table 2's count and the reference implementation's
      count with 20 classes (None where not applicable).
    """

    name: str
    family: str
    builder: Callable[..., Any]
    inputs: tuple[str, ...]
    defaults: dict[str, Any] = field(default_factory=dict)
    paper_params: float | None = None
    reference_params: int | None = None
    description: str = ""


@lru_cache(maxsize=1)
def _registry() -> dict[str, ModelSpec]:
    import musclemap_bench.models as pkg

    specs: dict[str, ModelSpec] = {}
    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name in _NOT_FAMILIES or mod.name.startswith("_"):
            continue
        module = importlib.import_module(f"musclemap_bench.models.{mod.name}")
        for name, spec in getattr(module, "MODELS", {}).items():
            if name in specs:
                raise RuntimeError(f"model {name!r} registered twice")
            specs[name] = spec
    return specs


def list_models() -> list[str]:
    """Names of all registered models."""
    return sorted(_registry())


def get_spec(name: str) -> ModelSpec:
    """The ModelSpec of a model; InputError naming the choices if unknown."""
    try:
        return _registry()[name]
    except KeyError:
        raise InputError(
            f"unknown model {name!r}; choose from {', '.join(list_models())}"
        ) from None


def create_model(name: str, num_classes: int | None = None, **overrides: Any):
    """Build a model by name. num_classes defaults to the number of regions (20)."""
    from musclemap_bench.annotations import num_regions

    spec = get_spec(name)
    kwargs = {**spec.defaults, **overrides}
    return spec.builder(num_classes=num_regions() if num_classes is None else num_classes, **kwargs)
