"""`musclemap demo`: the end-to-end demo on the embedded SYNTHETIC default data."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option("--out", default="demo_out", show_default=True, type=click.Path(path_type=Path))
@click.option("--fast", is_flag=True, help="Small preset (~3 minutes on 2 cores; used by CI).")
@click.option("--seed", default=0, show_default=True)
def demo(out: Path, fast: bool, seed: int) -> None:
    """Run the whole toolkit end to end on SYNTHETIC clips: synth -> loopback download ->
    prepare -> splits -> train (skeleton GCN + small video model) -> predict -> evaluate
    with CIs -> statistic baselines -> synthetic leaderboard -> body maps. Re-running
    resumes finished stages."""
    from musclemap_bench.demo import run_demo

    run_demo(out, preset="fast" if fast else "default", seed=seed, echo=click.echo)
