"""Extraction parameters. Everything that changes the stored bytes lives here, so the set of
parameters recorded in the Parquet metadata is exactly what makes two extractions comparable."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from musclemap_bench.errors import InputError

MODALITIES = ("rgb", "rgb_diff", "flow", "skeleton")
FLOW_METHODS = ("dis", "tvl1")
POSE_BACKENDS = ("mediapipe", "mmpose")


@dataclass(frozen=True)
class PrepareConfig:
    """Parameters of one extraction (all recorded in the shard metadata)."""

    modalities: tuple[str, ...] = MODALITIES
    fps: float = 30.0
    short_side: int = 256
    jpeg_quality: int = 90
    flow: str = "dis"
    flow_bound: float = 20.0
    pose: str = "mediapipe"
    pose_config: str | None = None
    pose_checkpoint: str | None = None
    pose_device: str = "cpu"
    # PNG level 1: diff/flow images are lossless at any level; 1 is ~3x faster than the default 3
    png_compression: int = 1
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        bad = [m for m in self.modalities if m not in MODALITIES]
        if bad or not self.modalities:
            raise InputError(
                f"unknown modality {bad[0] if bad else '(none)'!r} (choose from {', '.join(MODALITIES)})"
            )
        if self.flow not in FLOW_METHODS:
            raise InputError(f"unknown flow method {self.flow!r} (choose from dis, tvl1)")
        if self.pose not in POSE_BACKENDS:
            raise InputError(f"unknown pose backend {self.pose!r} (choose from mediapipe, mmpose)")
        if not self.fps > 0 or self.short_side < 16 or not 1 <= self.jpeg_quality <= 100:
            raise InputError("--fps must be > 0, --short-side >= 16, --jpeg-quality in 1..100")
        if not self.flow_bound > 0:
            raise InputError("--flow-bound must be > 0")
        needs_files = self.pose == "mmpose" and "skeleton" in self.modalities
        if needs_files and not (self.pose_config and self.pose_checkpoint):
            raise InputError("--pose mmpose needs --pose-config and --pose-checkpoint")

    def wants(self, modality: str) -> bool:
        return modality in self.modalities

    def as_dict(self) -> dict:
        return asdict(self)
