"""`MuscleMapDataset`: clips of a prepared dataset as model-ready tensors.

Reads only the T stored frames a clip needs (JPEG/PNG images or skeleton arrays) from the
Parquet shards; no video is decoded. The input pipeline follows the paper and the published
code: T = 16 frames at sampling rate 4 (30 fps target); training: random resized crop,
horizontal flip and colour jitter 0.4; evaluation: short side 256, centre crop 224, one view
(the first temporal window, from frame 0). Pixels are divided by 255 without mean/std
normalisation unless `mean`/`std` are given.

Augmentation randomness comes from a generator seeded by (seed, epoch, clip index), so a
sample is the same whatever the number of workers, and a resumed run sees the same data."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from musclemap_bench.data import sampling, transforms
from musclemap_bench.data.prepared import MODALITIES, PreparedData, open_prepared
from musclemap_bench.data.shards import ShardReader
from musclemap_bench.errors import InputError

VIDEO_MODALITIES = ("rgb", "rgb_diff", "flow")
NUM_JOINTS = 17


@dataclass
class DataConfig:
    """Input pipeline settings (defaults: the paper's)."""

    frames: int = 16
    sampling_rate: int = 4
    target_fps: float | None = 30.0  # None: step in stored frames, ignoring the clip's fps
    crop_size: int = 224
    short_side: int = 256
    train_scale: tuple[float, float] = (0.08, 1.0)
    flip: bool = True
    color_jitter: float = 0.4
    mean: tuple[float, float, float] | None = None
    std: tuple[float, float, float] | None = None
    temporal_views: int = 1
    spatial_views: int = 1
    # Shard column feeding the "skeleton" modality: the pose backend's estimate, or
    # "skeleton_gt" (ground truth of synthetic clips) to measure what pose errors cost.
    skeleton_column: str = "skeleton"

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DataConfig:
        known = set(cls.__dataclass_fields__)
        bad = sorted(set(d) - known)
        if bad:
            raise InputError(
                f"unknown data setting {bad[0]!r}; choose from {', '.join(sorted(known))}"
            )
        cfg = cls(**d)
        for name in ("train_scale", "mean", "std"):
            v = getattr(cfg, name)
            if v is not None:
                setattr(cfg, name, tuple(float(x) for x in v))
        if (
            cfg.frames < 1
            or cfg.sampling_rate < 1
            or cfg.crop_size < 1
            or cfg.short_side < cfg.crop_size
        ):
            raise InputError(
                "data: frames, sampling_rate, crop_size >= 1 and short_side >= crop_size needed"
            )
        if cfg.skeleton_column not in ("skeleton", "skeleton_gt"):
            raise InputError("data: skeleton_column must be 'skeleton' or 'skeleton_gt'")
        if cfg.spatial_views not in (1, 3) or cfg.temporal_views < 1:
            raise InputError("data: spatial_views must be 1 or 3 and temporal_views >= 1")
        return cfg

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _decode(blob: bytes, what: str) -> np.ndarray:
    img = cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise InputError(f"cannot decode a stored {what} frame")
    return img


class MuscleMapDataset(Dataset):
    """Clips of one or more splits of a prepared dataset.

    Each item is a dict: one tensor per requested modality (rgb / rgb_diff: 3 x T x H x W in
    [0, 1] (or mean/std normalised); flow: 2 x T x H x W in pixels of the output frame;
    skeleton: 3 x T x 17 x 1, centred and scaled), "labels" (float, 20 regions), "index" and
    "clip_id". With several test views every tensor gains a leading view dimension.
    """

    def __init__(
        self,
        data: str | Path | PreparedData,
        split: str | list[str] | None,
        modalities: tuple[str, ...] | list[str],
        train: bool = False,
        config: DataConfig | None = None,
        seed: int = 0,
    ):
        self.data = data if isinstance(data, PreparedData) else open_prepared(data)
        bad = [m for m in modalities if m not in MODALITIES]
        if bad or not modalities:
            raise InputError(
                f"unknown modality {bad[0] if bad else ''!r}; choose from {', '.join(MODALITIES)}"
            )
        self.modalities = tuple(modalities)
        self.clips = self.data.clips(split, self.modalities)
        self.train = train
        self.cfg = config or DataConfig()
        self.seed = seed
        self.epoch = 0
        self.reader = ShardReader(self.data.root)
        self._labels = np.stack([np.asarray(v, dtype=np.float32) for v in self.clips["labels"]])

    def set_epoch(self, epoch: int) -> None:
        """Changes the augmentation draws (call before each training epoch)."""
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.clips)

    @property
    def clip_ids(self) -> list[str]:
        return list(self.clips["clip_id"])

    @property
    def num_views(self) -> int:
        return 1 if self.train else self.cfg.temporal_views * self.cfg.spatial_views

    # -- reading ---------------------------------------------------------------------------
    def _frames(self, blobs, idx: np.ndarray, modality: str, bound: float) -> torch.Tensor:
        """T x C x H x W tensor of the stored frames at idx (each decoded once): uint8 in cv2's
        BGR order for images (cropping before the float conversion is much cheaper), float
        pixels for flow."""
        uniq, inverse = np.unique(idx, return_inverse=True)
        imgs = [_decode(blobs[int(i)].as_py(), modality) for i in uniq]
        arr = np.stack(imgs)[inverse]  # T x H x W x 3
        if modality == "flow":
            # Contract: channel 0 = x, 1 = y, quantised with bound B; inverse q * 2B/255 - B.
            t = torch.from_numpy(arr[..., :2].astype(np.float32)) * (2 * bound / 255.0) - bound
            return t.permute(0, 3, 1, 2).contiguous()
        return torch.from_numpy(arr).permute(0, 3, 1, 2)

    @staticmethod
    def _to_float(x: torch.Tensor, modality: str) -> torch.Tensor:
        if modality == "flow":
            return x
        return x.flip(1).float().div_(255.0)  # BGR -> RGB, [0, 1]

    def _geometry(self, x: torch.Tensor, modality: str, view: dict[str, Any]) -> torch.Tensor:
        h, w = x.shape[-2:]
        size = self.cfg.crop_size
        if view["kind"] == "train":
            y0, x0, bh, bw = view["box"]
            x = self._to_float(x[..., y0 : y0 + bh, x0 : x0 + bw], modality)
            x = transforms.resize(x, size, size)
            if modality == "flow":
                x = transforms.scale_flow(x, size / bh, size / bw)
        else:
            nh, nw = transforms.short_side_size(h, w, self.cfg.short_side)
            y0, x0 = transforms.crop_offsets(nh, nw, size, self.cfg.spatial_views)[view["spatial"]]
            if (nh, nw) == (h, w):  # stored at the eval size already: crop, then convert
                x = self._to_float(x[..., y0 : y0 + size, x0 : x0 + size], modality)
            else:
                x = transforms.resize(self._to_float(x, modality), nh, nw)
                if modality == "flow":
                    x = transforms.scale_flow(x, nh / h, nw / w)
                x = x[..., y0 : y0 + size, x0 : x0 + size]
        if view.get("flip"):
            x = x.flip(-1)
            if modality == "flow":
                x = x * torch.tensor([-1.0, 1.0]).view(1, 2, 1, 1)
        return x

    def _video(self, blobs, idx, modality, view, rng) -> torch.Tensor:
        x = self._frames(blobs, idx, modality, self.data.flow_bound)
        x = self._geometry(x, modality, view)
        if modality == "rgb":
            if view["kind"] == "train":
                x = transforms.color_jitter(x, self.cfg.color_jitter, rng)
            if self.cfg.mean is not None:
                mean = torch.tensor(self.cfg.mean).view(1, 3, 1, 1)
                std = torch.tensor(self.cfg.std or (1.0, 1.0, 1.0)).view(1, 3, 1, 1)
                x = (x - mean) / std
        return x.permute(1, 0, 2, 3).contiguous()  # C x T x H x W

    def _skeleton(self, flat: np.ndarray, num_frames: int, idx, flip: bool) -> torch.Tensor:
        if flat.size != num_frames * NUM_JOINTS * 3:
            raise InputError(f"skeleton has {flat.size} values, expected {num_frames} x 17 x 3")
        joints = transforms.normalize_skeleton(flat.reshape(num_frames, NUM_JOINTS, 3)[idx])
        if flip:
            joints = transforms.flip_skeleton(joints)
        # T x V x C -> C x T x V x M (one person)
        return torch.from_numpy(np.ascontiguousarray(joints.transpose(2, 0, 1)))[..., None]

    def _views(self, rec, step: float, rng: np.random.Generator) -> list[dict[str, Any]]:
        n = int(rec["num_frames"])
        if self.train:
            box = transforms.random_resized_box(
                int(rec["height"]), int(rec["width"]), rng, scale=self.cfg.train_scale
            )
            start = sampling.random_start(n, self.cfg.frames, step, rng)
            flip = bool(self.cfg.flip and rng.random() < 0.5)
            return [{"kind": "train", "start": start, "box": box, "flip": flip}]
        starts = sampling.view_starts(n, self.cfg.frames, step, self.cfg.temporal_views)
        return [
            {"kind": "eval", "start": s, "spatial": k, "flip": False}
            for s in starts
            for k in range(self.cfg.spatial_views)
        ]

    def __getitem__(self, i: int) -> dict[str, Any]:
        rec = self.clips.iloc[i]
        rng = np.random.default_rng([self.seed, self.epoch, int(i)])
        step = sampling.frame_step(self.cfg.sampling_rate, float(rec["fps"]), self.cfg.target_fps)
        columns = [self.cfg.skeleton_column if m == "skeleton" else m for m in self.modalities]
        row = self.reader.read(str(rec["shard"]), int(rec["row"]), columns)
        if "skeleton" in self.modalities:
            row["skeleton"] = row[self.cfg.skeleton_column]
        views = self._views(rec, step, rng)
        n = int(rec["num_frames"])
        out: dict[str, Any] = {}
        for m in self.modalities:
            per_view = []
            for v in views:
                idx = sampling.clip_indices(n, self.cfg.frames, step, v["start"])
                if m == "skeleton":
                    per_view.append(self._skeleton(row[m], n, idx, v["flip"]))
                else:
                    if len(row[m]) != n:
                        raise InputError(
                            f"clip {rec['clip_id']!r}: {m} has {len(row[m])} frames, index says {n}"
                        )
                    per_view.append(self._video(row[m], idx, m, v, rng))
            out[m] = per_view[0] if self.num_views == 1 else torch.stack(per_view)
        out["labels"] = torch.from_numpy(self._labels[i])
        out["index"] = int(i)
        out["clip_id"] = str(rec["clip_id"])
        return out
