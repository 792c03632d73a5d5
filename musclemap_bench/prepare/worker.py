"""Per-clip work: decode once, then encode every requested modality. Runs in any process
(local pool worker, Ray task, or in-process); backends are created once per process."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import numpy as np

from musclemap_bench.errors import MusclemapError
from musclemap_bench.prepare import codecs
from musclemap_bench.prepare.config import PrepareConfig
from musclemap_bench.prepare.decode import decode_clip
from musclemap_bench.prepare.shards import clip_table, spool_clip

_STATE: dict = {}


def init_process() -> None:
    """One compute thread per worker process: parallelism comes from processes, and
    cv2/torch/OpenMP thread pools would otherwise oversubscribe the cores."""
    if _STATE.get("init"):
        return
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    # mediapipe's TFLite runtime logs a warning per graph through glog; keep errors only.
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import cv2

    cv2.setNumThreads(1)
    torch = sys.modules.get("torch")  # only the mmpose backend needs torch: don't import it
    if torch is not None:
        torch.set_num_threads(1)
    _STATE["init"] = True


def _backend(kind: str, cfg: PrepareConfig):
    key = (kind, cfg.flow, cfg.pose, cfg.pose_config, cfg.pose_checkpoint, cfg.pose_device)
    if key not in _STATE:
        if kind == "flow":
            from musclemap_bench.prepare.flow import FlowBackend

            _STATE[key] = FlowBackend(cfg.flow)
        else:
            from musclemap_bench.prepare.pose import make_pose_backend

            _STATE[key] = make_pose_backend(
                cfg.pose, cfg.pose_config, cfg.pose_checkpoint, cfg.pose_device
            )
            if "torch" in sys.modules:  # mmpose brought torch in: one thread per worker
                sys.modules["torch"].set_num_threads(1)
    return _STATE[key]


def extract(frames: np.ndarray, cfg: PrepareConfig) -> dict:
    """Encode the requested modalities of decoded frames into shard column values."""
    row: dict = {}
    if cfg.wants("rgb"):
        row["rgb"] = [codecs.encode_jpeg(f, cfg.jpeg_quality) for f in frames]
    if cfg.wants("rgb_diff"):
        diffs = codecs.iter_rgb_diff(frames)
        row["rgb_diff"] = [codecs.encode_rgb_diff(d, cfg.png_compression) for d in diffs]
    if cfg.wants("flow"):
        flows = _backend("flow", cfg).clip(frames)
        row["flow"] = [codecs.encode_flow(f, cfg.flow_bound, cfg.png_compression) for f in flows]
    if cfg.wants("skeleton"):
        pose = _backend("pose", cfg).estimate(frames)
        if pose.frames_with_person == 0:
            raise MusclemapError("no person found in any frame")
        row["skeleton"] = pose.keypoints.reshape(-1)
        row["skeleton_box"] = pose.boxes.reshape(-1)
        if pose.landmarks33 is not None:
            row["skeleton33"] = pose.landmarks33.reshape(-1)
    return row


def ground_truth(task: dict, shape_thw: tuple[int, int, int]) -> np.ndarray:
    """Ground-truth keypoints of a clip, rescaled to the stored frames, flattened like
    `skeleton` (frames beyond the array are zeros, as for frames without a person)."""
    import av

    gt = np.load(task["gt_keypoints"]).astype(np.float32)
    with av.open(task["source_path"]) as container:
        stream = container.streams.video[0]
        native_w = stream.codec_context.width
    n, _, width = shape_thw
    scale = width / native_w
    out = np.zeros((n, 17, 3), np.float32)
    m = min(n, len(gt))
    out[:m] = gt[:m]
    out[:m, :, :2] *= scale
    return out.reshape(-1)


def process_clip(task: dict, cfg: PrepareConfig, spool: str | None = None) -> dict:
    """Process one clip; never raises. Returns {clip_id, status, error, num_frames, height,
    width, heavy} where heavy is the clip's shard row as a one-row Arrow table, or the path
    of the Arrow file it was written to when `spool` (a folder) is given; None if failed."""
    init_process()
    out = {"clip_id": task["clip_id"], "status": "failed", "error": None, "heavy": None,
           "num_frames": None, "height": None, "width": None}  # fmt: skip
    try:
        frames = decode_clip(task["source_path"], cfg.fps, cfg.short_side)
        heavy = extract(frames, cfg)
        if cfg.wants("skeleton") and task.get("gt_keypoints"):
            heavy["skeleton_gt"] = ground_truth(task, frames.shape[:3])
        table = clip_table(task["clip_id"], heavy)
        handed = spool_clip(table, Path(spool)) if spool else table  # e.g. a full disk: recorded
    except MusclemapError as exc:
        out["error"] = str(exc).splitlines()[0]
        return out
    except Exception as exc:  # a broken clip must not stop a 15k-clip run: record it
        last = traceback.extract_tb(exc.__traceback__)[-1]
        out["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} " \
            f"({os.path.basename(last.filename)}:{last.lineno})"  # fmt: skip
        return out
    out.update(status="ok", heavy=handed, num_frames=len(frames), height=frames.shape[1],
               width=frames.shape[2])  # fmt: skip
    return out
