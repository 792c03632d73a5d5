"""The `meta.yaml` schema of a leaderboard submission.

Hand-written rather than JSON Schema: YAML gives dates, booleans and numbers their own
Python types, and each violation must become one specific line naming the field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from musclemap_bench.errors import InputError

TRACKS = ("musclemap135", "synthetic")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# field -> (required, description); checked by _check_field.
FIELDS: dict[str, tuple[bool, str]] = {
    "track": (True, f"one of {', '.join(TRACKS)}"),
    "team": (True, "non-empty text"),
    "model": (True, "non-empty text (the model's name)"),
    "paper": (True, "http(s) URL, or null if there is no paper"),
    "code": (True, "http(s) URL, or null if the code is not public"),
    "parameters": (True, "integer number of trainable parameters (>= 0)"),
    "external_data": (True, "true or false (data beyond the benchmark's training split)"),
    "seeds": (True, "integer number of training seeds behind the predictions (>= 1)"),
    "contact": (True, "e-mail address"),
    "description": (False, "text"),
}


class MetaError(InputError):
    """meta.yaml is missing, not YAML, or violates the schema."""


def _text(v: Any) -> bool:
    return isinstance(v, str) and v.strip() != ""


def _int(v: Any, minimum: int) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= minimum


CHECKS = {
    "track": lambda v: v in TRACKS,
    "team": _text,
    "model": _text,
    "paper": lambda v: v is None or (isinstance(v, str) and bool(_URL.match(v))),
    "code": lambda v: v is None or (isinstance(v, str) and bool(_URL.match(v))),
    "parameters": lambda v: _int(v, 0),
    "external_data": lambda v: isinstance(v, bool),
    "seeds": lambda v: _int(v, 1),
    "contact": lambda v: isinstance(v, str) and bool(_EMAIL.match(v)),
    "description": lambda v: isinstance(v, str),
}


def check_meta(obj: Any, source: str = "meta.yaml") -> dict[str, Any]:
    """Validate decoded metadata; return it, or raise MetaError naming the first problem."""
    if not isinstance(obj, dict):
        raise MetaError(f"{source}: must be a YAML mapping of field: value")
    unknown = [k for k in obj if k not in FIELDS]
    if unknown:
        raise MetaError(f"{source}: unknown field {unknown[0]!r} (allowed: {', '.join(FIELDS)})")
    for name, (required, what) in FIELDS.items():
        if name not in obj:
            if required:
                raise MetaError(f"{source}: missing field {name!r} ({what})")
            continue
        if not CHECKS[name](obj[name]):
            raise MetaError(f"{source}: field {name!r} must be {what}, got {obj[name]!r}")
    return dict(obj)


def load_meta(path: Path) -> dict[str, Any]:
    """Read meta.yaml with yaml.safe_load (no tags, nothing executed) and validate it."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise MetaError(f"{path}: not UTF-8 text") from None
    try:
        obj = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MetaError(f"{path}: not valid YAML ({first})") from None
    return check_meta(obj, str(path))
