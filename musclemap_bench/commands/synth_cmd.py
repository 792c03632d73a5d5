"""`musclemap synth`: render a SYNTHETIC HIIT dataset (videos, keypoints, manifest)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option("--clips-per-activity", required=True, type=int, help="Clips of --seconds each.")
@click.option("--activities", default="all", show_default=True,
              help="'all', 'known', 'new' or comma-separated activity keys.")  # fmt: skip
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--seconds", default=3.0, show_default=True, type=float, help="Clip length.")
@click.option("--fps", default=30, show_default=True, type=int)
@click.option("--size", default=256, show_default=True, type=int, help="Short side in pixels.")
@click.option("--videos-per-activity", default=3, show_default=True, type=int,
              help="Source videos per activity (clips of one video share a split).")  # fmt: skip
@click.option("--workers", default=1, show_default=True, type=int, help="Render processes.")
def synth(
    out: Path,
    clips_per_activity: int,
    activities: str,
    seed: int,
    seconds: float,
    fps: int,
    size: int,
    videos_per_activity: int,
    workers: int,
) -> None:
    """Render SYNTHETIC videos of the annotated activities plus a download-format manifest.

    Writes OUT/videos/<video_id>.mp4, OUT/keypoints/<video_id>.npy (ground-truth COCO-17,
    float32 [T,17,3]) and OUT/manifest.csv (+ .parquet) with source "synthetic". Deterministic
    from --seed; re-running the same command resumes where an interrupted run stopped.
    """
    from musclemap_bench.synth.dataset import write_dataset

    manifest = write_dataset(
        out,
        activities,
        clips_per_activity=clips_per_activity,
        videos_per_activity=videos_per_activity,
        seed=seed,
        seconds=seconds,
        fps=fps,
        size=size,
        workers=workers,
    )
    click.echo(
        f"SYNTHETIC set: {len(manifest)} clips from {manifest['video_id'].nunique()} videos of "
        f"{manifest['activity'].nunique()} activities -> {out / 'manifest.csv'}"
    )
