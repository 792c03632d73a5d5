"""Re-scoring submissions into the committed scores file, and the freshness check that
refuses entries whose files changed after they were scored.

Every entry records the evaluator version, the labels file's sha256 and the sha256 of both
submitted files; an entry is trusted only while all of them still match."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from musclemap_bench import __version__
from musclemap_bench.atomic import write_json
from musclemap_bench.errors import InputError
from musclemap_bench.evaluate.evaluator import EVALUATOR_VERSION, Evaluator
from musclemap_bench.hashing import sha256_file
from musclemap_bench.leaderboard.submission import (
    META,
    PREDICTIONS,
    SubmissionError,
    find_submissions,
    load_submission,
)

SCORES_FORMAT = "musclemap-leaderboard-scores/1"
SCORES_FILE = "scores.json"


def read_scores(root: Path) -> dict[str, Any]:
    """The scores file (an empty one if it does not exist yet)."""
    path = root / SCORES_FILE
    if not path.exists():
        return {"format": SCORES_FORMAT, "entries": {}}
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    if (
        not isinstance(obj, dict)
        or obj.get("format") != SCORES_FORMAT
        or not isinstance(obj.get("entries"), dict)
    ):
        raise InputError(f"{path}: not a {SCORES_FORMAT} file")
    return obj


def _fingerprint(folder: Path) -> dict[str, str]:
    return {
        "predictions_sha256": sha256_file(folder / PREDICTIONS),
        "meta_sha256": sha256_file(folder / META),
    }


def stale_reason(entry: dict[str, Any] | None, folder: Path) -> str | None:
    """Why a scored entry can no longer be trusted for `folder`, or None if it is current."""
    if entry is None:
        return "it has not been scored"
    if entry.get("evaluator_version") != EVALUATOR_VERSION:
        return f"it was scored by evaluator {entry.get('evaluator_version')}, the current one is {EVALUATOR_VERSION}"
    now = _fingerprint(folder)
    for key, file in (("predictions_sha256", PREDICTIONS), ("meta_sha256", META)):
        if entry.get(key) != now[key]:
            return f"{file} changed after it was scored (sha256 {now[key][:12]}, scored {str(entry.get(key))[:12]})"
    return None


def score_submissions(
    root: Path,
    labels: Path,
    track: str | None = None,
    bootstrap: int = 1000,
    force: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Re-score every submission (of `track`) with the current evaluator into root/scores.json.

    The file is rewritten after each entry, so an interrupted run resumes where it stopped:
    entries whose files, labels and evaluator are unchanged are not scored again.
    """
    from tqdm import tqdm

    from musclemap_bench.leaderboard.meta import TRACKS

    if track is not None and track not in TRACKS:
        raise InputError(f"unknown track {track!r} (choose from {', '.join(TRACKS)})")
    evaluator = Evaluator(labels)
    labels_sha = sha256_file(Path(labels))
    scores = read_scores(root)
    entries = scores["entries"]
    folders = find_submissions(root)
    subs = [load_submission(f) for f in folders]  # validate all before writing anything
    subs = [s for s in subs if track is None or s.track == track]
    present = {s.name for s in subs}
    for name in [
        n
        for n, e in entries.items()
        if (track is None or e.get("track") == track) and n not in present
    ]:
        del entries[name]  # the submission folder was removed
    for sub in tqdm(subs, desc="scoring", unit="entry", disable=not progress):
        old = entries.get(sub.name)
        if (
            not force
            and old
            and old.get("labels_sha256") == labels_sha
            and stale_reason(old, sub.path) is None
        ):
            continue
        try:
            result = evaluator.eval(sub.predictions, bootstrap=bootstrap)
        except InputError as exc:
            raise SubmissionError(f"{sub.name}: {exc}") from None
        except Exception as exc:  # EvaluationError: name the entry that cannot be scored
            raise SubmissionError(f"{sub.name}: {exc}") from None
        entries[sub.name] = {
            "track": sub.track,
            "evaluator_version": EVALUATOR_VERSION,
            "package_version": __version__,
            "labels_sha256": labels_sha,
            **_fingerprint(sub.path),
            "scored_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            "metrics": {k: round(v, 4) for k, v in result.metrics.items()},
            "ci95": (
                {k: [round(a, 4), round(b, 4)] for k, (a, b) in result.bootstrap["ci95"].items()}
                if result.bootstrap
                else {}
            ),
            "bootstrap_resamples": bootstrap,
            "meta": sub.meta,
        }
        write_json(root / SCORES_FILE, scores, indent=2)
    write_json(root / SCORES_FILE, scores, indent=2)
    return scores


def checked_entries(root: Path) -> dict[str, Any]:
    """Scored entries, after refusing any whose files changed since scoring (or never scored)."""
    entries = read_scores(root)["entries"]
    folders = {p.name: p for p in find_submissions(root)}
    for name, folder in folders.items():
        reason = stale_reason(entries.get(name), folder)
        if reason:
            raise SubmissionError(
                f"submission {name!r} is refused: {reason}; run 'musclemap leaderboard score' again"
            )
    orphans = sorted(set(entries) - set(folders))
    if orphans:
        raise SubmissionError(
            f"scores.json has entry {orphans[0]!r} but no submissions/{orphans[0]}/ folder; "
            "run 'musclemap leaderboard score' again"
        )
    return entries
