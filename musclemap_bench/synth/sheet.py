"""Contact sheet of SYNTHETIC frames, to look at what the generator draws.

`python -m musclemap_bench.synth.sheet OUT.png [activity ...]`"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.atomic import atomic_path
from musclemap_bench.synth.generate import render_video

DEFAULT = (
    "plank", "push_ups", "bodyweight_squats", "jumping_jacks", "side_plank", "glute_bridges",
    "forward_lunges", "crunches", "pull_ups", "mountain_climbers", "bird_dog", "triceps_dips",
    "hollow_hold", "running", "diamond_push_ups", "reverse_plank_kicks", "shoulder_taps",
    "front_kicks", "incline_push_ups", "russian_twists",
)  # fmt: skip


def contact_sheet(activities=DEFAULT, seed: int = 0, size: int = 160, cols: int = 4) -> np.ndarray:
    """RGB image: for each activity two frames half a cycle apart, labelled with the group."""
    tax = load_taxonomy()
    tiles = []
    for act in activities:
        r = render_video(act, seed, seconds=2.0, fps=15, size=size)
        frames = list(r.frames())
        pair = np.concatenate([frames[3], frames[len(frames) // 2 + 3]], axis=1)
        label = f"{act} ({tax.group_of(act)}) SYNTHETIC"
        cv2.rectangle(pair, (0, 0), (pair.shape[1], 16), (0, 0, 0), -1)
        cv2.putText(
            pair, label, (4, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1, cv2.LINE_AA
        )
        tiles.append(np.pad(pair, ((2, 2), (2, 2), (0, 0))))
    while len(tiles) % cols:
        tiles.append(np.zeros_like(tiles[0]))
    rows = [np.concatenate(tiles[i : i + cols], axis=1) for i in range(0, len(tiles), cols)]
    return np.concatenate(rows, axis=0)


def save_contact_sheet(path: str | Path, activities=DEFAULT, seed: int = 0) -> None:
    """Write the contact sheet PNG atomically."""
    img = contact_sheet(activities, seed)
    with atomic_path(path, suffix=".png") as tmp:
        cv2.imwrite(str(tmp), img[..., ::-1])


if __name__ == "__main__":
    save_contact_sheet(sys.argv[1], tuple(sys.argv[2:]) or DEFAULT)
