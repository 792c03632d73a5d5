"""The two modes of `musclemap download` as Python functions (the CLI is a thin wrapper)."""

from __future__ import annotations

from pathlib import Path

from musclemap_bench.atomic import write_table
from musclemap_bench.download.discover import (
    MANIFEST_NAME,
    DiscoverOptions,
    Resolver,
    YoutubeResolver,
    discover,
)
from musclemap_bench.download.manifest import Manifest, load_manifest, parse_manifest
from musclemap_bench.download.report import availability, write_availability
from musclemap_bench.download.runner import Fetcher, RunOptions, RunResult, run_manifest
from musclemap_bench.download.ytdl import FetchOptions, fetch_section
from musclemap_bench.errors import InputError


def download_manifest(
    manifest: Manifest,
    out_dir: str | Path,
    fetch: FetchOptions,
    run: RunOptions,
    splits_file: str | Path | None = None,
    fetcher: Fetcher = fetch_section,
) -> tuple[RunResult, dict]:
    """Mode (a): download a manifest, then write DIR/availability.json."""
    splits = None
    if splits_file is not None:
        from musclemap_bench.splits import read_split_file

        splits = read_split_file(splits_file)  # validate before any download starts
    result = run_manifest(manifest, out_dir, fetch, run, fetcher=fetcher)
    report = availability(result.ledger, result.clip_ids, splits)
    write_availability(Path(out_dir), report)
    return result, report


def discover_manifest(
    activities: list[str],
    out_dir: str | Path,
    opts: DiscoverOptions,
    resolver: Resolver | None,
    fetch: FetchOptions,
) -> Manifest:
    """Mode (b), first half: search and pin DIR/manifest.parquet (reused if present, so a
    re-run resumes the same clip list instead of searching again)."""
    path = Path(out_dir) / MANIFEST_NAME
    if path.exists():
        return load_manifest(path)
    df = discover(activities, opts, resolver or YoutubeResolver(fetch))
    if df.empty:
        raise InputError("discovery found no videos that pass the duration filter")
    write_table(path, df)
    return parse_manifest(df, source=MANIFEST_NAME)
