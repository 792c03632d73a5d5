"""`musclemap info OUT`: summary of a prepared dataset."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def info(out: Path, as_json: bool) -> None:
    """Clips per split and activity, modality coverage, extraction parameters, failures."""
    from musclemap_bench.prepare.summary import summarize

    summary = summarize(out)
    if as_json:
        click.echo(json.dumps(summary, indent=2, default=str))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]{out}[/bold]: {summary['clips']} clips, {summary['ok']} ok, "
                  f"{summary['failed']} failed, {summary['shards']} shard(s)")  # fmt: skip
    for title, key in (("split", "per_split"), ("activity", "per_activity"),
                       ("modality", "modalities")):  # fmt: skip
        table = Table(title=f"clips per {title}")
        table.add_column(title)
        table.add_column("clips", justify="right")
        for k, v in summary[key].items():
            table.add_row(str(k), str(v))
        console.print(table)
    console.print("[bold]extraction parameters[/bold]")
    console.print_json(json.dumps(summary["metadata"]))
    if summary["failures"]:
        table = Table(title="failures")
        table.add_column("clip_id")
        table.add_column("error")
        for k, v in summary["failures"].items():
            table.add_row(k, v)
        console.print(table)
