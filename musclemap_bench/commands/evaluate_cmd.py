"""`musclemap evaluate PREDS.json --splits SPLITFILE`: the standard evaluator."""

from __future__ import annotations

from pathlib import Path

import click

from musclemap_bench.atomic import write_json
from musclemap_bench.evaluate.evaluator import DEFAULT_SEED, Evaluator
from musclemap_bench.evaluate.report import (
    compare_table,
    coverage_lines,
    print_table,
    results_table,
)

HELP = """Score PREDS (a musclemap-predictions/1 JSON file) against SPLITFILE.

\b
PREDS format:
  {"format": "musclemap-predictions/1",
   "model": {...free metadata...},
   "predictions": {"<clip_id>": [20 finite numbers in region order], ...}}
Region order is annotations/regions.csv. Scores are any finite numbers
(probabilities or logits); higher means more likely active.

\b
Metric (the paper's protocol, as the published code computes it): for each
split, macro average precision over the regions with at least one positive clip
in that split; labels come from each clip's activity in annotations/. mean val =
mean(known val, new val), mean test = mean(known test, new test). Reported in %.

Malformed input is rejected with a one-line message and exit code 2.
"""


@click.command(help=HELP)
@click.argument("preds", type=click.Path(path_type=Path))
@click.option(
    "--splits",
    "split_file",
    required=True,
    type=click.Path(path_type=Path),
    help="Split file (clip_id, video_id, activity, split).",
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(path_type=Path),
    help="Also write machine-readable results here.",
)
@click.option(
    "--bootstrap", default=0, show_default=True, help="Resamples for percentile 95% CIs (0 = off)."
)
@click.option("--seed", default=DEFAULT_SEED, show_default=True, help="Bootstrap seed.")
@click.option(
    "--compare",
    "other",
    type=click.Path(path_type=Path),
    help="Second predictions file: paired difference.",
)
@click.option(
    "--allow-missing", is_flag=True, help="Score only predicted clips and report coverage."
)
@click.option(
    "--only", "only", help="Comma-separated evaluation splits to score (default: all present)."
)
@click.option(
    "--name", default=None, help="Row name in the table (default: model.name or file name)."
)
def evaluate(
    preds, split_file, json_out, bootstrap, seed, other, allow_missing, only, name
) -> None:
    eval_splits = [s.strip() for s in only.split(",")] if only else None
    ev = Evaluator(split_file, eval_splits=eval_splits)
    result = ev.eval(
        preds, allow_missing=allow_missing, bootstrap=bootstrap, seed=seed, compare=other
    )
    row_name = name or str(result.model.get("name") or preds.stem)
    print_table(results_table([(row_name, result)]))
    if allow_missing:
        for line in coverage_lines(result):
            click.echo(line)
    if other is not None:
        other_name = str(result.compare["other_model"].get("name") or Path(other).stem)
        print_table(compare_table(result, row_name, other_name))
    if json_out:
        write_json(json_out, result.to_json(), indent=2)
        click.echo(f"wrote {json_out}")
