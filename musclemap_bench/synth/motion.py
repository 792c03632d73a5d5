"""Motion programs: parse `motions.csv`, evaluate a program into per-frame joint angles, and
pose the figure in the world (levelling on contact groups, floor or bar contact).

A program row is `activity, posture, tempo, moves`; `moves` is a `;`-separated list of
primitive tokens `name[:amplitude][@phase][*frequency][/side][~wave]`, e.g.
`push;hop:0.5@0.25*2/both`. Phase and frequency are in cycles of the activity's tempo."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from musclemap_bench.errors import InputError
from musclemap_bench.synth.body import (
    BODY_PARAMS,
    JOINTS,
    POSE_PARAMS,
    SIDE_PARAMS,
    J,
    Proportions,
    joint_radii,
    local_joints,
    rx,
    ry,
    rz,
)
from musclemap_bench.synth.primitives import GROUPS, POSTURES, PRIMITIVES, SIDES, WAVES

MOTIONS_CSV = Path(__file__).with_name("motions.csv")
_TOKEN = re.compile(
    r"^(?P<name>[a-z_]+)(?::(?P<amp>-?[0-9.]+))?(?:@(?P<phase>-?[0-9.]+))?"
    r"(?:\*(?P<freq>[0-9.]+))?(?:/(?P<side>[a-z]+))?(?:~(?P<wave>[a-z]+))?$"
)


@dataclass(frozen=True)
class Move:
    """One primitive instance inside a program."""

    primitive: str
    amp: float = 1.0
    phase: float = 0.0
    freq: float = 1.0
    side: str | None = None
    wave: str | None = None


@dataclass(frozen=True)
class Program:
    """The motion program of one activity."""

    activity: str
    posture: str
    tempo: float  # cycles per second
    moves: tuple[Move, ...]


def parse_moves(text: str, where: str = "moves") -> tuple[Move, ...]:
    """Parse a `;`-separated move list; raise InputError naming the first bad token."""
    moves = []
    for tok in filter(None, (t.strip() for t in text.split(";"))):
        m = _TOKEN.match(tok)
        if not m:
            raise InputError(f"{where}: cannot parse move {tok!r}")
        if m["name"] not in PRIMITIVES:
            raise InputError(f"{where}: unknown primitive {m['name']!r}")
        if m["side"] and m["side"] not in SIDES:
            raise InputError(f"{where}: unknown side {m['side']!r} in {tok!r}")
        if m["wave"] and m["wave"] not in WAVES:
            raise InputError(f"{where}: unknown wave {m['wave']!r} in {tok!r}")
        moves.append(
            Move(
                m["name"],
                float(m["amp"] or 1.0),
                float(m["phase"] or 0.0),
                float(m["freq"] or 1.0),
                m["side"],
                m["wave"],
            )
        )
    return tuple(moves)


def read_programs(path: str | Path = MOTIONS_CSV) -> dict[str, Program]:
    """Read and validate a motion-program table (one row per activity)."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    need = ["activity", "posture", "tempo", "moves"]
    if list(df.columns[:4]) != need:
        raise InputError(f"{path}: columns must start with {', '.join(need)}")
    out: dict[str, Program] = {}
    for _, row in df.iterrows():
        where = f"{path} (program of {row.activity!r})"
        if row.activity in out:
            raise InputError(f"{where}: second program for activity {row.activity!r}")
        if row.posture not in POSTURES:
            raise InputError(f"{where}: unknown posture {row.posture!r}")
        try:
            tempo = float(row.tempo)
        except ValueError:
            raise InputError(f"{where}: tempo {row.tempo!r} is not a number") from None
        if not 0.05 <= tempo <= 5:
            raise InputError(f"{where}: tempo {tempo} outside 0.05..5 cycles/s")
        out[row.activity] = Program(row.activity, row.posture, tempo, parse_moves(row.moves, where))
    return out


@lru_cache(maxsize=1)
def programs() -> dict[str, Program]:
    """The packaged motion programs (cached)."""
    return read_programs(MOTIONS_CSV)


def program_for(activity: str) -> Program:
    progs = programs()
    if activity not in progs:
        raise InputError(f"no motion program for activity {activity!r}")
    return progs[activity]


def evaluate(
    prog: Program, t: np.ndarray, tempo_scale: float = 1.0, phase0: float = 0.0
) -> dict[str, np.ndarray]:
    """Joint-angle trajectories (one array per POSE_PARAMS entry) at times t (seconds)."""
    posture = POSTURES[prog.posture]
    pose = {k: np.zeros_like(t, dtype=np.float64) for k in POSE_PARAMS}
    for k, v in posture.params.items():
        if k in pose:
            pose[k] += v
        else:  # un-prefixed per-side value applies to both sides
            pose[f"l_{k}"] += v
            pose[f"r_{k}"] += v
    # slow tempo drift makes repetitions uneven, as in real workouts
    cycles = prog.tempo * tempo_scale * t + phase0
    for mv in prog.moves:
        prim = PRIMITIVES[mv.primitive]
        wave = WAVES[mv.wave or prim.wave]
        side = mv.side or prim.side
        u = cycles * mv.freq + mv.phase
        for k, amp in prim.params.items():
            a = amp * mv.amp
            if k in BODY_PARAMS:
                pose[k] += a * wave(u)
                continue
            if k not in SIDE_PARAMS:
                raise InputError(f"primitive {mv.primitive!r}: unknown parameter {k!r}")
            if side in ("both", "left", "alt", "mirror"):
                pose[f"l_{k}"] += a * wave(u)
            if side in ("both", "right"):
                pose[f"r_{k}"] += a * wave(u)
            elif side == "alt":
                pose[f"r_{k}"] += a * wave(u + 0.5)
            elif side == "mirror":
                pose[f"r_{k}"] -= a * wave(u)
    return pose


def _group_min_y(pts: np.ndarray, radii: np.ndarray, group: str) -> np.ndarray:
    idx = [J[n] for n in GROUPS[group]]
    return (pts[..., idx, 1] - radii[idx]).min(axis=-1)


def _root_rotation(pose: dict[str, np.ndarray]) -> np.ndarray:
    return ry(pose["yaw"]) @ rx(pose["pitch"]) @ rz(pose["roll"])


def _level(pose: dict[str, np.ndarray], local: np.ndarray, radii: np.ndarray, level) -> None:
    """Solve the named root angle per frame so both contact groups touch (in place).

    A grid search around the programmed angle: robust, vectorised, and never picks the
    upside-down solution that a closed-form atan2 would also offer."""
    angle, ga, gb, height = level
    base = pose[angle]
    for span, step in ((60.0, 1.0), (1.0, 0.05)):
        offs = np.arange(-span, span + step / 2, step)
        cand = base[:, None] + offs[None, :]  # (T, K)
        trial = {k: np.broadcast_to(v[:, None], cand.shape) for k, v in pose.items()}
        trial[angle] = cand
        rot = _root_rotation(trial)  # (T, K, 3, 3)
        pts = np.einsum("tkij,tnj->tkni", rot, local)
        err = np.abs(_group_min_y(pts, radii, ga) - _group_min_y(pts, radii, gb) - height)
        base = cand[np.arange(len(base)), err.argmin(axis=1)]
    pose[angle] = base


@dataclass(frozen=True)
class PosedClip:
    """World-space joints (T, len(JOINTS), 3) plus the props to draw."""

    joints: np.ndarray
    props: tuple[tuple[str, np.ndarray], ...]


def pose_world(prog: Program, pose: dict[str, np.ndarray], body: Proportions) -> PosedClip:
    """Forward kinematics, levelling and floor contact for a whole clip."""
    posture = POSTURES[prog.posture]
    local = local_joints(pose, body)
    radii = joint_radii(body)
    if posture.level is not None:
        _level(pose, local, radii, posture.level)
    rot = _root_rotation(pose)
    pts = np.einsum("tij,tnj->tni", rot, local)
    yaw = ry(pose["yaw"])
    shift = np.einsum(
        "tij,tj->ti", yaw, np.stack([pose["dx"], np.zeros_like(pose["dx"]), pose["dz"]], 1)
    )
    pts += shift[:, None, :]
    if posture.ground == "hang":
        bar_y = 2.25
        hands = pts[:, [J["l_hand"], J["r_hand"]], 1].mean(axis=1)
        pts[..., 1] += (bar_y - hands)[:, None]
    else:
        # lowest surface point on the floor, then add the jump height
        low = (pts[..., 1] - radii).min(axis=1)
        pts[..., 1] += (-low + np.maximum(pose["dy"], 0.0))[:, None]
    props = []
    for name in posture.props:
        if name == "bar":
            hands = pts[:, [J["l_hand"], J["r_hand"]]].mean(axis=(0, 1))
            props.append(("bar", hands))
        elif name in ("box_hands", "box_feet"):
            grp = "hands" if name == "box_hands" else "feet"
            idx = [J[n] for n in GROUPS[grp]]
            centre = pts[:, idx].mean(axis=(0, 1)).copy()
            top = (pts[:, idx, 1] - radii[idx]).min()
            centre[1] = top
            props.append(("box", centre))
    return PosedClip(pts.astype(np.float64), tuple(props))


def num_joints() -> int:
    return len(JOINTS)
