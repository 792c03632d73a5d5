"""`musclemap leaderboard validate`: good submissions pass, each malformed one is refused with
one specific line and exit code 2."""

from __future__ import annotations

import json
import os

import pytest
import yaml
from click.testing import CliRunner
from lb_helpers import assert_refused, good_meta

from musclemap_bench.cli import main


def run(*args):
    return CliRunner().invoke(main, ["leaderboard", *args])


def test_valid_submission_passes(make_submission, split_file):
    folder = make_submission("good-entry")
    result = run("validate", str(folder), "--labels", str(split_file))
    assert result.exit_code == 0, result.output
    assert "valid" in result.output and "track synthetic" in result.output


def _edit_meta(folder, **changes):
    meta = yaml.safe_load((folder / "meta.yaml").read_text())
    for k, v in changes.items():
        if v is None and k in meta and k != "paper":
            del meta[k]
        else:
            meta[k] = v
    (folder / "meta.yaml").write_text(yaml.safe_dump(meta))


def _edit_preds(folder, fn):
    obj = json.loads((folder / "predictions.json").read_text())
    fn(obj)
    (folder / "predictions.json").write_text(json.dumps(obj))


def _first(obj):
    return next(iter(obj["predictions"]))


MALFORMED = {
    "missing-meta": (lambda f: (f / "meta.yaml").unlink(), "missing meta.yaml"),
    "missing-preds": (lambda f: (f / "predictions.json").unlink(), "missing predictions.json"),
    "not-yaml": (lambda f: (f / "meta.yaml").write_text("team: [unclosed\n"), "not valid YAML"),
    "yaml-list": (lambda f: (f / "meta.yaml").write_text("- a\n- b\n"), "must be a YAML mapping"),
    "python-tag": (
        lambda f: (f / "meta.yaml").write_text(
            "team: !!python/object/apply:os.system ['echo pwned']\n"
        ),
        "not valid YAML",
    ),
    "no-contact": (lambda f: _edit_meta(f, contact=None), "missing field 'contact'"),
    "bad-contact": (lambda f: _edit_meta(f, contact="nobody"), "field 'contact' must be e-mail"),
    "params-text": (
        lambda f: _edit_meta(f, parameters="34.2M"),
        "field 'parameters' must be integer",
    ),
    "ext-data-text": (lambda f: _edit_meta(f, external_data="yes please"), "field 'external_data'"),
    "zero-seeds": (lambda f: _edit_meta(f, seeds=0), "field 'seeds'"),
    "bad-track": (lambda f: _edit_meta(f, track="kinetics"), "field 'track' must be one of"),
    "bad-url": (lambda f: _edit_meta(f, paper="javascript:alert(1)"), "field 'paper'"),
    "unknown-field": (lambda f: _edit_meta(f, score=99.9), "unknown field 'score'"),
    "nan-score": (
        lambda f: (f / "predictions.json").write_text(
            (f / "predictions.json").read_text().replace("[", "[NaN, ", 2).replace("[NaN, ", "[", 1)
        ),
        "non-finite number NaN",
    ),
    "short-vector": (
        lambda f: _edit_preds(f, lambda o: o["predictions"][_first(o)].pop()),
        "expected 20 scores",
    ),
    "wrong-format": (
        lambda f: _edit_preds(f, lambda o: o.update(format="csv")),
        "'format' must be",
    ),
    "unsafe-clip-id": (
        lambda f: _edit_preds(f, lambda o: o["predictions"].update({"../../etc": [0.5] * 20})),
        "not a safe file name",
    ),
    "extra-file": (lambda f: (f / "run.py").write_text("import os\n"), "unexpected file"),
    "subfolder": (lambda f: (f / "data").mkdir(), "only plain files"),
    "symlinked-preds": (
        lambda f: (
            (f / "predictions.json").unlink() or os.symlink("/etc/passwd", f / "predictions.json")
        ),
        "symbolic links are not allowed",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_submission_refused(case, make_submission):
    folder = make_submission("entry")
    mutate, expected = MALFORMED[case]
    mutate(folder)
    assert_refused(run("validate", str(folder)), expected)


def test_duplicate_clip_key_refused(make_submission):
    folder = make_submission("entry")
    text = (folder / "predictions.json").read_text()
    obj = json.loads(text)
    cid = _first(obj)
    dup = text.replace(
        '"predictions": {', f'"predictions": {{"{cid}": {json.dumps([0.1] * 20)}, ', 1
    )
    (folder / "predictions.json").write_text(dup)
    assert_refused(run("validate", str(folder)), "duplicate key")


def test_missing_clip_refused_with_labels(make_submission, split_file):
    folder = make_submission("entry")
    _edit_preds(folder, lambda o: o["predictions"].pop(_first(o)))
    assert run("validate", str(folder)).exit_code == 0  # well-formed without labels
    assert_refused(run("validate", str(folder), "--labels", str(split_file)), "has no prediction")


def test_symlinked_folder_and_bad_name_refused(make_submission, tmp_path):
    folder = make_submission("entry")
    link = tmp_path / "lb" / "submissions" / "linked"
    os.symlink(folder, link)
    assert_refused(run("validate", str(link)), "is a symbolic link")
    bad = make_submission("Bad Name")
    assert_refused(run("validate", str(bad)), "folder name must be")


def test_meta_schema_accepts_reference(tmp_path):
    from musclemap_bench.leaderboard import check_meta

    meta = good_meta("x") | {
        "paper": "https://arxiv.org/abs/2303.00952",
        "description": "two stages",
    }
    assert check_meta(meta)["paper"].startswith("https://")
