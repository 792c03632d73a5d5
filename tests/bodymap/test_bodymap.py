"""`musclemap show`: SVG and PNG body maps with the right colours for each region."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from click.testing import CliRunner

from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.bodymap.scene import ACTIVE, INACTIVE, MARGIN, TOP, score_colour
from musclemap_bench.bodymap.shapes import load_shapes
from musclemap_bench.cli import main
from musclemap_bench.evaluate import write_predictions

SVG = "{http://www.w3.org/2000/svg}"


def show(*args):
    return CliRunner().invoke(main, ["show", *args])


def region_fills(svg_path) -> dict[str, set[str]]:
    fills: dict[str, set[str]] = {}
    for el in ET.parse(svg_path).getroot():
        if el.get("data-region"):
            fills.setdefault(el.get("data-region"), set()).add(el.get("fill"))
    return fills


def _activity_with(region: str, active: bool) -> str:
    tax = load_taxonomy()
    acts = tax.activities
    return acts.loc[acts[region] == int(active), "key"].iloc[0]


def test_activity_svg_colours_match_labels(tmp_path):
    tax = load_taxonomy()
    activity = _activity_with("chest", True)
    out = tmp_path / "a.svg"
    result = show(activity, "--out", str(out))
    assert result.exit_code == 0, result.output
    fills = region_fills(out)
    assert set(fills) == set(tax.region_keys)  # all 20 regions drawn
    labels = tax.labels_for([activity])[0]
    for key, label in zip(tax.region_keys, labels, strict=True):
        assert fills[key] == {ACTIVE if label else INACTIVE}, key
    text = out.read_text()
    for name in np.array(tax.region_names)[labels.astype(bool)]:
        assert f">{name}</text>" in text  # legend lists the active regions
    assert ">front</text>" in text and ">back</text>" in text


def _pixel(png, view: int, x: float, y: float) -> np.ndarray:
    import matplotlib.image as mpimg

    img = mpimg.imread(png)
    dx = MARGIN + view * (load_shapes().width + 30)
    return (img[round((y + TOP) * 2), round((x + dx) * 2), :3] * 255).round()


def _rgb(hexcolour: str) -> np.ndarray:
    return np.array([int(hexcolour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


@pytest.mark.parametrize("active", [True, False])
def test_activity_png_pixels(tmp_path, active):
    # Centre of the upper abdominis rectangle (front view) and of the lower back (back view).
    activity = _activity_with("upper_abdominis", active)
    out = tmp_path / "a.png"
    assert show(activity, "--out", str(out)).exit_code == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    expected = ACTIVE if active else INACTIVE
    assert np.abs(_pixel(out, 0, 100, 138) - _rgb(expected)).max() <= 3
    lower_back = load_taxonomy().labels_for([activity])[0][
        load_taxonomy().region_keys.index("lower_back")
    ]
    assert np.abs(_pixel(out, 1, 100, 180) - _rgb(ACTIVE if lower_back else INACTIVE)).max() <= 3


def test_predictions_clip_scores(tmp_path):
    keys = load_taxonomy().region_keys
    scores = np.linspace(0.0, 1.0, len(keys))
    preds = tmp_path / "p.json"
    write_predictions(
        preds,
        ["vid_000000000_000003000", "vid_000003000_000006000"],
        [scores, scores[::-1]],
        model={"name": "m"},
    )
    out = tmp_path / "clip.svg"
    result = show(
        "--predictions", str(preds), "--clip", "vid_000003000_000006000", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    fills = region_fills(out)
    for key, value in zip(keys, scores[::-1], strict=True):
        assert fills[key] == {score_colour(value)}
    assert score_colour(0.0) != score_colour(1.0)
    # Logits outside [0, 1] are shown through a sigmoid.
    write_predictions(preds, ["c_000000000_000001000"], [np.full(len(keys), 2.0)])
    assert (
        show(
            "--predictions", str(preds), "--clip", "c_000000000_000001000", "--out", str(out)
        ).exit_code
        == 0
    )
    assert region_fills(out)["chest"] == {score_colour(1 / (1 + np.exp(-2.0)))}


@pytest.mark.parametrize(
    "args, message",
    [
        (["no_such_activity"], "unknown activity 'no_such_activity'"),
        (["push_ups", "--out", "x.pdf"], "must end in .svg or .png"),
        ([], "give an ACTIVITY key"),
        (["--predictions", "missing.json", "--clip", "c"], "no such file"),
    ],
)
def test_errors_are_one_line(tmp_path, args, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = show(*args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.output


def test_unknown_clip(tmp_path):
    preds = tmp_path / "p.json"
    write_predictions(preds, ["c_000000000_000001000"], [np.zeros(20)])
    result = show("--predictions", str(preds), "--clip", "other_000000000_000001000")
    assert result.exit_code == 2 and "is not in the file" in result.output
