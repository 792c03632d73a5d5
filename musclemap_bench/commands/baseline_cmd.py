"""`musclemap baseline random|all-ones --splits FILE --out PREDS.json`."""

from __future__ import annotations

from pathlib import Path

import click

from musclemap_bench.annotations import num_regions
from musclemap_bench.baselines import BASELINES
from musclemap_bench.evaluate.predictions import write_predictions
from musclemap_bench.splits import eval_split_names, read_split_file


@click.command()
@click.argument("name", type=click.Choice(sorted(BASELINES)))
@click.option("--splits", "split_file", required=True, type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(path_type=Path))
@click.option("--seed", default=0, show_default=True, help="Seed of the random baseline.")
def baseline(name: str, split_file: Path, out: Path, seed: int) -> None:
    """Write a statistic baseline's predictions for every evaluation clip of a split file."""
    df = read_split_file(split_file)
    clips = df.loc[df["split"].isin(eval_split_names()), "clip_id"].tolist()
    scores = BASELINES[name](len(clips), num_regions(), seed=seed)
    meta = {"name": name, "type": "statistic baseline", "num_params": 0}
    if name == "random":
        meta["seed"] = seed
    write_predictions(out, clips, scores, model=meta)
    click.echo(f"wrote {len(clips)} predictions to {out}")
