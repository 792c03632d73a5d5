"""The public leaderboard: submission folders (data only), re-scoring with the standard
evaluator into `scores.json`, and rendering `README.md` / `index.html`."""

from musclemap_bench.leaderboard.meta import TRACKS, check_meta, load_meta
from musclemap_bench.leaderboard.render import render
from musclemap_bench.leaderboard.scores import checked_entries, read_scores, score_submissions
from musclemap_bench.leaderboard.submission import Submission, SubmissionError, load_submission

__all__ = [
    "TRACKS",
    "Submission",
    "SubmissionError",
    "check_meta",
    "checked_entries",
    "load_meta",
    "load_submission",
    "read_scores",
    "render",
    "score_submissions",
]
