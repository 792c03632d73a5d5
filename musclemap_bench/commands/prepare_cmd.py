"""`musclemap prepare INPUT --out OUT`: clips -> RGB / RGB-diff / flow / skeleton shards."""

from __future__ import annotations

import os
from pathlib import Path

import click


def _default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@click.command()
@click.argument("input_dir", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--out", required=True, type=click.Path(path_type=Path), help="Prepared dataset folder."
)
@click.option(
    "--manifest",
    type=click.Path(path_type=Path),
    help="Manifest (default INPUT/manifest.parquet|csv).",
)
@click.option(
    "--splits", type=click.Path(path_type=Path), help="Split file filling the split column."
)
@click.option("--modalities", default="rgb,rgb_diff,flow,skeleton", show_default=True)
@click.option("--fps", default=30.0, show_default=True, type=float, help="Target frame rate.")
@click.option("--short-side", default=256, show_default=True, type=int)
@click.option("--jpeg-quality", default=90, show_default=True, type=int)
@click.option(
    "--flow", "flow", default="dis", show_default=True, type=click.Choice(["dis", "tvl1"])
)
@click.option("--flow-bound", default=20.0, show_default=True, type=float, help="Flow range ±B px.")
@click.option(
    "--pose", default="mediapipe", show_default=True, type=click.Choice(["mediapipe", "mmpose"])
)
@click.option("--pose-config", help="mmpose model config (.py).")
@click.option("--pose-checkpoint", help="mmpose checkpoint (.pth).")
@click.option("--pose-device", default="cpu", show_default=True)
@click.option("--workers", type=int, default=None, help="Local processes / Ray CPUs [all cores].")
@click.option("--engine", default="local", show_default=True, type=click.Choice(["local", "ray"]))
@click.option("--address", help="Ray cluster address (default: start a local Ray).")
@click.option("--shard-mb", default=256.0, show_default=True, type=float, help="Target shard size.")
@click.option("--retry-failed", is_flag=True, help="Also re-run clips that failed before.")
@click.option("--no-progress", is_flag=True, help="Hide progress bars.")
def prepare(input_dir, out, manifest, splits, modalities, fps, short_side, jpeg_quality, flow,
            flow_bound, pose, pose_config, pose_checkpoint, pose_device, workers, engine, address,
            shard_mb, retry_failed, no_progress) -> None:  # fmt: skip
    """Decode every clip of INPUT once and store its modalities as Parquet shards in OUT.

    Re-running only processes new or changed clips (by source SHA-256); an interrupted run is
    resumed by running the same command again. See docs/prepare.md for the shard schema.
    """
    from musclemap_bench.prepare.config import PrepareConfig
    from musclemap_bench.prepare.pipeline import prepare as run_prepare

    cfg = PrepareConfig(
        modalities=tuple(m.strip() for m in modalities.split(",") if m.strip()),
        fps=fps, short_side=short_side, jpeg_quality=jpeg_quality, flow=flow,
        flow_bound=flow_bound, pose=pose, pose_config=pose_config,
        pose_checkpoint=pose_checkpoint, pose_device=pose_device,
    )  # fmt: skip
    counts = run_prepare(
        input_dir, out, cfg, manifest=manifest, splits=splits, engine=engine,
        workers=_default_workers() if workers is None else workers, address=address,
        shard_mb=shard_mb, retry_failed=retry_failed, progress=not no_progress,
    )  # fmt: skip
    click.echo(
        f"{out}: {counts['ok']} clip(s) prepared, {counts['failed']} failed, "
        f"{counts['skipped']} unchanged/skipped (of {counts['clips']})"
    )
