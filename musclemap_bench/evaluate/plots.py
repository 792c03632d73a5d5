"""Evaluation plots: per-region average precision, known vs new activities, one chart per
partition (val, test). Used by `musclemap evaluate --plots DIR`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.atomic import atomic_path
from musclemap_bench.evaluate.evaluator import EvalResult

KNOWN_COLOUR = "#2b6cb0"
NEW_COLOUR = "#dd6b20"


def per_region_ap(result: EvalResult, split: str) -> np.ndarray:
    """Per-region AP (%) of one split in region order; NaN where the region was not scored."""
    info = result.splits.get(split, {})
    per = info.get("per_region_ap") or {}
    return np.array([np.nan if per.get(k) is None else per[k] for k in load_taxonomy().region_keys])


def per_region_figure(result: EvalResult, partition: str):
    """Grouped bar chart (known, new) per region for `partition` ('val' or 'test')."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = load_taxonomy().region_names
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(13, 5), dpi=100)
    width = 0.4
    for offset, group, colour in (
        (-width / 2, "known", KNOWN_COLOUR),
        (width / 2, "new", NEW_COLOUR),
    ):
        split = f"{partition}_{group}"
        ap = per_region_ap(result, split)
        mean = result.metrics.get(split)
        label = (
            f"{group} {partition} (mAP {mean:.1f})"
            if mean is not None
            else f"{group} {partition} (not scored)"
        )
        ax.bar(x + offset, np.nan_to_num(ap, nan=0.0), width, color=colour, label=label, gid=split)
        for xi in x[np.isnan(ap)]:
            # A region with no positive clip is dropped from the mean; say so instead of a 0 bar.
            ax.text(
                xi + offset,
                1,
                "n/a",
                rotation=90,
                ha="center",
                va="bottom",
                fontsize=7,
                color="#555",
            )
    ax.set_xticks(x, names, rotation=45, ha="right")
    ax.set_ylabel("average precision (%)")
    ax.set_ylim(0, 100)
    ax.set_title(f"Per-region AP, {partition}: known vs new activities")
    ax.legend(loc="upper right")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def write_per_region_plots(result: EvalResult, out_dir: str | Path) -> list[Path]:
    """Write per_region_ap_<partition>.png for each partition with a scored split."""
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    written = []
    for partition in ("val", "test"):
        if not any(f"{partition}_{g}" in result.metrics for g in ("known", "new")):
            continue
        fig = per_region_figure(result, partition)
        path = out_dir / f"per_region_ap_{partition}.png"
        try:
            with atomic_path(path, suffix=".png") as tmp:
                fig.savefig(tmp, format="png")
        finally:
            plt.close(fig)
        written.append(path)
    return written
