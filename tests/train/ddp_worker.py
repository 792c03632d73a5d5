"""Run by torchrun in test_ddp.py: trains a few steps with DDP (gloo, CPU) and saves this
rank's parameters so the test can compare the replicas."""

from __future__ import annotations

import os
import sys

import torch

from musclemap_bench.train import Trainer, build_config

data, out = sys.argv[1], sys.argv[2]
overrides = tuple(sys.argv[3:])
trainer = Trainer(build_config("tiny_skeleton", None, overrides), data, out, progress=False)
initial = {k: v.clone() for k, v in trainer.model.state_dict().items()}
trainer.run()
rank = int(os.environ["RANK"])
torch.save({"initial": initial, "final": trainer.model.state_dict()}, f"{out}/rank{rank}.pt")
