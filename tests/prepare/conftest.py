"""Small real inputs for the prepare tests: generated clips with known motion, and real
photos/footage from Debian's opencv-doc package (fetched once per session with apt)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from musclemap_bench.annotations import load_taxonomy

SHIFT = (3, 2)  # px per frame (x, y) of the moving pattern
SIZE = (320, 256)  # (w, h): short side 256, so prepare does not resize


def texture(h: int, w: int, seed: int = 0) -> np.ndarray:
    """Smooth random texture (blurred noise): trackable at every pixel, no aperture problem."""
    rng = np.random.default_rng(seed)
    noise = rng.random((h, w, 3)).astype(np.float32)
    tex = cv2.GaussianBlur(noise, (0, 0), 3.0)
    tex = (tex - tex.min()) / (tex.max() - tex.min())
    return (tex * 255).astype(np.uint8)


def moving_frames(n: int, shift=SHIFT, size=SIZE, seed: int = 0) -> np.ndarray:
    """n RGB frames of a texture translated by `shift` px per frame."""
    w, h = size
    dx, dy = shift
    big = texture(h + abs(dy) * n + 8, w + abs(dx) * n + 8, seed)
    # content moves by +shift: crop window moves by -shift
    x0, y0 = abs(dx) * n, abs(dy) * n
    return np.stack(
        [big[y0 - dy * t : y0 - dy * t + h, x0 - dx * t : x0 - dx * t + w] for t in range(n)]
    )


def write_video(path: Path, frames: np.ndarray, fps: int = 30, lossless: bool = True) -> Path:
    """Encode RGB frames with PyAV (H.264; qp 0 keeps the luma the flow test measures)."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=fps)
        s.width, s.height = frames.shape[2], frames.shape[1]
        s.pix_fmt = "yuv444p" if lossless else "yuv420p"
        s.options = {"qp": "0", "preset": "ultrafast"} if lossless else {"preset": "ultrafast"}
        for f in frames:
            for p in s.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def activities(n: int) -> list[str]:
    return load_taxonomy().activity_keys[:n]


def make_dataset(root: Path, n: int = 3, frames: int = 6, seed: int = 0) -> Path:
    """A folder of n moving-pattern clips named <clip_id>.mp4 plus manifest.csv."""
    rows = []
    for i, act in enumerate(activities(n)):
        clip_id = f"vid{i:02d}_{1000 * i:09d}_{1000 * i + 1000:09d}"
        write_video(root / f"{clip_id}.mp4", moving_frames(frames, seed=seed + i))
        rows.append({"clip_id": clip_id, "activity": act})
    pd.DataFrame(rows).to_csv(root / "manifest.csv", index=False)
    return root


@pytest.fixture(scope="session")
def opencv_doc() -> Path:
    """Debian's opencv-doc sample data (messi5.jpg, vtest.avi, ...), cached between runs."""
    cache = Path(os.environ.get("MUSCLEMAP_TEST_CACHE", Path.home() / ".cache" / "musclemap-tests"))
    data = cache / "opencv-doc" / "usr" / "share" / "doc" / "opencv-doc" / "examples" / "data"
    if not (data / "messi5.jpg").is_file():
        work = cache / "opencv-doc-download"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        subprocess.run(["apt-get", "download", "opencv-doc"], cwd=work, check=True,
                       capture_output=True)  # fmt: skip
        deb = next(work.glob("opencv-doc_*.deb"))
        tmp = cache / "opencv-doc.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp)], check=True)
        shutil.rmtree(cache / "opencv-doc", ignore_errors=True)
        tmp.rename(cache / "opencv-doc")
        shutil.rmtree(work, ignore_errors=True)
    return data


@pytest.fixture
def moving_dataset(tmp_path: Path) -> Path:
    return make_dataset(tmp_path / "clips")
