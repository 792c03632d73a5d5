"""`musclemap demo`: the end-to-end demo on the embedded default data."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option("--out", default="demo_out", show_default=True, type=click.Path(path_type=Path))
@click.option("--seed", default=0, show_default=True)
@click.option("--bootstrap", default=200, show_default=True, help="Resamples for the CIs.")
def demo(out: Path, seed: int, bootstrap: int) -> None:
    """Build the demo split and score the statistic baselines with the standard evaluator."""
    from musclemap_bench.demo import run_demo

    run_demo(out, seed=seed, bootstrap=bootstrap)
