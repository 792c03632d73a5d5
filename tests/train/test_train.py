"""`musclemap train`: 2-epoch runs of the tiny models, logging, checkpoints, exact resume,
gradient accumulation, the two-stage schedule and configuration errors."""

from __future__ import annotations

import json

import pytest
import torch
from click.testing import CliRunner
from conftest import small_overrides

from musclemap_bench.cli import main
from musclemap_bench.errors import InputError
from musclemap_bench.models import registry
from musclemap_bench.models.registry import ModelSpec
from musclemap_bench.models.tiny import TinySkeletonNet
from musclemap_bench.train import Trainer, build_config
from musclemap_bench.train.checkpoint import load_checkpoint


def _train(args):
    result = CliRunner().invoke(main, ["train", "--no-progress", *args])
    return result


def _metrics(run):
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.parametrize(("model", "workers"), [("tiny_skeleton", 0), ("tiny_video", 1)])
def test_two_epochs_log_val_maps_and_save_checkpoints(prepared, tmp_path, model, workers):
    run = tmp_path / "run"
    sets = small_overrides(train__num_workers=workers)
    res = _train(
        [
            "--model",
            model,
            "--data",
            str(prepared),
            "--out",
            str(run),
            *sum((["--set", s] for s in sets), []),
        ]
    )
    assert res.exit_code == 0, res.output
    lines = _metrics(run)
    assert [r["epoch"] for r in lines] == [1, 2]
    for r in lines:
        assert set(r["val"]) == {"val_known", "val_new", "mean_val"}
        assert r["val"]["mean_val"] == pytest.approx(
            (r["val"]["val_known"] + r["val"]["val_new"]) / 2
        )
        assert 0 < r["train_loss"]["total"] < 2
    assert "epoch 2: loss total=" in res.output
    last = load_checkpoint(run / "checkpoints" / "last.pt")
    best = load_checkpoint(run / "checkpoints" / "best.pt")
    assert last["epoch"] == 2 and last["config"]["model"]["name"] == model
    assert last["package_version"] and last["data_meta"]["flow"]["bound"] == 20.0
    best_epoch = max(lines, key=lambda r: r["val"]["mean_val"])
    assert best["epoch"] == best_epoch["epoch"] and best["val"] == best_epoch["val"]
    # The model learned something: parameters moved away from the initialisation.
    torch.manual_seed(0)
    assert any(not torch.equal(v, best["model"][k]) for k, v in last["model"].items())
    assert (run / "config.yaml").is_file()


def test_resume_after_kill_equals_uninterrupted(prepared, tmp_path):
    cfg = build_config("tiny_skeleton", None, tuple(small_overrides(train__save_every_steps=1)))
    full = Trainer(cfg, prepared, tmp_path / "full", progress=False)
    full.run()

    class Killed(Exception):
        pass

    def kill(trainer, step):
        if step == 5:  # mid epoch 2 (3 steps per epoch); step 4 was saved mid-epoch
            raise Killed

    with pytest.raises(Killed):
        Trainer(cfg, prepared, tmp_path / "cut", on_step=kill, progress=False).run()
    assert len(_metrics(tmp_path / "cut")) == 1
    resumed = Trainer(None, prepared, tmp_path / "cut", resume=True, progress=False)
    assert (resumed.epoch, resumed.batches_done) == (1, 1)
    resumed.run()
    a = load_checkpoint(tmp_path / "full" / "checkpoints" / "last.pt")
    b = load_checkpoint(tmp_path / "cut" / "checkpoints" / "last.pt")
    for k, v in a["model"].items():
        assert torch.equal(v, b["model"][k]), k
    assert a["optimizer"]["state"][0]["exp_avg"].equal(b["optimizer"]["state"][0]["exp_avg"])
    assert a["scheduler"] == b["scheduler"]
    strip = [{k: v for k, v in r.items() if k != "time_s"} for r in _metrics(tmp_path / "full")]
    assert strip == [
        {k: v for k, v in r.items() if k != "time_s"} for r in _metrics(tmp_path / "cut")
    ]


def test_resume_cli_and_refusals(prepared, tmp_path):
    run = tmp_path / "run"
    base = ["--data", str(prepared), "--out", str(run)]
    sets = sum((["--set", s] for s in small_overrides(schedule__epochs=1)), [])
    assert _train(["--model", "tiny_skeleton", *base, *sets]).exit_code == 0
    again = _train(["--model", "tiny_skeleton", *base, *sets])
    assert again.exit_code == 2 and "already holds a run" in again.output
    mixed = _train([*base, "--resume", "--set", "train.seed=1"])
    assert mixed.exit_code == 2 and "--resume takes the run's saved config" in mixed.output
    done = _train([*base, "--resume"])  # already finished: nothing more to do, no error
    assert done.exit_code == 0 and len(_metrics(run)) == 1
    missing = _train(["--data", str(prepared), "--out", str(tmp_path / "none"), "--resume"])
    assert missing.exit_code == 2 and "nothing to resume" in missing.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "train.epochz=2"], "unknown setting 'train.epochz'"),
        (["--set", "train.batch_size=0"], "train.batch_size must be a positive integer"),
        (["--set", "epochs=2"], "key must be section.key"),
        (["--set", "train.stage1_epochs=1"], "needs a two-stage model"),
    ],
)
def test_config_errors_are_one_line(prepared, tmp_path, args, message):
    res = _train(
        ["--model", "tiny_skeleton", "--data", str(prepared), "--out", str(tmp_path / "r"), *args]
    )
    assert res.exit_code == 2 and message in res.output
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1


def test_gradient_accumulation_counts_optimizer_steps(prepared, tmp_path):
    cfg = build_config(
        "tiny_skeleton", None, tuple(small_overrides(train__accum_steps=2, schedule__epochs=1))
    )
    record = Trainer(cfg, prepared, tmp_path / "acc", progress=False).run()
    assert record["global_step"] == 2  # 3 batches of 4 clips -> optimizer steps after 2 and 3


class TwoStageNet(TinySkeletonNet):
    """A stand-in for TransM3E's interface: set_stage() and a loss with parts."""

    stages: list[int] = []

    def set_stage(self, stage: int) -> None:
        TwoStageNet.stages.append(stage)
        self.stage = stage

    def loss(self, outputs, targets):
        cls = torch.nn.functional.binary_cross_entropy_with_logits(outputs, targets)
        kd = outputs.pow(2).mean() * (0.5 if self.stage == 1 else 0.1)
        return {"total": cls + kd, "cls": cls, "kd": kd}


def test_two_stage_schedule_and_loss_parts(prepared, tmp_path, monkeypatch):
    spec = ModelSpec("two_stage_test", "test", TwoStageNet, ("skeleton",), {})
    monkeypatch.setitem(registry._registry(), "two_stage_test", spec)
    TwoStageNet.stages = []
    cfg = build_config("two_stage_test", None, tuple(small_overrides(train__stage1_epochs=1)))
    Trainer(cfg, prepared, tmp_path / "ts", progress=False).run()
    lines = _metrics(tmp_path / "ts")
    assert [r["stage"] for r in lines] == [1, 2]
    assert TwoStageNet.stages == [1, 2]
    for r in lines:
        parts = r["train_loss"]
        assert set(parts) == {"total", "cls", "kd"}
        assert parts["total"] == pytest.approx(parts["cls"] + parts["kd"], rel=1e-6)


def test_unknown_data_folder_is_an_input_error(tmp_path):
    cfg = build_config("tiny_video", None, ())
    with pytest.raises(InputError, match="not a prepared dataset"):
        Trainer(cfg, tmp_path, tmp_path / "out")
