"""Clips/s: reading clips from prepared shards vs decoding the source mp4 on the fly.

Both paths produce the same evaluation input (16 frames at sampling rate 4, short side 256,
centre crop 224, RGB / 255) for the same clips. The benchmark writes its own inputs: source
videos (H.264 via PyAV, the clip in the middle of a longer video as in the real data) and a
prepared dataset of the clips in the contract format.

    python benchmarks/bench_data.py [--videos 8] [--width 1280] [--height 720] [--gop 60]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import av
import cv2
import numpy as np
import torch

from musclemap_bench.data import DataConfig, MuscleMapDataset
from musclemap_bench.data.testing import write_prepared

FPS = 30


def make_video(
    path: Path, n: int, w: int, h: int, gop: int, rng: np.random.Generator
) -> np.ndarray:
    """A textured, moving H.264 video; returns its frames (RGB) as decoded back."""
    base = cv2.resize(rng.integers(0, 255, (h // 8, w // 8, 3), dtype=np.uint8), (w, h))
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=FPS)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.options = {"g": str(gop), "preset": "veryfast"}
        for t in range(n):
            img = np.roll(base, 3 * t, axis=1).copy()
            cv2.circle(img, (int(w / 2 + w / 3 * np.sin(t / 9)), h // 2), h // 6, (255, 80, 0), -1)
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(p)
        for p in s.encode():
            out.mux(p)
    with av.open(str(path)) as c:
        return np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)])


def short_side(img: np.ndarray, short: int) -> np.ndarray:
    h, w = img.shape[:2]
    s = short / min(h, w)
    return cv2.resize(img, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)


def decode_clip(path: Path, start: int, idx: np.ndarray, crop: int, short: int) -> torch.Tensor:
    """The on-the-fly path: seek, decode up to the last needed frame, resize, crop."""
    need = set((start + idx).tolist())
    last = max(need)
    frames = {}
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        stream.thread_type = "AUTO"
        c.seek(int(start / FPS / stream.time_base), stream=stream, backward=True, any_frame=False)
        for f in c.decode(stream):
            n = round(float(f.pts * stream.time_base) * FPS)
            if n in need:
                frames[n] = short_side(f.to_ndarray(format="rgb24"), short)
            if n >= last:
                break
    x = (
        torch.from_numpy(np.stack([frames[start + i] for i in idx])).permute(0, 3, 1, 2).float()
        / 255
    )
    h, w = x.shape[-2:]
    y0, x0 = (h - crop) // 2, (w - crop) // 2
    return x[..., y0 : y0 + crop, x0 : x0 + crop].permute(1, 0, 2, 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--videos", type=int, default=8)
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=720)
    ap.add_argument("--gop", type=int, default=60, help="keyframe interval (YouTube: ~2 s)")
    ap.add_argument("--video-frames", type=int, default=240, help="frames per source video")
    ap.add_argument("--clip-start", type=int, default=120, help="first frame of the clip")
    ap.add_argument("--clip-frames", type=int, default=90)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    from musclemap_bench.data.testing import synthetic_clips

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        clips = synthetic_clips(n_videos=args.videos, num_frames=4, height=8, width=8)
        t0 = time.time()
        for c in clips:
            src = tmp / f"{c['video_id']}.mp4"
            frames = make_video(src, args.video_frames, args.width, args.height, args.gop, rng)
            seg = frames[args.clip_start : args.clip_start + args.clip_frames]
            c["frames"] = np.stack([short_side(f, 256) for f in seg])
            c["skeleton"] = np.zeros((len(seg), 17, 3), np.float32)
            c["source_path"] = str(src)
            c["split"] = "test_known"
        write_prepared(
            tmp / "prep", clips, clips_per_shard=8, row_group_size=1, modalities=("rgb",)
        )
        print(f"inputs written in {time.time() - t0:.1f}s")
        ds = MuscleMapDataset(tmp / "prep", "test_known", ["rgb"], config=DataConfig())
        idx = np.round(4 * np.arange(16)).astype(int)  # the dataset's single view: frames 0..60
        check = decode_clip(tmp / f"{clips[0]['video_id']}.mp4", args.clip_start, idx, 224, 256)
        assert ds[0]["rgb"].shape == check.shape == (3, 16, 224, 224)

        def timed(fn) -> float:
            best = float("inf")
            for _ in range(args.repeats):
                t = time.perf_counter()
                for i in range(len(clips)):
                    fn(i)
                best = min(best, time.perf_counter() - t)
            return len(clips) / best

        shards = timed(lambda i: ds[i]["rgb"])
        mp4 = timed(
            lambda i: decode_clip(
                tmp / f"{clips[i]['video_id']}.mp4", args.clip_start, idx, 224, 256
            )
        )
        diff = float((ds[0]["rgb"] - check).abs().mean())
        print(
            f"source {args.width}x{args.height} H.264 GOP {args.gop}, clip at frame {args.clip_start}, 16 x 4 frames, 224 crop"
        )
        print(f"shards : {shards:7.1f} clips/s")
        print(f"mp4    : {mp4:7.1f} clips/s")
        print(f"speed-up {shards / mp4:.1f}x  (mean |difference| of the two inputs: {diff:.4f})")


if __name__ == "__main__":
    main()
