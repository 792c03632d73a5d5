"""A leaderboard submission: a folder holding exactly `predictions.json` and `meta.yaml`.

Submissions come from strangers' pull requests, so they are treated as data only: nothing is
imported or executed, YAML is read with safe_load, and links, sub-folders, unexpected files,
odd folder names and oversized files are refused before anything is parsed."""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.clip_ids import validate_clip_id
from musclemap_bench.errors import InputError, ManifestError
from musclemap_bench.evaluate.predictions import Predictions, load_predictions
from musclemap_bench.leaderboard.meta import load_meta

PREDICTIONS = "predictions.json"
META = "meta.yaml"
ALLOWED_FILES = {PREDICTIONS, META, "README.md"}
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_BYTES = 200 * 1024 * 1024


class SubmissionError(InputError):
    """A submission folder is unsafe or incomplete."""


@dataclass
class Submission:
    name: str
    path: Path
    meta: dict[str, Any]
    predictions: Predictions

    @property
    def track(self) -> str:
        return self.meta["track"]


def check_folder(path: Path) -> None:
    """Refuse anything but a plain folder with plain, allowed, reasonably sized files."""
    if path.is_symlink():
        raise SubmissionError(f"{path}: the submission folder is a symbolic link")
    if not path.is_dir():
        raise SubmissionError(f"{path}: not a folder")
    if not NAME.match(path.name):
        raise SubmissionError(
            f"{path}: folder name must be lower-case letters, digits, '-' or '_' (at most 64)"
        )
    for entry in sorted(path.iterdir()):
        mode = entry.lstat().st_mode
        if stat.S_ISLNK(mode):
            raise SubmissionError(f"{entry}: symbolic links are not allowed in a submission")
        if not stat.S_ISREG(mode):
            raise SubmissionError(f"{entry}: only plain files are allowed in a submission")
        if entry.name not in ALLOWED_FILES:
            raise SubmissionError(
                f"{entry}: unexpected file (a submission holds {PREDICTIONS}, {META} and an optional README.md)"
            )
        if entry.stat().st_size > MAX_BYTES:
            raise SubmissionError(f"{entry}: larger than {MAX_BYTES // 2**20} MiB")
    for required in (PREDICTIONS, META):
        if not (path / required).is_file():
            raise SubmissionError(f"{path}: missing {required}")


def load_submission(path: str | Path) -> Submission:
    """Check a submission folder and parse both files strictly (no labels needed)."""
    path = Path(path)
    check_folder(path)
    meta = load_meta(path / META)
    preds = load_predictions(path / PREDICTIONS, load_taxonomy().num_regions)
    for cid in preds.clip_ids:
        try:
            validate_clip_id(cid)
        except ManifestError as exc:
            raise SubmissionError(f"{path / PREDICTIONS}: {exc}") from None
    return Submission(name=path.name, path=path, meta=meta, predictions=preds)


def find_submissions(root: Path) -> list[Path]:
    """Submission folders under `root/submissions/`, sorted by name (links are refused later)."""
    base = root / "submissions"
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if not p.name.startswith("."))
