"""`musclemap activities`: list the annotated activities or regions."""

from __future__ import annotations

import click
from rich.table import Table

from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.evaluate.report import print_table


@click.command()
@click.option(
    "--group", type=click.Choice(["known", "new", "all"]), default="all", show_default=True
)
@click.option("--regions", "show_regions", is_flag=True, help="List the 20 regions instead.")
def activities(group: str, show_regions: bool) -> None:
    """List activities with their group and active regions (or the regions)."""
    tax = load_taxonomy()
    if show_regions:
        table = Table(title="Muscle regions (canonical order)")
        for col in ("index", "key", "name", "muscles"):
            table.add_column(col)
        for _, r in tax.regions.iterrows():
            table.add_row(str(r["index"]), r["key"], r["name"], r["muscles"].replace(";", ", "))
        print_table(table)
        return
    acts = tax.activities if group == "all" else tax.activities[tax.activities["group"] == group]
    table = Table(title=f"Activities ({len(acts)})")
    for col in ("key", "name", "group", "regions"):
        table.add_column(col)
    for _, a in acts.iterrows():
        regs = [k for k in tax.region_keys if a[k]]
        table.add_row(a["key"], a["name"], a["group"], ", ".join(regs))
    print_table(table)
