"""Write a body-map scene as SVG (own writer: the format is simple and this keeps the core
free of a drawing dependency) or PNG (matplotlib patches of the same primitives)."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from musclemap_bench.atomic import atomic_path, write_text
from musclemap_bench.bodymap.scene import TEXT, Oval, Poly, Scene, Text, build_scene
from musclemap_bench.bodymap.values import BodyValues
from musclemap_bench.errors import InputError

FORMATS = (".svg", ".png")


def _svg_item(item) -> str:
    tip = f"<title>{escape(item.tooltip)}</title>" if getattr(item, "tooltip", None) else ""
    stroke = f' stroke="{item.stroke}" stroke-width="0.8"' if getattr(item, "stroke", None) else ""
    if getattr(item, "region", None):
        stroke += f' data-region="{item.region}"'
    if isinstance(item, Poly):
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in item.points)
        return f'<polygon points="{pts}" fill="{item.fill}"{stroke}>{tip}</polygon>'
    if isinstance(item, Oval):
        return (
            f'<ellipse cx="{item.cx:.1f}" cy="{item.cy:.1f}" rx="{item.rx:.1f}" ry="{item.ry:.1f}" '
            f'fill="{item.fill}"{stroke}>{tip}</ellipse>'
        )
    weight = ' font-weight="bold"' if item.bold else ""
    return (
        f'<text x="{item.x:.1f}" y="{item.y:.1f}" font-size="{item.size}" text-anchor="{item.anchor}"'
        f'{weight} fill="{TEXT}">{escape(item.text)}</text>'
    )


def render_svg(values: BodyValues) -> str:
    """The body map as a standalone SVG document."""
    scene = build_scene(values)
    body = "\n".join(_svg_item(i) for i in scene.items)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{scene.width:.0f}" height="{scene.height:.0f}" '
        f'viewBox="0 0 {scene.width:.0f} {scene.height:.0f}" font-family="DejaVu Sans, Arial, sans-serif">\n'
        f"<title>{escape(values.title)}</title>\n"
        f'<rect width="100%" height="100%" fill="white"/>\n{body}\n</svg>\n'
    )


def _draw(ax, scene: Scene, px_per_unit: float) -> None:
    from matplotlib.patches import Ellipse, Polygon

    for item in scene.items:
        edge = item.stroke if not isinstance(item, Text) and item.stroke else "none"
        if isinstance(item, Poly):
            ax.add_patch(
                Polygon(
                    item.points, closed=True, facecolor=item.fill, edgecolor=edge, linewidth=0.6
                )
            )
        elif isinstance(item, Oval):
            ax.add_patch(
                Ellipse(
                    (item.cx, item.cy),
                    2 * item.rx,
                    2 * item.ry,
                    facecolor=item.fill,
                    edgecolor=edge,
                    linewidth=0.6,
                )
            )
        else:
            ax.text(
                item.x,
                item.y,
                item.text,
                fontsize=item.size * px_per_unit * 0.72,  # scene units -> px -> points at dpi 100
                ha="left" if item.anchor == "start" else "center",
                va="baseline",
                fontweight="bold" if item.bold else "normal",
                color=TEXT,
            )


def render_png(values: BodyValues, path: str | Path, dpi: int = 100) -> None:
    """Draw the same scene with matplotlib and save it as PNG (atomically)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scene = build_scene(values)
    scale = 2.0  # pixels per scene unit at dpi=100
    fig = plt.figure(figsize=(scene.width * scale / 100, scene.height * scale / 100), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, scene.width)
    ax.set_ylim(scene.height, 0)
    ax.set_aspect("equal")
    ax.axis("off")
    _draw(ax, scene, scale)
    try:
        with atomic_path(path, suffix=".png") as tmp:
            fig.savefig(tmp, format="png", dpi=dpi, facecolor="white")
    finally:
        plt.close(fig)


def write_bodymap(values: BodyValues, out: str | Path) -> Path:
    """Write SVG or PNG, chosen by the file extension."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"{out}: output must end in .svg or .png")
    if suffix == ".svg":
        write_text(out, render_svg(values))
    else:
        render_png(values, out)
    return out
