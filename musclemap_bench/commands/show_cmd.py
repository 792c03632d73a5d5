"""`musclemap show`: body map of an activity's labels or of one clip's predicted scores."""

from __future__ import annotations

from pathlib import Path

import click

from musclemap_bench.errors import InputError


@click.command()
@click.argument("activity", required=False)
@click.option(
    "--predictions", type=click.Path(path_type=Path), help="A musclemap-predictions/1 file."
)
@click.option("--clip", "clip_id", help="Clip id inside --predictions.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Output .svg or .png (default: <ACTIVITY or CLIP>.svg in the current folder).",
)
def show(activity, predictions, clip_id, out) -> None:
    """Render front and back body figures with the 20 muscle regions shaded.

    \b
    musclemap show push_ups --out push_ups.png      annotated labels of an activity
    musclemap show --predictions P.json --clip ID    predicted scores of one clip

    Scores already in [0, 1] are shown as they are; other scores are taken as
    logits and shown through a sigmoid.
    """
    from musclemap_bench.bodymap import values_for_activity, values_for_clip, write_bodymap

    if activity and (predictions or clip_id):
        raise InputError("give either ACTIVITY or --predictions with --clip, not both")
    if activity:
        values = values_for_activity(activity)
        default = activity
    elif predictions and clip_id:
        values = values_for_clip(predictions, clip_id)
        default = clip_id
    else:
        raise InputError(
            "give an ACTIVITY key, or --predictions PREDS.json together with --clip CLIP_ID"
        )
    path = write_bodymap(values, out or Path(f"{default}.svg"))
    click.echo(f"wrote {path}")
