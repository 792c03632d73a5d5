"""`musclemap leaderboard validate|score|render`: the re-scored public leaderboard."""

from __future__ import annotations

from pathlib import Path

import click

ROOT_HELP = "Leaderboard folder (holds submissions/, reported/, scores.json)."
root_option = click.option(
    "--root",
    default=Path("leaderboard"),
    show_default=True,
    type=click.Path(path_type=Path),
    help=ROOT_HELP,
)


@click.group()
def leaderboard() -> None:
    """Validate submissions, re-score them with the standard evaluator, render the tables."""


@leaderboard.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option(
    "--labels",
    type=click.Path(path_type=Path),
    help="Split file: also check every clip is predicted and scoreable.",
)
def validate(directory: Path, labels: Path | None) -> None:
    """Check the submission folder DIRECTORY (files, meta.yaml schema, strict predictions)."""
    from musclemap_bench.evaluate.evaluator import Evaluator
    from musclemap_bench.leaderboard import load_submission

    sub = load_submission(directory)
    if labels is not None:
        Evaluator(labels).eval(sub.predictions)
    click.echo(
        f"{directory}: valid ({len(sub.predictions.clip_ids)} clips, track {sub.track}"
        + (", covers every evaluated clip)" if labels else ")")
    )


@leaderboard.command()
@click.option(
    "--labels",
    required=True,
    type=click.Path(path_type=Path),
    help="Hidden split file with the labels.",
)
@click.option(
    "--track", default=None, help="Score only this track's submissions (musclemap135, synthetic)."
)
@root_option
@click.option(
    "--bootstrap", default=1000, show_default=True, help="Bootstrap resamples for the 95% CIs."
)
@click.option("--force", is_flag=True, help="Re-score entries that are already up to date.")
def score(labels: Path, track: str | None, root: Path, bootstrap: int, force: bool) -> None:
    """Re-score every submission into ROOT/scores.json (resumes if interrupted)."""
    from musclemap_bench.leaderboard import score_submissions

    scores = score_submissions(root, labels, track=track, bootstrap=bootstrap, force=force)
    n = sum(1 for e in scores["entries"].values() if track is None or e["track"] == track)
    click.echo(f"scored {n} entr{'y' if n == 1 else 'ies'} -> {root / 'scores.json'}")


@leaderboard.command()
@root_option
def render(root: Path) -> None:
    """Write ROOT/README.md and ROOT/index.html; refuses entries changed since scoring."""
    from musclemap_bench.leaderboard import render as render_tables

    md, page = render_tables(root)
    click.echo(f"wrote {md} and {page}")
