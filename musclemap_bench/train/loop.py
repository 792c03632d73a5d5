"""The training loop behind `musclemap train`.

One epoch = one pass over the train split (sharded over DDP ranks). After each epoch the
model predicts the validation splits and `musclemap_bench.evaluate.Evaluator` scores them;
losses and mAPs go to the console and RUN_DIR/metrics.jsonl, and RUN_DIR/checkpoints/last.pt
(and best.pt, by mean val mAP) are written atomically. Everything a resumed run needs to
continue exactly is in last.pt: weights, optimizer, scheduler, AMP scaler, RNG states of
every rank, the epoch and the position within it (the sampler's permutation depends only on
(seed, epoch), and augmentation draws on (seed, epoch, clip), so no data-loader state is
lost)."""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader
from tqdm import tqdm

from musclemap_bench.atomic import write_text
from musclemap_bench.data.dataset import DataConfig, MuscleMapDataset
from musclemap_bench.data.prepared import open_prepared
from musclemap_bench.errors import InputError
from musclemap_bench.evaluate import Evaluator
from musclemap_bench.evaluate.predictions import Predictions
from musclemap_bench.models import create_model, get_spec
from musclemap_bench.train import distributed as D
from musclemap_bench.train.checkpoint import (
    load_checkpoint,
    rng_state,
    save_checkpoint,
    seed_everything,
    set_rng_state,
)
from musclemap_bench.train.inference import compute_loss, modalities_for, model_args, predict_loader
from musclemap_bench.train.sampler import ResumableSampler

VAL_KEYS = ("val_known", "val_new", "mean_val")


def cosine_with_warmup(
    total_steps: int, warmup_steps: int, min_ratio: float
) -> Callable[[int], float]:
    """LR multiplier per optimizer step: linear warm-up, then half-cosine to min_ratio."""

    def factor(step: int) -> float:
        if warmup_steps and step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = (step - warmup_steps) / max(total_steps - warmup_steps, 1)
        return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))

    return factor


def params_digest(model: torch.nn.Module) -> str:
    """sha256 of all parameters and buffers (to check DDP replicas are identical)."""
    h = hashlib.sha256()
    for k, v in sorted(model.state_dict().items()):
        h.update(k.encode())
        h.update(v.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def _device(setting: str, local_rank: int) -> torch.device:
    if setting == "auto":
        return torch.device(f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu")
    if setting.startswith("cuda") and not torch.cuda.is_available():
        raise InputError(f"train.device={setting} but no CUDA device is available")
    return torch.device(setting)


class Trainer:
    """Train one model on a prepared dataset into RUN_DIR (see module docstring)."""

    def __init__(
        self,
        cfg: dict[str, Any] | None,
        data: str | Path,
        out: str | Path,
        resume: bool = False,
        on_step: Callable[[Trainer, int], None] | None = None,
        progress: bool = True,
    ):
        self.out = Path(out)
        self.ckpt_dir = self.out / "checkpoints"
        self.on_step = on_step
        self.progress = progress
        self.resume_state: dict[str, Any] | None = None
        last = self.ckpt_dir / "last.pt"
        if resume:
            if not last.is_file():
                raise InputError(f"{self.out}: nothing to resume (no checkpoints/last.pt)")
            self.resume_state = load_checkpoint(last)
            cfg = self.resume_state["config"]
        elif last.is_file():
            raise InputError(
                f"{self.out} already holds a run; pass --resume or choose another --out"
            )
        assert cfg is not None
        self.cfg = cfg
        t = cfg["train"]
        self.dist = D.init_distributed("cuda" if _device(t["device"], 0).type == "cuda" else "cpu")
        self.device = _device(t["device"], self.dist.local_rank)
        seed_everything(t["seed"])

        self.data = open_prepared(data)
        self.spec = get_spec(cfg["model"]["name"])
        self.modalities = modalities_for(self.spec.inputs, cfg["input"]["video_modality"])
        dcfg = DataConfig.from_dict(cfg["data"])
        self.train_ds = MuscleMapDataset(self.data, "train", self.modalities, True, dcfg, t["seed"])
        present = set(self.data.index["split"].dropna())
        self.val_splits = [s for s in t["val_splits"] if s in present]
        val_cfg = DataConfig.from_dict({**cfg["data"], "temporal_views": 1, "spatial_views": 1})
        self.val_ds = (
            MuscleMapDataset(self.data, self.val_splits, self.modalities, False, val_cfg, t["seed"])
            if self.val_splits
            else None
        )
        self.model = create_model(cfg["model"]["name"], **cfg["model"]["args"]).to(self.device)
        self.num_params = sum(p.numel() for p in self.model.parameters())
        if t["stage1_epochs"] and not hasattr(self.model, "set_stage"):
            raise InputError(
                f"train.stage1_epochs needs a two-stage model; {self.spec.name} has no set_stage"
            )
        self.ddp = (
            torch.nn.parallel.DistributedDataParallel(
                self.model, device_ids=[self.device.index] if self.device.type == "cuda" else None
            )
            if self.dist.enabled
            else self.model
        )
        o = cfg["optim"]
        self.optimizer = torch.optim.AdamW(
            self.model.parameters(),
            lr=o["lr"],
            betas=tuple(o["betas"]),
            weight_decay=o["weight_decay"],
        )
        self.sampler = ResumableSampler(
            len(self.train_ds), True, t["seed"], self.dist.rank, self.dist.world
        )
        self.batches_per_epoch = -(-self.sampler.per_rank() // t["batch_size"])
        self.steps_per_epoch = -(-self.batches_per_epoch // t["accum_steps"])
        s = cfg["schedule"]
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer,
            cosine_with_warmup(
                s["epochs"] * self.steps_per_epoch,
                int(round(s["warmup_epochs"] * self.steps_per_epoch)),
                s["min_lr_ratio"],
            ),
        )
        amp = t["amp"] if t["amp"] != "auto" else self.device.type == "cuda"
        self.amp = bool(amp) and self.device.type == "cuda"
        dtype = torch.bfloat16 if t["amp_dtype"] == "bfloat16" else torch.float16
        self.autocast = (lambda: torch.autocast("cuda", dtype=dtype)) if self.amp else nullcontext
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp and dtype == torch.float16)
        self.epoch = 0
        self.batches_done = 0
        self.global_step = 0
        self.sums: dict[str, float] = {}
        self.count = 0.0
        self.best: float | None = None
        if self.resume_state is not None:
            self._restore(self.resume_state)

    # -- state -----------------------------------------------------------------------------
    def _state(self, rngs: list[Any], val: dict[str, float] | None) -> dict[str, Any]:
        from musclemap_bench import __version__

        return {
            "model_name": self.spec.name,
            "model_args": self.cfg["model"]["args"],
            "inputs": list(self.spec.inputs),
            "modalities": self.modalities,
            "num_params": self.num_params,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict(),
            "epoch": self.epoch,
            "batches_done": self.batches_done,
            "global_step": self.global_step,
            "epoch_sums": dict(self.sums),
            "epoch_count": self.count,
            "best": self.best,
            "val": val,
            "rng": rngs,
            "world_size": self.dist.world,
            "config": self.cfg,
            "package_version": __version__,
            "torch_version": torch.__version__,
            "data_path": str(self.data.root.resolve()),
            "data_meta": self.data.meta,
        }

    def _restore(self, st: dict[str, Any]) -> None:
        if st["world_size"] != self.dist.world:
            raise InputError(
                f"checkpoint was written by {st['world_size']} process(es); resume with the same number"
            )
        self.model.load_state_dict(st["model"])
        self.optimizer.load_state_dict(st["optimizer"])
        self.scheduler.load_state_dict(st["scheduler"])
        self.scaler.load_state_dict(st["scaler"])
        self.epoch, self.batches_done = st["epoch"], st["batches_done"]
        self.global_step, self.best = st["global_step"], st["best"]
        self.sums, self.count = dict(st["epoch_sums"]), st["epoch_count"]
        set_rng_state(st["rng"][self.dist.rank])
        if self.dist.main:
            self._truncate_metrics(self.epoch)

    def _truncate_metrics(self, epochs_done: int) -> None:
        """Drop metrics lines of epochs the resumed run will redo (written after last.pt)."""
        path = self.out / "metrics.jsonl"
        if path.is_file():
            lines = [ln for ln in path.read_text().splitlines() if ln.strip()]
            keep = [ln for ln in lines if json.loads(ln)["epoch"] <= epochs_done]
            write_text(path, "".join(ln + "\n" for ln in keep))

    def _save(self, names: list[str], val: dict[str, float] | None) -> None:
        rngs = D.gather_objects(self.dist, rng_state())
        if self.dist.main:
            state = self._state(rngs, val)
            for name in names:
                save_checkpoint(self.ckpt_dir / f"{name}.pt", state)
        D.barrier(self.dist)

    # -- steps -----------------------------------------------------------------------------
    def _optimizer_step(self) -> None:
        t, o = self.cfg["train"], self.cfg["optim"]
        self.scaler.unscale_(self.optimizer)
        if o["grad_clip"]:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), o["grad_clip"])
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.optimizer.zero_grad(set_to_none=True)
        self.scheduler.step()
        self.global_step += 1
        if self.on_step is not None:
            self.on_step(self, self.global_step)
        every = t["save_every_steps"]
        if every and self.global_step % every == 0 and self.batches_done < self.batches_per_epoch:
            self._save(["last"], None)

    def _train_epoch(self) -> dict[str, float]:
        t = self.cfg["train"]
        stage1 = t["stage1_epochs"]
        if hasattr(self.model, "set_stage"):
            self.model.set_stage(1 if self.epoch < stage1 else 2)
        self.model.train()
        self.train_ds.set_epoch(self.epoch)
        self.sampler.set_epoch(self.epoch, start=self.batches_done * t["batch_size"])
        loader = DataLoader(
            self.train_ds,
            batch_size=t["batch_size"],
            sampler=self.sampler,
            num_workers=t["num_workers"],
            pin_memory=self.device.type == "cuda",
            # Own generator: creating the iterator must not consume the global RNG (it would
            # change dropout draws between an uninterrupted and a resumed run).
            generator=torch.Generator().manual_seed(t["seed"]),
        )
        accum = t["accum_steps"]
        bar = tqdm(
            loader,
            total=self.batches_per_epoch,
            initial=self.batches_done,
            desc=f"epoch {self.epoch + 1}/{self.cfg['schedule']['epochs']}",
            disable=not (self.progress and self.dist.main),
            dynamic_ncols=True,
        )
        for batch in bar:
            bi = self.batches_done
            last_micro = (bi + 1) % accum == 0 or bi + 1 == self.batches_per_epoch
            targets = batch["labels"].to(self.device)
            sync = self.ddp.no_sync if (self.dist.enabled and not last_micro) else nullcontext
            with sync():
                with self.autocast():
                    outputs = self.ddp(*model_args(batch, self.modalities, self.device))
                    parts = compute_loss(self.model, outputs, targets)
                self.scaler.scale(parts["total"] / accum).backward()
            n = float(len(targets))
            for k, v in parts.items():
                self.sums[k] = self.sums.get(k, 0.0) + float(v.detach()) * n
            self.count += n
            self.batches_done += 1
            bar.set_postfix(loss=f"{self.sums['total'] / self.count:.4f}")
            if last_micro:
                self._optimizer_step()
        bar.close()
        totals = D.all_reduce_sum(self.dist, {**self.sums, "__count": self.count})
        count = totals.pop("__count")
        return {k: v / count for k, v in totals.items()}

    def validate(self) -> dict[str, float] | None:
        """Known/new/mean val mAP (percent) from the standard Evaluator; None without val."""
        if self.val_ds is None:
            return None
        t = self.cfg["train"]
        sampler = ResumableSampler(
            len(self.val_ds), False, 0, self.dist.rank, self.dist.world, pad=False
        )
        loader = DataLoader(
            self.val_ds,
            batch_size=t["eval_batch_size"],
            sampler=sampler,
            num_workers=t["num_workers"],
        )
        idx, scores = predict_loader(
            self.model, loader, self.modalities, self.device, autocast=self.autocast(),
            progress=self.progress and self.dist.main, desc="validate",
        )  # fmt: skip
        parts = D.gather_objects(self.dist, (idx, scores))
        metrics = None
        if self.dist.main:
            all_idx = np.concatenate([np.asarray(i, dtype=np.int64) for i, _ in parts])
            all_scores = np.concatenate([s for _, s in parts if len(s)])
            ids = [self.val_ds.clip_ids[i] for i in all_idx]
            ev = Evaluator(self.data.split_table(), eval_splits=self.val_splits)
            result = ev.eval(Predictions(clip_ids=ids, scores=all_scores))
            metrics = {k: v for k, v in result.metrics.items() if k in VAL_KEYS}
        return D.broadcast_object(self.dist, metrics)

    @staticmethod
    def selection_metric(val: dict[str, float] | None) -> float | None:
        """mean val when both known and new val exist, else the one that does."""
        if not val:
            return None
        return val.get("mean_val", next(iter(val.values())))

    # -- main ------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        """Train to the configured number of epochs; returns the last epoch's record."""
        from musclemap_bench import __version__

        t, epochs = self.cfg["train"], self.cfg["schedule"]["epochs"]
        if self.dist.main:
            import yaml

            self.out.mkdir(parents=True, exist_ok=True)
            write_text(self.out / "config.yaml", yaml.safe_dump(self.cfg, sort_keys=False))
            tqdm.write(
                f"model {self.spec.name} ({self.num_params:,} parameters) | {len(self.train_ds)} train clips"
                f" | val: {', '.join(self.val_splits) or 'none'} | device {self.device}"
                f" x {self.dist.world} | musclemap-bench {__version__}"
            )
        record: dict[str, Any] = {}
        while self.epoch < epochs:
            start = time.time()
            losses = self._train_epoch()
            D.sync_buffers(self.dist, self.model)
            val = None
            if (self.epoch + 1) % max(t["eval_every"], 1) == 0 or self.epoch + 1 == epochs:
                val = self.validate()
            digests = (
                D.gather_objects(self.dist, params_digest(self.model))
                if self.dist.enabled
                else None
            )
            score = self.selection_metric(val)
            is_best = score is not None and (self.best is None or score > self.best)
            if is_best:
                self.best = score
            self.epoch += 1
            self.batches_done, self.sums, self.count = 0, {}, 0.0
            record = {
                "epoch": self.epoch,
                "stage": (1 if self.epoch <= t["stage1_epochs"] else 2)
                if t["stage1_epochs"]
                else None,
                "global_step": self.global_step,
                "lr": self.optimizer.param_groups[0]["lr"],
                "train_loss": losses,
                "val": val,
                "best_mean_val": self.best,
                "is_best": is_best,
                "time_s": round(time.time() - start, 3),
                "world_size": self.dist.world,
            }
            if digests is not None:
                record["replicas_equal"] = len(set(digests)) == 1
            if self.dist.main:
                with open(self.out / "metrics.jsonl", "a") as f:
                    f.write(json.dumps(record) + "\n")
                tqdm.write(_epoch_line(record))
            self._save(["last", "best"] if is_best else ["last"], val)
            if digests is not None and len(set(digests)) != 1:
                raise RuntimeError("DDP replicas diverged: parameters differ between ranks")
        D.cleanup(self.dist)
        return record


def _epoch_line(r: dict[str, Any]) -> str:
    loss = " ".join(f"{k}={v:.4f}" for k, v in r["train_loss"].items())
    val = " ".join(f"{k}={v:.2f}" for k, v in (r["val"] or {}).items()) or "no val"
    best = "  *best*" if r["is_best"] else ""
    return f"epoch {r['epoch']}: loss {loss} | {val} | lr {r['lr']:.2e} | {r['time_s']:.1f}s{best}"
