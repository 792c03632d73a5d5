"""Region shapes of the body map, read from `shapes.json` (data, not code)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from musclemap_bench.annotations import load_taxonomy

SHAPES_FILE = Path(__file__).with_name("shapes.json")
VIEWS = ("front", "back")


@dataclass(frozen=True)
class Shape:
    """One filled shape: a polygon (list of points) or an ellipse (cx, cy, rx, ry)."""

    region: str | None
    polygon: tuple[tuple[float, float], ...] | None = None
    ellipse: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class BodyShapes:
    width: float
    height: float
    silhouette: Shape
    head: Shape
    views: dict[str, tuple[Shape, ...]]


def _mirror(points, width: float) -> tuple[tuple[float, float], ...]:
    return tuple((width - x, y) for x, y in points)


def _shape(item: dict, width: float) -> list[Shape]:
    region = item.get("region")
    if "ellipse" in item:
        return [Shape(region, ellipse=tuple(item["ellipse"]))]
    pts = tuple((float(x), float(y)) for x, y in item["polygon"])
    shapes = [Shape(region, polygon=pts)]
    if item.get("mirror"):
        shapes.append(Shape(region, polygon=_mirror(pts, width)))
    return shapes


@lru_cache(maxsize=1)
def load_shapes() -> BodyShapes:
    """Load and expand the shapes; check every region of the taxonomy is drawn somewhere."""
    data = json.loads(SHAPES_FILE.read_text())
    width, height = float(data["width"]), float(data["height"])
    half = [tuple(p) for p in data["silhouette_half"]]
    outline = tuple(half) + tuple(reversed(_mirror(half, width)))
    views = {v: tuple(s for item in data["views"][v] for s in _shape(item, width)) for v in VIEWS}
    drawn = {s.region for shapes in views.values() for s in shapes}
    missing = [k for k in load_taxonomy().region_keys if k not in drawn]
    if missing:
        raise ValueError(f"{SHAPES_FILE.name}: region(s) {', '.join(missing)} have no shape")
    unknown = drawn - set(load_taxonomy().region_keys)
    if unknown:
        raise ValueError(f"{SHAPES_FILE.name}: unknown region(s) {', '.join(sorted(unknown))}")
    return BodyShapes(
        width=width,
        height=height,
        silhouette=Shape(None, polygon=outline),
        head=Shape(None, ellipse=tuple(data["head"]["ellipse"])),
        views=views,
    )
