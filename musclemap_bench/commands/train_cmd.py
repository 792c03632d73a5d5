"""`musclemap train --model NAME --data PREPARED --out RUN_DIR`: train a registered model."""

from __future__ import annotations

from pathlib import Path

import click

HELP = """Train model NAME on the train split of a prepared dataset (musclemap prepare).

\b
Defaults are the paper's: AdamW lr 1e-4, weight decay 0.05, grad clip 1.0,
cosine schedule with warm-up, 16 frames at sampling rate 4, 224 crops.
Change settings with a YAML file (--config) and/or --set section.key=value:
  musclemap train --model tiny_video --data prepared/ --out runs/tiny \\
      --set schedule.epochs=2 --set train.batch_size=4 --set data.crop_size=112

\b
Writes RUN_DIR/config.yaml, RUN_DIR/metrics.jsonl (one JSON line per epoch:
losses, val known/new/mean mAP) and RUN_DIR/checkpoints/{last,best}.pt.
--resume continues a killed run exactly from checkpoints/last.pt.
Multi-GPU / multi-node: torchrun --nproc_per_node N -m musclemap_bench train ...
"""


@click.command(help=HELP)
@click.option("--model", "model_name", help="Registered model name (musclemap models).")
@click.option(
    "--data",
    "data",
    required=True,
    type=click.Path(path_type=Path),
    help="Prepared dataset folder.",
)
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Run folder.")
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="YAML config file.")
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a setting (repeatable).",
)
@click.option("--resume", is_flag=True, help="Continue the run in --out from checkpoints/last.pt.")
@click.option("--no-progress", is_flag=True, help="No progress bars (epoch lines only).")
def train(model_name, data, out, config_file, overrides, resume, no_progress) -> None:
    from musclemap_bench.errors import InputError
    from musclemap_bench.train import Trainer, build_config

    if resume:
        if config_file or overrides or model_name:
            # The checkpoint's config is the run's config; silently mixing in new settings
            # would make the resumed run differ from an uninterrupted one.
            raise InputError("--resume takes the run's saved config; drop --model/--config/--set")
        cfg = None
    else:
        cfg = build_config(model_name, config_file, tuple(overrides))
    record = Trainer(cfg, data, out, resume=resume, progress=not no_progress).run()
    if record:
        click.echo(
            f"done: {out}/checkpoints/last.pt (best mean val: {record.get('best_mean_val')})"
        )
