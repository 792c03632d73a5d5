"""Headless chromium renders leaderboard/index.html: rows are there and clicking a header sorts.

Never skipped: CI installs Debian's chromium (apt-get install -y chromium)."""

from __future__ import annotations

import json

import pytest
from cdp_client import Browser
from click.testing import CliRunner

from musclemap_bench.cli import main


@pytest.fixture(scope="module")
def browser():
    b = Browser()
    yield b
    b.close()


def _column(browser, table: str, col: int) -> list[str]:
    return browser.eval(
        f"Array.from(document.querySelectorAll('#{table} tbody tr')).map(r => r.cells[{col}].dataset.value)"
    )


def _click_header(browser, table: str, title: str) -> None:
    box = browser.eval(
        f"(() => {{ const th = Array.from(document.querySelectorAll('#{table} th')).find(h => h.textContent === {json.dumps(title)});"
        " th.scrollIntoView(); const r = th.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
    )
    browser.click(*box)


def test_index_html_rows_and_sorting(browser, lb_root, make_submission, split_file):
    make_submission("synthetic-random", "random")
    make_submission("synthetic-all-ones", "all-ones")
    runner = CliRunner()
    assert (
        runner.invoke(
            main,
            [
                "leaderboard",
                "score",
                "--labels",
                str(split_file),
                "--root",
                str(lb_root),
                "--bootstrap",
                "20",
            ],
        ).exit_code
        == 0
    )
    assert runner.invoke(main, ["leaderboard", "render", "--root", str(lb_root)]).exit_code == 0

    browser.open(lb_root / "index.html")
    assert browser.eval("document.title") == "MuscleMap leaderboard"
    models = _column(browser, "track-musclemap135", 1)
    assert len(models) == 14 and models[0] == "TransM³E"  # rendered best mean test first
    assert len(_column(browser, "track-synthetic", 1)) == 2
    reported = browser.eval("document.querySelectorAll('#track-musclemap135 tr.reported').length")
    assert reported == 14

    # Numeric column: first click sorts descending, second ascending.
    _click_header(browser, "track-musclemap135", "#PM")
    params = [float(v) for v in _column(browser, "track-musclemap135", 3)]
    assert params == sorted(params, reverse=True) and params[0] == 88.0
    assert _column(browser, "track-musclemap135", 1)[0] == "VideoSwin-B"
    _click_header(browser, "track-musclemap135", "#PM")
    params = [float(v) for v in _column(browser, "track-musclemap135", 3)]
    assert params == sorted(params)

    # Text column sorts alphabetically; the other table is untouched.
    before = _column(browser, "track-synthetic", 1)
    _click_header(browser, "track-musclemap135", "Model")
    names = _column(browser, "track-musclemap135", 1)
    assert names == sorted(names, key=str.lower)
    assert _column(browser, "track-synthetic", 1) == before
    sort_state = browser.eval(
        "document.querySelector('#track-musclemap135 th[aria-sort]').textContent"
    )
    assert sort_state == "Model"
