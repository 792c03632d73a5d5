"""`musclemap export-pose DATASET OUT.pkl --format mmaction`."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("dataset", type=click.Path(path_type=Path))
@click.argument("output", type=click.Path(path_type=Path))
@click.option("--format", "fmt", default="mmaction", show_default=True,
              type=click.Choice(["mmaction"]), help="Output schema (MMAction2 / pyskl pose pkl).")  # fmt: skip
def export_pose(dataset: Path, output: Path, fmt: str) -> None:
    """Write the skeletons of a prepared DATASET as an MMAction2/pyskl pose annotation pickle."""
    from musclemap_bench.prepare.export_pose import export_mmaction

    n = export_mmaction(dataset, output)
    click.echo(f"{output}: {n} clip(s) with skeletons")
