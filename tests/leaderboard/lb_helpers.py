"""Shared helpers of the leaderboard tests."""

from __future__ import annotations


def good_meta(model: str, track: str = "synthetic") -> dict:
    return {
        "track": track,
        "team": "musclemap-bench tests",
        "model": model,
        "paper": None,
        "code": "https://example.org/musclemap-bench",
        "parameters": 0,
        "external_data": False,
        "seeds": 1,
        "contact": "tests@example.org",
    }


def assert_refused(result, expected: str) -> None:
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert expected in lines[0], lines[0]
    assert "Traceback" not in result.output
