"""Body map pictures: front and back human figures with the 20 muscle regions shaded by
label or score (SVG from our own writer, PNG through matplotlib patches of the same shapes)."""

from musclemap_bench.bodymap.render import render_png, render_svg, write_bodymap
from musclemap_bench.bodymap.shapes import Shape, load_shapes
from musclemap_bench.bodymap.values import BodyValues, values_for_activity, values_for_clip

__all__ = [
    "BodyValues",
    "Shape",
    "load_shapes",
    "render_png",
    "render_svg",
    "values_for_activity",
    "values_for_clip",
    "write_bodymap",
]
