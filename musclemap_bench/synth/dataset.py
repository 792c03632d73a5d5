"""Write a SYNTHETIC dataset: source videos, ground-truth keypoints and a clip manifest in
the download format (clip_id, video_id, url, start, end, activity, source="synthetic")."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.atomic import atomic_path, write_json, write_table
from musclemap_bench.clip_ids import make_clip_id
from musclemap_bench.errors import InputError

MANIFEST_COLUMNS = ("clip_id", "video_id", "url", "start", "end", "activity", "source")
SOURCE = "synthetic"
CONFIG_NAME = "synth.json"


@dataclass(frozen=True)
class SynthConfig:
    """Everything that determines the bytes of a synthetic set."""

    activities: tuple[str, ...]
    clips_per_activity: int
    videos_per_activity: int
    seed: int
    seconds: float
    fps: int
    size: int
    generator: str = "musclemap-synth/1"


@dataclass(frozen=True)
class VideoJob:
    video_id: str
    activity: str
    variant: int
    num_clips: int


def video_id_for(seed: int, activity: str, variant: int) -> str:
    """Source-video id; 'syn' marks it synthetic, the seed keeps different sets apart."""
    return f"syn{seed}-{activity}-{variant:02d}"


def plan(cfg: SynthConfig) -> tuple[list[VideoJob], pd.DataFrame]:
    """Source videos to render and the clip manifest (pure function of the config)."""
    jobs, rows = [], []
    n, k = cfg.clips_per_activity, cfg.videos_per_activity
    for act in cfg.activities:
        for v in range(min(n, k)):
            count = n // k + (v < n % k)
            vid = video_id_for(cfg.seed, act, v)
            jobs.append(VideoJob(vid, act, v, count))
            for c in range(count):
                start, end = c * cfg.seconds, (c + 1) * cfg.seconds
                rows.append(
                    {
                        "clip_id": make_clip_id(vid, start, end),
                        "video_id": vid,
                        "url": f"videos/{vid}.mp4",
                        "start": round(start, 3),
                        "end": round(end, 3),
                        "activity": act,
                        "source": SOURCE,
                    }
                )
    return jobs, pd.DataFrame(rows, columns=list(MANIFEST_COLUMNS))


def resolve_activities(spec: str) -> tuple[str, ...]:
    """'all', 'known', 'new' or a comma-separated list of activity keys."""
    tax = load_taxonomy()
    spec = spec.strip()
    if spec == "all":
        return tuple(tax.activity_keys)
    if spec in ("known", "new"):
        return tuple(tax.activities_in(spec))
    keys = tuple(dict.fromkeys(a.strip() for a in spec.split(",") if a.strip()))
    if not keys:
        raise InputError("--activities is empty")
    valid = set(tax.activity_keys)
    for a in keys:
        if a not in valid:
            raise InputError(f"unknown activity {a!r} (see `musclemap activities`)")
    return keys


def _render_job(out: str, cfg: SynthConfig, job: VideoJob) -> str:
    """Render, encode and store one source video and its keypoints (worker entry point)."""
    from musclemap_bench.synth.generate import render_video
    from musclemap_bench.synth.video import write_mp4

    out_dir = Path(out)
    r = render_video(
        job.activity, cfg.seed, job.num_clips * cfg.seconds, cfg.fps, cfg.size, variant=job.variant
    )
    with atomic_path(out_dir / "keypoints" / f"{job.video_id}.npy", suffix=".npy") as tmp:
        np.save(tmp, r.keypoints)
        tmp.chmod(0o644)
    # the video goes last: its presence marks the job done when resuming
    write_mp4(out_dir / "videos" / f"{job.video_id}.mp4", r.frames(), cfg.fps)
    return job.video_id


def _done(out: Path, job: VideoJob) -> bool:
    return (out / "videos" / f"{job.video_id}.mp4").is_file() and (
        out / "keypoints" / f"{job.video_id}.npy"
    ).is_file()


def _check_config(out: Path, cfg: SynthConfig) -> None:
    path = out / CONFIG_NAME
    if not path.is_file():
        return
    try:
        old = json.loads(path.read_text())
    except (OSError, ValueError):
        raise InputError(f"{path}: unreadable; remove it or use another --out") from None
    old.pop("note", None)
    new = json.loads(json.dumps(asdict(cfg)))
    if old != new:
        diff = sorted(k for k in new if old.get(k) != new[k])
        raise InputError(
            f"{out} holds a synthetic set made with other settings ({', '.join(diff)}); "
            "use another --out"
        )


def write_dataset(
    out: str | Path,
    activities: tuple[str, ...] | list[str] | str = "all",
    clips_per_activity: int = 3,
    videos_per_activity: int = 3,
    seed: int = 0,
    seconds: float = 3.0,
    fps: int = 30,
    size: int = 256,
    workers: int = 1,
    progress: bool = True,
) -> pd.DataFrame:
    """Render a SYNTHETIC set into `out`; resumable (finished videos are kept) and atomic.

    Writes out/videos/<video_id>.mp4, out/keypoints/<video_id>.npy (float32 [T,17,3], COCO-17,
    pixels), out/manifest.csv and .parquet, out/synth.json. Returns the manifest."""
    from tqdm import tqdm

    if isinstance(activities, str):
        activities = resolve_activities(activities)
    else:
        activities = resolve_activities(",".join(activities))
    if clips_per_activity < 1:
        raise InputError(f"--clips-per-activity must be >= 1 (got {clips_per_activity})")
    if videos_per_activity < 1:
        raise InputError(f"--videos-per-activity must be >= 1 (got {videos_per_activity})")
    if workers < 1:
        raise InputError(f"--workers must be >= 1 (got {workers})")
    if not seconds > 0 or not 1 <= fps <= 120 or not 64 <= size <= 1080:
        raise InputError("need seconds > 0, fps in 1..120 and size in 64..1080")
    cfg = SynthConfig(
        tuple(activities), clips_per_activity, videos_per_activity, seed, float(seconds), fps, size
    )
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} exists and is not a folder")
    _check_config(out, cfg)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / CONFIG_NAME, {"note": "SYNTHETIC data, musclemap synth", **asdict(cfg)}, 2)
    jobs, manifest = plan(cfg)
    todo = [j for j in jobs if not _done(out, j)]
    bar = tqdm(total=len(jobs), initial=len(jobs) - len(todo), unit="video", desc="synth",
               disable=not progress)  # fmt: skip
    try:
        if workers == 1 or len(todo) <= 1:
            for job in todo:
                _render_job(str(out), cfg, job)
                bar.update()
        else:
            from concurrent.futures import ProcessPoolExecutor, as_completed

            with ProcessPoolExecutor(max_workers=workers) as pool:
                futs = [pool.submit(_render_job, str(out), cfg, j) for j in todo]
                try:
                    for fut in as_completed(futs):
                        fut.result()
                        bar.update()
                except BaseException:
                    for f in futs:
                        f.cancel()
                    raise
    finally:
        bar.close()
    write_table(out / "manifest.csv", manifest)
    write_table(out / "manifest.parquet", manifest)
    return manifest
