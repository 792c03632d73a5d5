"""`musclemap download`: rebuild clips from a pinned manifest, or discover and pin new ones."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option(
    "--manifest",
    type=click.Path(path_type=Path),
    help="Clip list (.csv/.parquet): clip_id, url or youtube_id, start, end, activity [, video_id].",
)
@click.option(
    "--discover", is_flag=True, help="Search YouTube per activity and pin DIR/manifest.parquet."
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Output folder (clips/, status.parquet, availability.json).",
)
@click.option(
    "--activities",
    default="all",
    show_default=True,
    help="--discover: activity keys (comma-separated) or 'all'.",
)
@click.option(
    "--per-activity",
    default=5,
    show_default=True,
    type=click.IntRange(1),
    help="--discover: videos per activity.",
)
@click.option(
    "--clip-seconds",
    default=4.0,
    show_default=True,
    type=click.FloatRange(0.5),
    help="--discover: clip length.",
)
@click.option(
    "--min-duration",
    default=30.0,
    show_default=True,
    type=float,
    help="--discover: shortest video (s).",
)
@click.option(
    "--max-duration",
    default=3600.0,
    show_default=True,
    type=float,
    help="--discover: longest video (s).",
)
@click.option("--max-clips-per-video", default=20, show_default=True, type=click.IntRange(1))
@click.option(
    "--splits",
    "splits_file",
    type=click.Path(path_type=Path),
    help="Split file: availability per split.",
)
@click.option(
    "--cookies",
    type=click.Path(exists=True, dir_okay=False),
    help="Netscape cookies file for yt-dlp.",
)
@click.option("--rate-limit", help="Max download rate in bytes/s, e.g. 2M.")
@click.option(
    "--sleep-interval",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds to sleep before each download.",
)
@click.option(
    "--retries",
    default=3,
    show_default=True,
    type=click.IntRange(0),
    help="Retries for network / rate-limit errors (exponential backoff).",
)
@click.option(
    "--backoff",
    default=2.0,
    show_default=True,
    type=click.FloatRange(0),
    help="First retry delay (s), doubled each retry.",
)
@click.option(
    "--max-height",
    default=480,
    show_default=True,
    type=click.IntRange(16),
    help="Highest source resolution to fetch.",
)
@click.option(
    "--short-side",
    default=480,
    show_default=True,
    type=click.IntRange(16),
    help="Bound on the output short side (never upscaled).",
)
@click.option(
    "--fps", default=30.0, show_default=True, type=click.FloatRange(1), help="Output frame rate."
)
@click.option("--format", "fmt", help="yt-dlp format selector (overrides --max-height).")
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1),
    help="Clips downloaded in parallel.",
)
@click.option(
    "--retry-failed", is_flag=True, help="Also retry clips that were unavailable in earlier runs."
)
@click.option("--quiet", is_flag=True, help="No progress bar; one log line per clip.")
def download(manifest, discover, out_dir, activities, per_activity, clip_seconds, min_duration,
             max_duration, max_clips_per_video, splits_file, cookies, rate_limit, sleep_interval,
             retries, backoff, max_height, short_side, fps, fmt, workers, retry_failed, quiet) -> None:  # fmt: skip
    """Download verified, frame-accurate clips through yt-dlp and ffmpeg (resumable).

    \b
    musclemap download --manifest clips.csv --out data/
    musclemap download --discover --activities push_ups,burpees --per-activity 3 --out data/

    Re-running the same command skips finished clips and resumes the rest. The project
    distributes manifests only, never videos: you are responsible for complying with
    YouTube's terms of service. See docs/download.md.
    """
    from musclemap_bench.download.api import discover_manifest, download_manifest
    from musclemap_bench.download.discover import DiscoverOptions, resolve_activities
    from musclemap_bench.download.ffmpeg import find_ffmpeg
    from musclemap_bench.download.manifest import load_manifest
    from musclemap_bench.download.report import summary_table
    from musclemap_bench.download.runner import RunOptions
    from musclemap_bench.download.ytdl import FetchOptions
    from musclemap_bench.errors import InputError
    from musclemap_bench.evaluate.report import print_table

    if bool(manifest) == bool(discover):
        raise InputError("give exactly one of --manifest FILE or --discover")
    if rate_limit:
        from yt_dlp.utils import parse_bytes

        if parse_bytes(rate_limit) is None:
            raise InputError(f"--rate-limit {rate_limit!r}: expected a rate such as 500K or 2M")
    fetch = FetchOptions(
        ffmpeg=find_ffmpeg(), cookies=cookies, rate_limit=rate_limit,
        sleep_interval=sleep_interval, retries=retries, max_height=max_height, format=fmt,
        fps=fps, short_side=short_side,
    )  # fmt: skip
    run = RunOptions(workers=workers, retries=retries, backoff=backoff,
                     retry_failed=retry_failed, quiet=quiet)  # fmt: skip
    if discover:
        opts = DiscoverOptions(
            per_activity=per_activity, clip_seconds=clip_seconds, min_duration=min_duration,
            max_duration=max_duration, max_clips_per_video=max_clips_per_video,
        )  # fmt: skip
        m = discover_manifest(resolve_activities(activities), out_dir, opts, None, fetch)
        click.echo(f"manifest: {out_dir / 'manifest.parquet'} ({len(m.clips)} clips)", err=True)
    else:
        m = load_manifest(manifest)
    for msg in m.invalid["message"]:
        click.echo(f"invalid: {msg}", err=True)
    try:
        result, report = download_manifest(m, out_dir, fetch, run, splits_file=splits_file)
    except KeyboardInterrupt:
        raise click.ClickException("interrupted; re-run the same command to resume") from None
    print_table(summary_table(result.ledger, result.clip_ids))
    click.echo(
        f"obtained {report['obtained']}/{report['manifest_clips']} clips "
        f"({100 * report['fraction']:.1f}%); ledger {out_dir / 'status.parquet'}, "
        f"report {out_dir / 'availability.json'}"
    )
    if report["obtained"] == 0 and report["manifest_clips"] > 0:
        raise SystemExit(1)
