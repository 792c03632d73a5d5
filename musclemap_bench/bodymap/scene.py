"""The body map as a list of drawing primitives, built once and written by both the SVG and
the matplotlib back ends, so the two outputs show exactly the same shapes and colours."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.bodymap.shapes import VIEWS, load_shapes
from musclemap_bench.bodymap.values import BodyValues

SILHOUETTE_FILL = "#f3efea"
OUTLINE = "#7d7770"
ACTIVE = "#c0392b"
INACTIVE = "#ddd7d0"
TEXT = "#222222"
# Score ramp (0 -> 1): pale -> orange -> deep red, readable in print and for red-green colour
# blindness because it also varies strongly in lightness.
RAMP = ((0.0, "#f7f4f0"), (0.5, "#f4a261"), (1.0, "#b2182b"))

VIEW_GAP = 30
TOP = 60
LEGEND_WIDTH = 230
MARGIN = 15


@dataclass(frozen=True)
class Poly:
    points: tuple[tuple[float, float], ...]
    fill: str
    stroke: str | None = OUTLINE
    tooltip: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class Oval:
    cx: float
    cy: float
    rx: float
    ry: float
    fill: str
    stroke: str | None = OUTLINE
    tooltip: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    size: float = 12
    anchor: str = "start"  # start | middle
    bold: bool = False


@dataclass
class Scene:
    width: float
    height: float
    items: list
    region_fill: dict[str, str]


def _hex(rgb) -> str:
    return "#" + "".join(f"{round(c):02x}" for c in rgb)


def _rgb(hexcolour: str) -> np.ndarray:
    return np.array([int(hexcolour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


def score_colour(value: float) -> str:
    """Colour of a score in [0, 1] on the ramp (linear interpolation between stops)."""
    v = float(np.clip(value, 0.0, 1.0))
    for (a, ca), (b, cb) in zip(RAMP[:-1], RAMP[1:], strict=True):
        if v <= b:
            t = (v - a) / (b - a)
            return _hex(_rgb(ca) * (1 - t) + _rgb(cb) * t)
    return RAMP[-1][1]


def region_colours(values: BodyValues) -> dict[str, str]:
    """Fill colour per region key."""
    keys = load_taxonomy().region_keys
    if values.binary:
        return {
            k: ACTIVE if v > 0.5 else INACTIVE for k, v in zip(keys, values.values, strict=True)
        }
    return {k: score_colour(v) for k, v in zip(keys, values.values, strict=True)}


def _legend(values: BodyValues, x0: float, y0: float) -> list:
    tax = load_taxonomy()
    names, vals = tax.region_names, values.values
    items: list = [Text(x0, y0, "Legend", 14, bold=True)]
    y = y0 + 22
    if values.binary:
        for fill, label in ((ACTIVE, "active"), (INACTIVE, "not active")):
            items.append(
                Poly(((x0, y - 11), (x0 + 18, y - 11), (x0 + 18, y + 3), (x0, y + 3)), fill)
            )
            items.append(Text(x0 + 26, y, label))
            y += 22
        active = [n for n, v in zip(names, vals, strict=True) if v > 0.5]
        items.append(Text(x0, y + 8, f"Active regions ({len(active)} of {len(names)}):", bold=True))
        y += 28
        for n in active:
            items.append(Text(x0 + 8, y, n, 11))
            y += 16
        return items
    steps = 40
    bar_w = LEGEND_WIDTH - 40
    for i in range(steps):
        a = x0 + bar_w * i / steps
        b = x0 + bar_w * (i + 1) / steps + 0.5  # overlap by half a unit to hide seams
        items.append(
            Poly(
                ((a, y - 10), (b, y - 10), (b, y + 6), (a, y + 6)),
                score_colour((i + 0.5) / steps),
                None,
            )
        )
    items.append(Text(x0, y + 22, "0", 11))
    items.append(Text(x0 + bar_w / 2, y + 22, "0.5", 11, "middle"))
    items.append(Text(x0 + bar_w, y + 22, "1", 11, "middle"))
    items.append(Text(x0, y + 40, f"colour = {values.note or 'score'}", 11))
    y += 70
    items.append(Text(x0, y, "Highest regions:", bold=True))
    y += 20
    for idx in np.argsort(-vals, kind="stable")[:8]:
        items.append(Text(x0 + 8, y, f"{names[idx]}  {vals[idx]:.2f}", 11))
        y += 16
    return items


def build_scene(values: BodyValues) -> Scene:
    """Front view, back view and legend, laid out left to right."""
    body = load_shapes()
    tax = load_taxonomy()
    name_of = dict(zip(tax.region_keys, tax.region_names, strict=True))
    value_of = dict(zip(tax.region_keys, values.values, strict=True))
    fills = region_colours(values)
    items: list = [Text(MARGIN, 28, values.title, 16, bold=True)]
    for i, view in enumerate(VIEWS):
        dx, dy = MARGIN + i * (body.width + VIEW_GAP), TOP

        def move(points, dx=dx, dy=dy):
            return tuple((x + dx, y + dy) for x, y in points)

        items.append(Poly(move(body.silhouette.polygon), SILHOUETTE_FILL))
        cx, cy, rx, ry = body.head.ellipse
        items.append(Oval(cx + dx, cy + dy, rx, ry, SILHOUETTE_FILL))
        for shape in body.views[view]:
            label = name_of[shape.region]
            tip = (
                f"{label}: {'active' if value_of[shape.region] > 0.5 else 'not active'}"
                if values.binary
                else f"{label}: {value_of[shape.region]:.3f}"
            )
            if shape.ellipse is not None:
                cx, cy, rx, ry = shape.ellipse
                items.append(
                    Oval(
                        cx + dx,
                        cy + dy,
                        rx,
                        ry,
                        fills[shape.region],
                        tooltip=tip,
                        region=shape.region,
                    )
                )
            else:
                items.append(
                    Poly(move(shape.polygon), fills[shape.region], tooltip=tip, region=shape.region)
                )
        items.append(
            Text(dx + body.width / 2, dy + body.height + 22, view, 14, "middle", bold=True)
        )
    legend_x = MARGIN + 2 * body.width + VIEW_GAP + 30
    items.extend(_legend(values, legend_x, TOP + 10))
    width = legend_x + LEGEND_WIDTH
    height = TOP + body.height + 40
    return Scene(width=width, height=height, items=items, region_fill=fills)
