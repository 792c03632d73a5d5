"""Human-readable reports of evaluation results (Table 2 layout) and machine-readable JSON."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from musclemap_bench.evaluate.evaluator import METRIC_TITLES, METRICS, EvalResult


def _cell(result: EvalResult, metric: str) -> str:
    if metric not in result.metrics:
        return "-"
    text = f"{result.metrics[metric]:.1f}"
    if result.bootstrap and metric in result.bootstrap["ci95"]:
        lo, hi = result.bootstrap["ci95"][metric]
        text += f" [{lo:.1f}, {hi:.1f}]"
    return text


def results_table(
    rows: Sequence[tuple[str, EvalResult]], title: str = "MuscleMap @ mAP (%)"
) -> Table:
    """A rich Table with one row per (name, result), columns in the paper's Table 2 order."""
    table = Table(title=title)
    table.add_column("Model")
    for m in METRICS:
        table.add_column(METRIC_TITLES[m], justify="right")
    for name, result in rows:
        table.add_row(name, *(_cell(result, m) for m in METRICS))
    return table


def compare_table(result: EvalResult, name_a: str, name_b: str) -> Table:
    """Paired comparison: delta per metric with bootstrap CI and P(first better)."""
    cmp = result.compare or {}
    table = Table(title=f"{name_a} minus {name_b} (mAP points)")
    for col in ("metric", "delta", "95% CI", "P(first better)"):
        table.add_column(col, justify="right" if col != "metric" else "left")
    paired = cmp.get("paired_bootstrap", {})
    for m in METRICS:
        if m not in cmp.get("delta", {}):
            continue
        ci = paired.get(m, {}).get("delta_ci95")
        p = paired.get(m, {}).get("p_first_better")
        table.add_row(
            METRIC_TITLES[m],
            f"{cmp['delta'][m]:+.1f}",
            f"[{ci[0]:+.1f}, {ci[1]:+.1f}]" if ci else "-",
            f"{p:.3f}" if p is not None else "-",
        )
    return table


def coverage_lines(result: EvalResult) -> list[str]:
    """One line per evaluated split with its prediction coverage."""
    return [
        f"{split}: {d['n_predicted']}/{d['n_clips']} clips predicted ({100 * d['coverage']:.1f}%)"
        + ("" if d.get("scored", True) else " - not scored")
        for split, d in result.splits.items()
    ]


def print_table(table: Table) -> None:
    Console(width=max(170, Console().width)).print(table)
