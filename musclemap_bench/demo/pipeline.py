"""The demo pipeline: every stage is the real tool a user runs, on SYNTHETIC data.

synth (render clips) -> loopback HTTP server -> download (manifest mode, yt-dlp + ffmpeg)
-> splits -> prepare (rgb, rgb_diff, flow, mediapipe skeletons + ground truth) -> train a
skeleton GCN and a small video model -> predict -> evaluate (with CIs) -> statistic baselines
-> synthetic leaderboard track -> body maps. Each stage is resumable: re-running the command
reuses finished work (the underlying tools are resumable)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.atomic import write_json, write_table, write_text
from musclemap_bench.demo.presets import PRESETS, DemoPreset
from musclemap_bench.evaluate.evaluator import Evaluator
from musclemap_bench.evaluate.report import print_table, results_table
from musclemap_bench.splits import assign_splits, eval_split_names

__all__ = ["PRESETS", "DemoPreset", "run_demo"]


def resolve_activities(spec: str) -> list[str]:
    """'all', or comma-separated keys where 'known'/'new' expand to their group."""
    tax = load_taxonomy()
    if spec == "all":
        return tax.activity_keys
    out: list[str] = []
    for token in (t.strip() for t in spec.split(",") if t.strip()):
        out += tax.activities_in(token) if token in ("known", "new") else [token]
    tax.check_activities(out)
    return list(dict.fromkeys(out))


class Stages:
    """Runs named stages with a header and records their wall time for the summary."""

    def __init__(self, echo: Callable[[str], None]):
        self.echo = echo
        self.rows: list[tuple[str, float, str]] = []

    def run(self, name: str, fn: Callable[[], Any], output: str) -> Any:
        self.echo(f"\n=== [{len(self.rows) + 1}] {name}")
        t0 = time.perf_counter()
        result = fn()
        self.rows.append((name, time.perf_counter() - t0, output))
        return result


def _synth(out: Path, p: DemoPreset, seed: int) -> pd.DataFrame:
    from musclemap_bench.synth.dataset import write_dataset

    return write_dataset(
        out,
        activities=resolve_activities(p.activities),
        clips_per_activity=p.clips_per_activity,
        videos_per_activity=p.videos_per_activity,
        seed=seed,
        seconds=p.seconds,
        fps=p.fps,
        size=p.size,
        workers=p.workers,
    )


def _clip_ground_truth(synth: Path, manifest: pd.DataFrame, gt_dir: Path, fps: int) -> list[str]:
    """Cut each source video's ground-truth keypoints to its clips: gt/<clip_id>.npy."""
    gt_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for row in manifest.itertuples():
        path = gt_dir / f"{row.clip_id}.npy"
        if not path.exists():
            kp = np.load(synth / "keypoints" / f"{row.video_id}.npy")
            a, b = round(float(row.start) * fps), round(float(row.end) * fps)
            np.save(path, kp[a:b])
        paths.append(str(path.relative_to(gt_dir.parent)))
    return paths


def _download(synth: Path, clips: Path, manifest: pd.DataFrame, p: DemoPreset) -> dict:
    """Serve the synthetic videos on 127.0.0.1 and fetch them with `musclemap download`."""
    from musclemap_bench.download.api import download_manifest
    from musclemap_bench.download.ffmpeg import find_ffmpeg
    from musclemap_bench.download.loopback import LoopbackServer, Route
    from musclemap_bench.download.manifest import parse_manifest
    from musclemap_bench.download.runner import RunOptions
    from musclemap_bench.download.ytdl import FetchOptions

    df = manifest.copy()
    df["gt_keypoints"] = _clip_ground_truth(synth, df, clips / "gt", p.fps)
    with LoopbackServer(max_seconds=3600) as server:
        urls = {}
        for rel in sorted(set(df["url"])):
            urls[rel] = server.add("/" + rel, Route(path=synth / rel))
        df["url"] = df["url"].map(urls)
        write_table(clips / "manifest.csv", df)  # the manifest prepare reads later
        fetch = FetchOptions(ffmpeg=find_ffmpeg(), fps=float(p.fps), short_side=p.size)
        result, report = download_manifest(
            parse_manifest(df, source="demo manifest"),
            clips,
            fetch,
            RunOptions(workers=p.workers, quiet=False, retries=2, backoff=0.2),
        )
    return report


def _prepare(clips: Path, prepared: Path, split_file: Path, p: DemoPreset) -> dict:
    from musclemap_bench.prepare.config import PrepareConfig
    from musclemap_bench.prepare.pipeline import prepare

    cfg = PrepareConfig(fps=float(p.fps), short_side=p.size)
    return prepare(clips, prepared, cfg, splits=split_file, workers=p.workers)


def _scored_split_file(prepared: Path, full: pd.DataFrame, path: Path) -> pd.DataFrame:
    """The clips that made it through download and extraction (failures are reported)."""
    index = pd.read_parquet(prepared / "index.parquet", columns=["clip_id", "status"])
    ok = set(index.loc[index["status"] == "ok", "clip_id"])
    scored = full[full["clip_id"].isin(ok)].reset_index(drop=True)
    write_table(path, scored)
    return scored


def _train(name: str, args: dict, epochs: int, prepared: Path, run: Path, p: DemoPreset):
    from musclemap_bench.train import Trainer, build_config

    if (run / "checkpoints" / "last.pt").exists():
        trainer = Trainer(None, prepared, run, resume=True)
    else:
        overrides = [
            f"data.frames={p.frames}",
            f"data.sampling_rate={p.sampling_rate}",
            "data.target_fps=null",
            f"data.crop_size={p.crop_size}",
            f"data.short_side={p.size}",
            "data.train_scale=[0.5, 1.0]",
            f"schedule.epochs={epochs}",
            "schedule.warmup_epochs=1",
            f"optim.lr={p.lr}",
            f"train.batch_size={p.batch_size}",
            f"train.eval_batch_size={2 * p.batch_size}",
            # Loader processes cost seconds to start each epoch; the demo's clips are few and
            # small, so reading them in the training process is faster.
            "train.num_workers=0",
            f"model.args={json.dumps(args)}",
        ]
        trainer = Trainer(build_config(name, None, tuple(overrides)), prepared, run)
    return trainer.run()


def _pose_error(prepared: Path) -> dict[str, float]:
    """Mean endpoint error (px) of the pose backend against the synthetic ground truth, over
    frames where both exist, and the fraction of frames with a detected person."""
    import pyarrow.parquet as pq

    index = pd.read_parquet(prepared / "index.parquet")
    index = index[index["status"] == "ok"]
    errs, detected, frames, norm = [], 0, 0, []
    for shard in index["shard"].unique():
        table = pq.read_table(prepared / shard, columns=["clip_id", "skeleton", "skeleton_gt"])
        for est, gt in zip(
            table["skeleton"].to_pylist(), table["skeleton_gt"].to_pylist(), strict=True
        ):
            est = np.asarray(est, np.float32).reshape(-1, 17, 3)
            gt = np.asarray(gt, np.float32).reshape(-1, 17, 3)
            found = est[..., 2].max(axis=1) > 0
            frames += len(found)
            detected += int(found.sum())
            if found.any():
                d = np.linalg.norm(est[found, :, :2] - gt[found, :, :2], axis=-1)
                size = np.linalg.norm(gt[found, :, :2].max(1) - gt[found, :, :2].min(1), axis=-1)
                errs.append(d.ravel())
                norm.append((d / np.maximum(size, 1.0)[:, None]).ravel())
    all_err = np.concatenate(errs) if errs else np.array([np.nan])
    all_norm = np.concatenate(norm) if norm else np.array([np.nan])
    return {
        "frames": frames,
        "detection_rate": detected / max(frames, 1),
        "mean_endpoint_error_px": float(np.mean(all_err)),
        "median_endpoint_error_px": float(np.median(all_err)),
        "mean_error_over_body_size": float(np.mean(all_norm)),
    }


def _baselines(split_file: Path, preds_dir: Path, seed: int) -> dict[str, Path]:
    from musclemap_bench.annotations import num_regions
    from musclemap_bench.baselines import BASELINES
    from musclemap_bench.evaluate.predictions import write_predictions
    from musclemap_bench.splits import read_split_file

    df = read_split_file(split_file)
    clips = df.loc[df["split"].isin(eval_split_names()), "clip_id"].tolist()
    paths = {}
    for name, fn in BASELINES.items():
        paths[name] = preds_dir / f"{name}.json"
        model = {"name": name, "type": "statistic baseline", "num_params": 0, "seed": seed}
        write_predictions(paths[name], clips, fn(len(clips), num_regions(), seed=seed), model=model)
    return paths


def _leaderboard(root: Path, preds: dict[str, Path], params: dict[str, int], split_file: Path, p):
    """A synthetic-track leaderboard of this demo's entries, re-scored from their files."""
    import shutil

    import yaml

    from musclemap_bench.leaderboard.render import render
    from musclemap_bench.leaderboard.scores import score_submissions

    for name, path in preds.items():
        folder = root / "submissions" / f"demo-{name.replace('_', '-')}"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, folder / "predictions.json")
        meta = {
            "track": "synthetic",
            "team": "musclemap demo",
            "model": name,
            "paper": None,
            "code": None,
            "parameters": int(params.get(name, 0)),
            "external_data": False,
            "seeds": 1,
            "contact": "demo@example.org",
            "description": "Produced by `musclemap demo` on SYNTHETIC data.",
        }
        write_text(folder / "meta.yaml", yaml.safe_dump(meta, sort_keys=False))
    score_submissions(root, split_file, track="synthetic", bootstrap=p.bootstrap, progress=False)
    return render(root)


def _bodymaps(out: Path, split_df: pd.DataFrame, preds: Path, count: int = 3) -> list[Path]:
    from musclemap_bench.bodymap.render import write_bodymap
    from musclemap_bench.bodymap.values import values_for_activity, values_for_clip

    written = []
    picks = split_df[split_df["split"] == "test_new"].drop_duplicates("activity").head(count)
    for row in picks.itertuples():
        written.append(
            write_bodymap(values_for_activity(row.activity), out / f"{row.activity}_labels.png")
        )
        written.append(
            write_bodymap(values_for_clip(preds, row.clip_id), out / f"{row.clip_id}_pred.png")
        )
    return written


def run_demo(
    out: Path, preset: str = "default", seed: int = 0, echo: Callable[[str], None] = print
) -> dict[str, Any]:
    """Run every stage into `out`; returns the results (also written to out/results.json)."""
    p = PRESETS[preset]
    out = Path(out)
    synth, clips, prepared = out / "synth", out / "clips", out / "prepared"
    runs, preds_dir = out / "runs", out / "predictions"
    preds_dir.mkdir(parents=True, exist_ok=True)
    st = Stages(echo)
    echo(f"musclemap demo ({preset}): everything below runs on SYNTHETIC clips rendered here.")

    manifest = st.run(
        "synthesise clips (musclemap synth)", lambda: _synth(synth, p, seed), str(synth)
    )
    availability = st.run(
        "serve on 127.0.0.1 and download (musclemap download)",
        lambda: _download(synth, clips, manifest, p),
        str(clips),
    )
    full_split = out / "splits_all.csv"
    splits_all = st.run(
        "build splits (musclemap splits build)",
        lambda: (lambda d: (write_table(full_split, d), d)[1])(assign_splits(manifest)),
        str(full_split),
    )
    st.run(
        "extract rgb, rgb_diff, flow, skeleton (musclemap prepare)",
        lambda: _prepare(clips, prepared, full_split, p),
        str(prepared),
    )
    split_file = out / "splits.csv"
    scored = _scored_split_file(prepared, splits_all, split_file)
    if len(scored) < len(splits_all):
        # Clips that failed download or extraction (e.g. no person found) leave the scored
        # splits: re-running prepare with the reduced split file only rewrites the index.
        echo(f"{len(splits_all) - len(scored)} clip(s) failed; they are left out of the splits")
        _prepare(clips, prepared, split_file, p)
    pose = st.run("pose backend vs ground truth", lambda: _pose_error(prepared), "results.json")

    models = {
        p.skeleton_model: (p.skeleton_args, p.skeleton_epochs),
        p.video_model: (p.video_args, p.video_epochs),
    }
    params: dict[str, int] = {}
    pred_paths: dict[str, Path] = {}
    for name, (args, epochs) in models.items():
        run = runs / name
        st.run(
            f"train {name} (musclemap train)",
            lambda n=name, a=args, e=epochs, r=run: _train(n, a, e, prepared, r, p),
            str(run),
        )

        def _predict(n=name, r=run):
            from musclemap_bench.train.predict import predict_checkpoint

            pred_paths[n] = preds_dir / f"{n}.json"
            predict_checkpoint(
                r / "checkpoints" / "best.pt",
                prepared,
                eval_split_names(),
                pred_paths[n],
                num_workers=0,
            )
            params[n] = int(json.loads(pred_paths[n].read_text())["model"].get("num_params", 0))

        st.run(f"predict {name} (musclemap predict)", _predict, str(preds_dir / f"{name}.json"))
    baseline_paths = st.run(
        "statistic baselines (musclemap baseline)",
        lambda: _baselines(split_file, preds_dir, seed),
        str(preds_dir),
    )
    all_preds = {**pred_paths, **baseline_paths}

    def _evaluate():
        ev = Evaluator(split_file)
        return {
            name: ev.eval(path, bootstrap=p.bootstrap, seed=seed)
            for name, path in all_preds.items()
        }

    results = st.run("evaluate with 95% CIs (musclemap evaluate)", _evaluate, "results.json")
    lb = st.run(
        "synthetic leaderboard track (musclemap leaderboard score/render)",
        lambda: _leaderboard(out / "leaderboard", all_preds, params, split_file, p),
        str(out / "leaderboard" / "index.html"),
    )
    maps = st.run(
        "body maps (musclemap show)",
        lambda: _bodymaps(out / "bodymaps", scored, pred_paths[p.skeleton_model]),
        str(out / "bodymaps"),
    )

    summary = {
        "preset": preset,
        "synthetic": True,
        "clips": {
            "manifest": len(manifest),
            "scored": len(scored),
            "downloaded_fraction": availability.get("fraction"),
        },
        "split_counts": scored["split"].value_counts().to_dict(),
        "pose_vs_ground_truth": pose,
        "metrics": {name: r.metrics for name, r in results.items()},
        "ci95": {name: r.bootstrap["ci95"] for name, r in results.items()},
        "stages": [{"stage": n, "seconds": round(t, 1), "output": o} for n, t, o in st.rows],
        "leaderboard": [str(x) for x in lb],
        "bodymaps": [str(x) for x in maps],
    }
    write_json(out / "results.json", summary, indent=2)

    from rich.table import Table

    table = Table(title="Demo stages")
    for col in ("stage", "seconds", "output"):
        table.add_column(col, justify="right" if col == "seconds" else "left")
    for name, t, o in st.rows:
        table.add_row(name, f"{t:.1f}", o)
    table.add_row("total", f"{sum(t for _, t, _ in st.rows):.1f}", str(out / "results.json"))
    print_table(table)
    print_table(
        results_table(list(results.items()), title="SYNTHETIC demo results (mAP %, 95% CI)")
    )
    skel = results[p.skeleton_model].metrics
    echo(
        f"pose backend vs ground truth: {100 * pose['detection_rate']:.1f}% of frames with a person, "
        f"mean endpoint error {pose['mean_endpoint_error_px']:.1f} px at short side {p.size}"
    )
    echo(
        f"known-new gap of {p.skeleton_model}: val {skel['val_known'] - skel['val_new']:+.1f}, "
        f"test {skel['test_known'] - skel['test_new']:+.1f} mAP points"
    )
    echo(f"everything is in {out}/ (results.json, leaderboard/index.html, bodymaps/, runs/)")
    return summary
