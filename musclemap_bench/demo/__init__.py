"""`musclemap demo`: the whole toolkit end to end on the embedded SYNTHETIC default data."""

from musclemap_bench.demo.pipeline import PRESETS, DemoPreset, run_demo

__all__ = ["PRESETS", "DemoPreset", "run_demo"]
