"""Execution engines: the same per-clip function on local processes or as Ray tasks.

Both yield results in task order (with a bounded look-ahead window), so the shards written
from them hold the same clips in the same rows whichever engine ran the work."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path

from musclemap_bench.errors import InputError
from musclemap_bench.prepare.config import PrepareConfig
from musclemap_bench.prepare.worker import init_process, process_clip

# clips in flight per worker: results are taken in clip order, so a deep window keeps every
# worker busy while the oldest clip is still running
LOOKAHEAD = 8


def run_inprocess(tasks: Iterable[dict], cfg: PrepareConfig) -> Iterator[dict]:
    for task in tasks:
        yield process_clip(task, cfg)


def run_local(tasks: Iterable[dict], cfg: PrepareConfig, workers: int, spool: Path | None = None
              ) -> Iterator[dict]:  # fmt: skip
    """N worker processes (spawned: no fork of a driver holding pyarrow/ray threads). With
    `spool`, each worker writes its clips there and returns the file's path."""
    if workers <= 0:
        yield from run_inprocess(tasks, cfg)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"),
                               initializer=init_process)  # fmt: skip
    try:
        window: deque = deque()
        for task in tasks:
            window.append(pool.submit(process_clip, task, cfg, str(spool) if spool else None))
            if len(window) >= LOOKAHEAD * workers:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()
    finally:
        # on an error or interrupt, don't finish the queued clips: the next run redoes them
        pool.shutdown(wait=True, cancel_futures=True)


def _ray_task(task: dict, cfg: PrepareConfig, spool: str | None, driver_node: str) -> dict:
    """`process_clip` as a Ray task: a task on the driver's own node hands its clip over
    through the spool folder like a local worker; one on another node returns it through
    Ray's object store (nodes need not share a file system)."""
    import ray

    same_node = ray.get_runtime_context().get_node_id() == driver_node
    return process_clip(task, cfg, spool if same_node else None)


def run_ray(tasks: Iterable[dict], cfg: PrepareConfig, address: str | None, workers: int,
            spool: Path | None = None) -> Iterator[dict]:  # fmt: skip
    """Ray tasks (1 CPU each) on an existing cluster, or a local one when no address."""
    try:
        import ray
    except ImportError:
        raise InputError(
            "--engine ray needs the ray package (pip install 'ray[default]')"
        ) from None
    started = False
    if not ray.is_initialized():
        kwargs: dict = {"log_to_driver": False, "include_dashboard": False}
        if address:
            kwargs["address"] = address
        else:
            # a local cluster runs this source tree even when the package is not installed
            root = str(Path(__file__).resolve().parents[2])
            path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
            kwargs["runtime_env"] = {"env_vars": {"PYTHONPATH": path, "OMP_NUM_THREADS": "1"}}
            if workers > 0:
                kwargs["num_cpus"] = workers
        try:
            ray.init(**kwargs)
        except Exception as exc:
            raise InputError(f"cannot start/connect Ray ({type(exc).__name__}: {exc})") from None
        started = True
    try:
        remote = ray.remote(num_cpus=1)(_ray_task)
        cfg_ref = ray.put(cfg)
        node = ray.get_runtime_context().get_node_id()
        limit = LOOKAHEAD * max(1, int(ray.cluster_resources().get("CPU", 1)))
        window: deque = deque()
        for task in tasks:
            window.append(remote.remote(task, cfg_ref, str(spool) if spool else None, node))
            if len(window) >= limit:
                yield ray.get(window.popleft())
        while window:
            yield ray.get(window.popleft())
    finally:
        if started:
            ray.shutdown()


def run(tasks: list[dict], cfg: PrepareConfig, engine: str, workers: int,
        address: str | None = None, spool: Path | None = None) -> Iterator[dict]:  # fmt: skip
    """Results of `process_clip` in task order; with `spool`, clips processed on this machine
    come back as spooled Arrow files (see `process_clip`)."""
    if engine == "local":
        return run_local(tasks, cfg, workers, spool)
    if engine == "ray":
        return run_ray(tasks, cfg, address, workers, spool)
    raise InputError(f"unknown engine {engine!r} (choose local or ray)")
