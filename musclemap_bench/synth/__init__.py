"""SYNTHETIC HIIT video generator: procedurally rendered figures performing the 135
annotated activities, with COCO-17 ground-truth keypoints. Every output is labelled
synthetic; the muscle labels come from annotations/, the pixels do not show real people."""

from musclemap_bench.synth.generate import render_clip, render_video

__all__ = ["render_clip", "render_video"]
