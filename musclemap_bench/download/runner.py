"""Running a manifest: parallel, resumable, verified clip downloads with a status ledger.

Safety against SIGKILL: yt-dlp writes under `DIR/.tmp/` (wiped on start), a clip reaches
`DIR/clips/<clip_id>.mp4` only by an atomic rename after it has been verified, and the
ledger is rewritten atomically. A clip file without a ledger row (killed between rename and
ledger flush) is re-verified on the next run instead of downloaded again."""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from musclemap_bench.download.errors import (
    FAILED,
    INVALID,
    OK,
    SKIPPED,
    TRANSIENT,
    UNAVAILABLE,
    ClipError,
)
from musclemap_bench.download.ledger import LEDGER_NAME, Ledger, now_iso
from musclemap_bench.download.manifest import Manifest
from musclemap_bench.download.verify import ClipProbe, verify_clip
from musclemap_bench.download.ytdl import FetchOptions, fetch_section
from musclemap_bench.errors import InputError

CLIPS_DIR, TMP_DIR, LOCK_NAME = "clips", ".tmp", ".lock"
PERMANENT = frozenset({UNAVAILABLE, INVALID})  # not retried on a re-run unless asked
Fetcher = Callable[[str, float, float, Path, FetchOptions], Path]


@dataclass(frozen=True)
class RunOptions:
    workers: int = 1
    retries: int = 3
    backoff: float = 2.0  # seconds before the first retry; doubles each time
    retry_failed: bool = False  # also retry clips that failed permanently in earlier runs
    quiet: bool = False
    flush_seconds: float = 5.0


@dataclass
class RunResult:
    ledger: pd.DataFrame
    clip_ids: list[str]
    downloaded: int
    reused: int


@contextlib.contextmanager
def run_lock(out_dir: Path) -> Iterator[None]:
    """Exclusive lock on DIR, so two runs never write the same clips (released on death)."""
    fh = open(out_dir / LOCK_NAME, "w")  # noqa: SIM115 - held for the whole run
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise InputError(f"{out_dir}: another 'musclemap download' is running there") from None
    try:
        yield
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def clean_stale(out_dir: Path) -> int:
    """Remove temp files left by a killed run; return how many were removed."""
    tmp = out_dir / TMP_DIR
    n = sum(1 for _ in tmp.rglob("*")) if tmp.exists() else 0
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True, exist_ok=True)
    for stale in (out_dir / CLIPS_DIR).glob(".*"):  # atomic-write leftovers
        stale.unlink(missing_ok=True)
        n += 1
    return n


def _reusable(final: Path, row: dict | None, clip: dict, fps: float) -> ClipProbe | None | bool:
    """True if the ledger vouches for `final`, a probe if it re-verifies, else None."""
    if not final.exists():
        return None
    if row and row.get("status") == OK and row.get("bytes") == final.stat().st_size:
        return True
    try:
        return verify_clip(final, clip["start"], clip["end"], fps)
    except ClipError:
        final.unlink(missing_ok=True)
        return None


class _Worker:
    def __init__(self, out_dir: Path, fetch: FetchOptions, run: RunOptions, fetcher: Fetcher):
        self.out_dir, self.fetch, self.run, self.fetcher = out_dir, fetch, run, fetcher
        self.stop = threading.Event()

    def __call__(self, clip: dict[str, Any]) -> dict[str, Any]:
        """Download, verify and publish one clip; never raises for clip-level failures."""
        cid = clip["clip_id"]
        stem = self.out_dir / TMP_DIR / cid
        final = self.out_dir / CLIPS_DIR / f"{cid}.mp4"
        result: dict[str, Any] = {"first_attempt": now_iso(), "attempts": 0}
        for attempt in range(1, self.run.retries + 2):
            result["attempts"] = attempt
            try:
                path = self.fetcher(clip["url"], clip["start"], clip["end"], stem, self.fetch)
                probe = verify_clip(path, clip["start"], clip["end"], self.fetch.fps)
                size = path.stat().st_size
                os.replace(path, final)
                result.update(status=OK, error_class=None, message=None, path=str(final))
                result.update(frames=probe.frames, bytes=size)
                break
            except ClipError as exc:
                result.update(status=FAILED, error_class=exc.error_class, message=str(exc))
                result.update(path=None, frames=None, bytes=None)
            finally:
                for leftover in stem.parent.glob(stem.name + ".*"):
                    leftover.unlink(missing_ok=True)
            if result["error_class"] not in TRANSIENT or attempt > self.run.retries:
                break
            # Exponential backoff with jitter, so parallel workers do not retry in lockstep.
            delay = self.run.backoff * 2 ** (attempt - 1) * (0.75 + 0.5 * random.random())
            if self.stop.wait(delay):
                break
        result["last_attempt"] = now_iso()
        return result


def run_manifest(
    manifest: Manifest,
    out_dir: str | Path,
    fetch: FetchOptions,
    run: RunOptions,
    fetcher: Fetcher = fetch_section,
) -> RunResult:
    """Download every valid clip of `manifest` into `out_dir`; see the module docstring."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / CLIPS_DIR).mkdir(exist_ok=True)
    with run_lock(out_dir):
        clean_stale(out_dir)
        ledger = Ledger(out_dir / LEDGER_NAME)
        for bad in manifest.invalid.to_dict("records"):
            ledger.update(
                bad["clip_id"], video_id=bad["video_id"], activity=bad["activity"],
                status=SKIPPED, error_class=INVALID, message=bad["message"], attempts=0,
                last_attempt=now_iso(),
            )  # fmt: skip
        todo, reused = [], 0
        for clip in manifest.clips.to_dict("records"):
            meta = {k: clip[k] for k in ("video_id", "activity", "url", "start", "end")}
            final = out_dir / CLIPS_DIR / f"{clip['clip_id']}.mp4"
            row = ledger.get(clip["clip_id"])
            ok = _reusable(final, row, clip, fetch.fps)
            if ok is True:
                reused += 1
                continue
            if isinstance(ok, ClipProbe):
                ledger.update(
                    clip["clip_id"], **meta, status=OK, error_class=None, message=None,
                    path=str(final), frames=ok.frames, bytes=final.stat().st_size,
                    attempts=(row or {}).get("attempts") or 1, last_attempt=now_iso(),
                )  # fmt: skip
                reused += 1
                continue
            if row and row.get("error_class") in PERMANENT and not run.retry_failed:
                ledger.update(clip["clip_id"], **meta)
                continue
            ledger.update(clip["clip_id"], **meta)
            todo.append(clip)
        downloaded = _run_pool(todo, ledger, out_dir, fetch, run, fetcher, reused)
        ledger.flush()
    ids = list(manifest.clips["clip_id"]) + list(manifest.invalid["clip_id"])
    return RunResult(ledger=ledger.frame(), clip_ids=ids, downloaded=downloaded, reused=reused)


def _run_pool(
    todo: list[dict], ledger: Ledger, out_dir: Path, fetch: FetchOptions, run: RunOptions,
    fetcher: Fetcher, reused: int,
) -> int:  # fmt: skip
    from tqdm import tqdm

    worker = _Worker(out_dir, fetch, run, fetcher)
    counts = {OK: 0, FAILED: 0}
    bar = tqdm(total=len(todo), unit="clip", desc="download", disable=run.quiet, dynamic_ncols=True)
    bar.set_postfix(ok=0, failed=0, reused=reused)
    last_flush = time.monotonic()
    pool = ThreadPoolExecutor(max_workers=max(1, run.workers), thread_name_prefix="clip")
    pending = {pool.submit(worker, clip): clip for clip in todo}
    try:
        while pending:
            done, _ = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
            for fut in done:
                clip = pending.pop(fut)
                res = fut.result()
                old = ledger.get(clip["clip_id"]) or {}
                res["attempts"] += int(old.get("attempts") or 0)
                res["first_attempt"] = old.get("first_attempt") or res["first_attempt"]
                ledger.update(clip["clip_id"], **res)
                counts[res["status"]] += 1
                bar.update(1)
                bar.set_postfix(ok=counts[OK], failed=counts[FAILED], reused=reused)
                if run.quiet:
                    print(f"{res['status']}: {clip['clip_id']} {res.get('message') or ''}".rstrip())
            if time.monotonic() - last_flush > run.flush_seconds:
                ledger.flush()
                last_flush = time.monotonic()
    except BaseException:
        # Ctrl-C: stop queued clips, let running ones finish their step, keep what is done.
        worker.stop.set()
        for fut in pending:
            fut.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        ledger.flush()
        bar.close()
        raise
    pool.shutdown(wait=True)
    bar.close()
    return counts[OK]
