"""`musclemap splits build MANIFEST --out FILE`."""

from __future__ import annotations

from pathlib import Path

import click

from musclemap_bench.atomic import write_table
from musclemap_bench.evaluate.report import print_table
from musclemap_bench.splits import assign_splits, read_table, split_summary


@click.group()
def splits() -> None:
    """Build and inspect the known/new clip splits."""


@splits.command("build")
@click.argument("manifest", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="Split file (.csv or .parquet).",
)
@click.option("--quiet", is_flag=True, help="Do not print the summary.")
def build(manifest: Path, out: Path, quiet: bool) -> None:
    """Assign every clip of MANIFEST (clip_id, video_id, activity, ...) to a split.

    Deterministic: a salted hash of video_id decides the partition, so all clips of a source
    video share a split and adding clips never moves existing ones (see splits/README.md).
    """
    df = assign_splits(read_table(manifest))
    write_table(out, df)
    if not quiet:
        from rich.table import Table

        summary = split_summary(df)
        table = Table(title=f"{out} ({len(df)} clips)")
        for col in ("split", "clips", "videos", "activities"):
            table.add_column(col, justify="left" if col == "split" else "right")
        for split, row in summary.iterrows():
            table.add_row(split, *(str(int(v)) for v in row))
        print_table(table)
