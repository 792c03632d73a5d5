"""`musclemap predict --checkpoint CKPT --data PREPARED --split SPLIT --out PREDS.json`."""

from __future__ import annotations

from pathlib import Path

import click

HELP = """Score every clip of SPLIT with a trained checkpoint and write a
musclemap-predictions/1 file (score it with musclemap evaluate).

\b
Test protocol: by default the authors' single view (first temporal window from
frame 0, short side 256, centre crop 224); --temporal-views / --spatial-views
average several views instead (e.g. 10 x 3).
"""


@click.command(help=HELP)
@click.option("--checkpoint", "ckpt", required=True, type=click.Path(path_type=Path))
@click.option(
    "--data",
    "data",
    required=True,
    type=click.Path(path_type=Path),
    help="Prepared dataset folder.",
)
@click.option(
    "--split",
    "split",
    required=True,
    help="Split name(s), comma-separated (e.g. test_known,test_new).",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="Predictions JSON to write.",
)
@click.option("--batch-size", default=8, show_default=True)
@click.option("--num-workers", default=2, show_default=True)
@click.option("--temporal-views", default=1, show_default=True)
@click.option("--spatial-views", default=1, show_default=True, type=click.Choice(["1", "3"]))
@click.option("--device", default="auto", show_default=True)
def predict(
    ckpt, data, split, out, batch_size, num_workers, temporal_views, spatial_views, device
) -> None:
    from musclemap_bench.train.predict import predict_checkpoint

    n = predict_checkpoint(
        ckpt, data, [s.strip() for s in split.split(",") if s.strip()], out,
        batch_size=batch_size, num_workers=num_workers, temporal_views=temporal_views,
        spatial_views=int(spatial_views), device=device,
    )  # fmt: skip
    click.echo(f"wrote {out} ({n} clips)")
