"""`musclemap leaderboard score` / `render`: re-scoring, tamper refusal, Table-2 rendering."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from lb_helpers import assert_refused, good_meta

from musclemap_bench.cli import main
from musclemap_bench.evaluate import EVALUATOR_VERSION, Evaluator
from musclemap_bench.hashing import sha256_file
from musclemap_bench.leaderboard import score_submissions


def run(*args):
    return CliRunner().invoke(main, ["leaderboard", *args])


@pytest.fixture
def scored(lb_root, make_submission, split_file):
    make_submission("synthetic-random", "random")
    make_submission("synthetic-all-ones", "all-ones")
    result = run("score", "--labels", str(split_file), "--root", str(lb_root), "--bootstrap", "50")
    assert result.exit_code == 0, result.output
    return lb_root


def test_score_records_evaluator_version_and_hashes(scored, split_file):
    scores = json.loads((scored / "scores.json").read_text())
    entry = scores["entries"]["synthetic-random"]
    folder = scored / "submissions" / "synthetic-random"
    assert entry["evaluator_version"] == EVALUATOR_VERSION
    assert entry["predictions_sha256"] == sha256_file(folder / "predictions.json")
    assert entry["labels_sha256"] == sha256_file(split_file)
    direct = Evaluator(split_file).eval(folder / "predictions.json").metrics
    assert entry["metrics"] == pytest.approx(direct, abs=1e-4)
    assert set(entry["ci95"]) == set(direct)
    assert entry["meta"]["model"] == "random"


def test_render_tables(scored):
    assert run("render", "--root", str(scored)).exit_code == 0
    md = (scored / "README.md").read_text()
    musclemap135, synthetic = md.split("## Synthetic")
    rows = [ln for ln in musclemap135.splitlines() if re.match(r"^\| \d+ \|", ln)]
    assert len(rows) == 14 and all("reported, not re-scored" in r for r in rows)
    mean_test = [float(r.split("|")[12]) for r in rows]
    assert (
        mean_test == sorted(mean_test, reverse=True) and rows[0].split("|")[2].strip() == "TransM³E"
    )
    syn_rows = [ln for ln in synthetic.splitlines() if re.match(r"^\| \d+ \|", ln)]
    assert len(syn_rows) == 2 and all("re-scored (evaluator" in r for r in syn_rows)
    entries = json.loads((scored / "scores.json").read_text())["entries"]
    best = max(entries, key=lambda n: entries[n]["metrics"]["mean_test"])
    assert f"| {entries[best]['meta']['model']} |" in syn_rows[0]
    ci = entries[best]["ci95"]["mean_test"]
    assert f"[{ci[0]:.1f}, {ci[1]:.1f}]" in syn_rows[0]
    page = (scored / "index.html").read_text()
    assert page.count("<tr") == 1 + 14 + 1 + 2  # two header rows, 16 body rows
    for external in ("<script src", "<link", "@import", "url(", "//fonts."):
        assert external not in page


def test_tampered_predictions_refused(scored, split_file):
    preds = scored / "submissions" / "synthetic-random" / "predictions.json"
    obj = json.loads(preds.read_text())
    first = next(iter(obj["predictions"]))
    obj["predictions"][first] = [1.0] * 20
    preds.write_text(json.dumps(obj))
    before = (scored / "README.md").exists()
    assert_refused(
        run("render", "--root", str(scored)), "predictions.json changed after it was scored"
    )
    assert (scored / "README.md").exists() == before  # nothing written
    assert (
        run(
            "score", "--labels", str(split_file), "--root", str(scored), "--bootstrap", "20"
        ).exit_code
        == 0
    )
    assert run("render", "--root", str(scored)).exit_code == 0


def test_tampered_meta_and_old_evaluator_refused(scored):
    meta = scored / "submissions" / "synthetic-all-ones" / "meta.yaml"
    meta.write_text(meta.read_text().replace("seeds: 1", "seeds: 5"))
    assert_refused(run("render", "--root", str(scored)), "meta.yaml changed after it was scored")
    meta.write_text(meta.read_text().replace("seeds: 5", "seeds: 1"))
    scores = json.loads((scored / "scores.json").read_text())
    scores["entries"]["synthetic-random"]["evaluator_version"] = "0.0.1"
    (scored / "scores.json").write_text(json.dumps(scores))
    assert_refused(run("render", "--root", str(scored)), "scored by evaluator 0.0.1")


def test_unscored_and_removed_entries_refused(scored, make_submission):
    make_submission("late-entry")
    assert_refused(
        run("render", "--root", str(scored)), "'late-entry' is refused: it has not been scored"
    )
    import shutil

    shutil.rmtree(scored / "submissions" / "late-entry")
    shutil.rmtree(scored / "submissions" / "synthetic-random")
    assert_refused(run("render", "--root", str(scored)), "no submissions/synthetic-random/ folder")


def test_score_resumes_and_skips_up_to_date(scored, split_file, make_submission, monkeypatch):
    calls = []
    original = Evaluator.eval
    monkeypatch.setattr(
        Evaluator, "eval", lambda self, *a, **k: calls.append(1) or original(self, *a, **k)
    )
    make_submission("new-entry", seed=3)
    score_submissions(scored, split_file, bootstrap=20, progress=False)
    assert len(calls) == 1  # only the new entry; the two scored ones are current
    score_submissions(scored, split_file, bootstrap=20, force=True, progress=False)
    assert len(calls) == 4


def test_track_filter_and_invalid_submission(lb_root, make_submission, split_file):
    make_submission("syn", "random")
    make_submission("real", "all-ones", meta=good_meta("all-ones", track="musclemap135"))
    assert (
        run(
            "score",
            "--labels",
            str(split_file),
            "--root",
            str(lb_root),
            "--track",
            "synthetic",
            "--bootstrap",
            "20",
        ).exit_code
        == 0
    )
    assert set(json.loads((lb_root / "scores.json").read_text())["entries"]) == {"syn"}
    assert_refused(
        run("score", "--labels", str(split_file), "--root", str(lb_root), "--track", "nope"),
        "unknown track",
    )
    (lb_root / "submissions" / "real" / "meta.yaml").write_text("team: x\n")
    assert_refused(
        run("score", "--labels", str(split_file), "--root", str(lb_root)), "missing field"
    )
    assert set(json.loads((lb_root / "scores.json").read_text())["entries"]) == {"syn"}


def test_rescored_musclemap135_entry_joins_reported_rows(lb_root, make_submission, split_file):
    make_submission("real", "random", meta=good_meta("my-model", track="musclemap135"))
    assert (
        run(
            "score", "--labels", str(split_file), "--root", str(lb_root), "--bootstrap", "20"
        ).exit_code
        == 0
    )
    assert run("render", "--root", str(lb_root)).exit_code == 0
    section = (lb_root / "README.md").read_text().split("## Synthetic")[0]
    rows = [ln for ln in section.splitlines() if re.match(r"^\| \d+ \|", ln)]
    assert len(rows) == 15
    assert sum("re-scored (evaluator" in r for r in rows) == 1 and any(
        "| my-model |" in r for r in rows
    )
