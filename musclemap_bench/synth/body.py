"""The articulated 3D figure of the synthetic generator: proportions and forward kinematics.

Body frame: x = the figure's left, y = up, z = the direction it faces. Angles are degrees.
Every function is vectorised over time (arrays of shape (T,)), so a whole clip is posed at
once. Hand-written because no maintained library offers a tiny, dependency-free FK for a
stick figure (SMPL-style packages need model weights we cannot download)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Internal 3D joints, in a fixed order; COCO-17 keypoints are a subset.
JOINTS = (
    "pelvis", "neck", "head", "nose", "l_eye", "r_eye", "l_ear", "r_ear",
    "l_shoulder", "r_shoulder", "l_elbow", "r_elbow", "l_wrist", "r_wrist", "l_hand", "r_hand",
    "l_hip", "r_hip", "l_knee", "r_knee", "l_ankle", "r_ankle", "l_toe", "r_toe",
)  # fmt: skip
J = {name: i for i, name in enumerate(JOINTS)}

COCO17 = (
    "nose", "l_eye", "r_eye", "l_ear", "r_ear", "l_shoulder", "r_shoulder", "l_elbow",
    "r_elbow", "l_wrist", "r_wrist", "l_hip", "r_hip", "l_knee", "r_knee", "l_ankle", "r_ankle",
)  # fmt: skip
COCO17_INDEX = np.array([J[n] for n in COCO17])

# Per-side joint parameters (prefixed l_/r_ in a pose) and whole-body parameters.
SIDE_PARAMS = ("sh_flex", "sh_abd", "elbow", "wrist", "hip_flex", "hip_abd", "knee", "ankle")
BODY_PARAMS = (
    "pitch", "roll", "yaw", "spine_flex", "spine_lat", "spine_twist",
    "neck_flex", "neck_lat", "neck_turn", "dx", "dy", "dz",
)  # fmt: skip
POSE_PARAMS = BODY_PARAMS + tuple(f"{s}_{p}" for s in "lr" for p in SIDE_PARAMS)


@dataclass(frozen=True)
class Proportions:
    """Segment lengths and radii in metres."""

    torso: float = 0.52
    shoulder_half: float = 0.19
    hip_half: float = 0.10
    neck: float = 0.09
    head_r: float = 0.105
    upper_arm: float = 0.30
    forearm: float = 0.27
    hand: float = 0.09
    thigh: float = 0.45
    shin: float = 0.43
    foot: float = 0.17
    torso_r: float = 0.13
    limb_r: float = 0.055

    @staticmethod
    def sample(rng: np.random.Generator) -> Proportions:
        """Random body: overall height and build vary, limb ratios vary a little."""
        s = rng.uniform(0.85, 1.12)
        build = rng.uniform(0.8, 1.25)
        base = Proportions()
        jitter = {
            k: getattr(base, k) * s * rng.uniform(0.94, 1.06)
            for k in (
                "torso",
                "neck",
                "head_r",
                "upper_arm",
                "forearm",
                "hand",
                "thigh",
                "shin",
                "foot",
            )
        }
        widths = {
            k: getattr(base, k) * s * build
            for k in ("shoulder_half", "hip_half", "torso_r", "limb_r")
        }
        return Proportions(**jitter, **widths)


def _rot(axis: int, deg: np.ndarray) -> np.ndarray:
    """(T,3,3) rotation matrices about a coordinate axis."""
    a = np.deg2rad(np.asarray(deg, dtype=np.float64))
    c, s = np.cos(a), np.sin(a)
    out = np.zeros(a.shape + (3, 3))
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    out[..., axis, axis] = 1.0
    out[..., i, i] = c
    out[..., j, j] = c
    out[..., i, j] = -s
    out[..., j, i] = s
    return out


def rx(d):
    return _rot(0, d)


def ry(d):
    return _rot(1, d)


def rz(d):
    return _rot(2, d)


def _mv(r: np.ndarray, v) -> np.ndarray:
    """Apply (T,3,3) rotations to one body-frame vector -> (T,3)."""
    return r @ np.asarray(v, dtype=np.float64)


def local_joints(pose: dict[str, np.ndarray], body: Proportions) -> np.ndarray:
    """Forward kinematics relative to the root (pelvis at origin, root rotation not applied).

    Returns (T, len(JOINTS), 3)."""
    t = len(pose["pitch"])
    eye = np.broadcast_to(np.eye(3), (t, 3, 3))
    out = np.zeros((t, len(JOINTS), 3))
    r_torso = eye @ ry(pose["spine_twist"]) @ rz(pose["spine_lat"]) @ rx(pose["spine_flex"])
    out[:, J["neck"]] = _mv(r_torso, (0, body.torso, 0))
    r_head = r_torso @ rx(pose["neck_flex"]) @ rz(pose["neck_lat"]) @ ry(pose["neck_turn"])
    head = out[:, J["neck"]] + _mv(r_head, (0, body.neck + body.head_r, 0))
    out[:, J["head"]] = head
    hr = body.head_r
    out[:, J["nose"]] = head + _mv(r_head, (0, -0.15 * hr, 1.0 * hr))
    for side, sx in (("l", 1.0), ("r", -1.0)):
        out[:, J[f"{side}_eye"]] = head + _mv(r_head, (0.38 * hr * sx, 0.15 * hr, 0.88 * hr))
        out[:, J[f"{side}_ear"]] = head + _mv(r_head, (0.98 * hr * sx, 0.0, 0.05 * hr))
        g = lambda p, side=side: pose[f"{side}_{p}"]  # noqa: E731
        sh = _mv(r_torso, (sx * body.shoulder_half, 0.9 * body.torso, 0))
        out[:, J[f"{side}_shoulder"]] = sh
        r_ua = r_torso @ rz(sx * g("sh_abd")) @ rx(-g("sh_flex"))
        el = sh + _mv(r_ua, (0, -body.upper_arm, 0))
        r_fa = r_ua @ rx(-g("elbow"))
        wr = el + _mv(r_fa, (0, -body.forearm, 0))
        out[:, J[f"{side}_elbow"]] = el
        out[:, J[f"{side}_wrist"]] = wr
        out[:, J[f"{side}_hand"]] = wr + _mv(r_fa @ rx(-g("wrist")), (0, -body.hand, 0))
        hip = np.tile([sx * body.hip_half, 0.0, 0.0], (t, 1))
        out[:, J[f"{side}_hip"]] = hip
        r_th = eye @ rz(sx * g("hip_abd")) @ rx(-g("hip_flex"))
        kn = hip + _mv(r_th, (0, -body.thigh, 0))
        r_sh = r_th @ rx(g("knee"))
        an = kn + _mv(r_sh, (0, -body.shin, 0))
        out[:, J[f"{side}_knee"]] = kn
        out[:, J[f"{side}_ankle"]] = an
        # ankle 0 = foot at a right angle to the shin; positive = plantar flexion (on toes)
        out[:, J[f"{side}_toe"]] = an + _mv(r_sh @ rx(-(90.0 - g("ankle"))), (0, -body.foot, 0))
    return out


def joint_radii(body: Proportions) -> np.ndarray:
    """Surface radius around each joint, used to put the figure on the floor."""
    r = np.full(len(JOINTS), body.limb_r)
    r[J["pelvis"]] = body.torso_r * 0.9
    r[J["neck"]] = body.torso_r * 0.8
    r[J["head"]] = body.head_r
    for n in ("nose", "l_eye", "r_eye", "l_ear", "r_ear"):
        r[J[n]] = 0.0
    for side in "lr":
        r[J[f"{side}_shoulder"]] = body.torso_r * 0.7
        r[J[f"{side}_knee"]] = body.limb_r * 1.2
        r[J[f"{side}_hand"]] = body.limb_r * 0.5
        r[J[f"{side}_wrist"]] = body.limb_r * 0.7
        r[J[f"{side}_toe"]] = body.limb_r * 0.5
        r[J[f"{side}_ankle"]] = body.limb_r * 0.9
    return r


# Capsules drawn by the renderer: (joint a, joint b, radius attribute, radius scale, part).
SEGMENTS = (
    ("l_hip", "r_hip", "limb_r", 1.5, "pants"),
    ("pelvis", "neck", "torso_r", 1.0, "shirt"),
    ("l_shoulder", "r_shoulder", "limb_r", 1.3, "shirt"),
    ("neck", "head", "limb_r", 0.8, "skin"),
    ("l_shoulder", "l_elbow", "limb_r", 0.95, "sleeve"),
    ("r_shoulder", "r_elbow", "limb_r", 0.95, "sleeve"),
    ("l_elbow", "l_wrist", "limb_r", 0.75, "skin"),
    ("r_elbow", "r_wrist", "limb_r", 0.75, "skin"),
    ("l_wrist", "l_hand", "limb_r", 0.7, "skin"),
    ("r_wrist", "r_hand", "limb_r", 0.7, "skin"),
    ("l_hip", "l_knee", "limb_r", 1.35, "pants"),
    ("r_hip", "r_knee", "limb_r", 1.35, "pants"),
    ("l_knee", "l_ankle", "limb_r", 1.0, "legs"),
    ("r_knee", "r_ankle", "limb_r", 1.0, "legs"),
    ("l_ankle", "l_toe", "limb_r", 0.75, "shoes"),
    ("r_ankle", "r_toe", "limb_r", 0.75, "shoes"),
)
