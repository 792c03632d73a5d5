"""The shared library of body-motion primitives and base postures.

A motion program (one row of `motions.csv`) names a base posture and a list of primitives;
activities that work the same muscles reuse the same primitives (every push-up variant uses
`push`, every jump uses `hop`), and the 20 `new` activities are new compositions of them.

Angles in degrees, translations in metres. Per-side parameters are written without the
l_/r_ prefix; the primitive's side mode decides how they reach the two sides."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Primitive:
    """A joint movement: parameter amplitudes, a waveform and a side mode."""

    params: dict[str, float]
    wave: str = "cos"
    side: str = "both"  # both | alt | left | right | mirror (left +, right -)


@dataclass(frozen=True)
class Posture:
    """A base posture: parameter values plus how the figure meets the floor.

    level = (angle, group a, group b, height of a above b): the named root angle is solved
    every frame so both contact groups touch their support (a plank stays a plank while the
    elbows bend). ground = "floor" (lowest point on the floor) or "hang" (hands on a bar)."""

    params: dict[str, float]
    level: tuple[str, str, str, float] | None = None
    ground: str = "floor"
    props: tuple[str, ...] = field(default_factory=tuple)


def _smooth(u):
    return 0.5 - 0.5 * np.cos(2 * np.pi * u)


WAVES = {
    "cos": _smooth,  # 0 -> 1 -> 0 once per cycle
    "sin": lambda u: np.sin(2 * np.pi * u),  # oscillation around the posture
    "hop": lambda u: np.maximum(0.0, np.sin(2 * np.pi * u)) ** 1.3,  # flight phase
    "half": lambda u: np.maximum(0.0, np.sin(2 * np.pi * u)) ** 2,  # first half-cycle only
    "pulse": lambda u: _smooth(u) ** 3,  # snappy strike and return
    "hold": lambda u: np.ones_like(u),
}
SIDES = ("both", "alt", "left", "right", "mirror")

P = Primitive
PRIMITIVES: dict[str, Primitive] = {
    # --- standing cardio
    "hop": P({"dy": 0.14}, "hop"),
    "jack_arms": P({"sh_abd": 150}, "cos"),
    "jack_legs": P({"hip_abd": 22}, "cos"),
    "cross_arms": P({"sh_abd": 80, "sh_flex": 40}, "sin"),
    "arm_swing": P({"sh_flex": 45}, "sin", "alt"),
    "arms_bent": P({"elbow": 85}, "hold"),
    "high_knee": P({"hip_flex": 95, "knee": 100}, "half", "alt"),
    "butt_kick": P({"knee": 125, "hip_flex": -10}, "half", "alt"),
    "run_lean": P({"pitch": 12}, "hold"),
    "tuck": P({"hip_flex": 110, "knee": 130}, "hop"),
    "shuffle": P({"dx": 0.45}, "sin"),
    "step_forward": P({"dz": 0.35}, "sin"),
    "skate": P({"hip_flex": 25, "knee": 70, "hip_abd": -15}, "half", "alt"),
    "lean_side": P({"spine_lat": 15}, "sin"),
    "wrist_spin": P({"wrist": 40}, "sin"),
    "ski_legs": P({"hip_flex": 30, "knee": 15}, "sin", "alt"),
    # --- squats and lunges
    "squat": P({"hip_flex": 110, "knee": 115, "pitch": 35, "ankle": -20}, "cos"),
    "squat_hold": P({"hip_flex": 90, "knee": 95, "pitch": 20, "ankle": -10}, "hold"),
    "sit_hold": P({"hip_flex": 90, "knee": 90}, "hold"),
    "wide_stance": P({"hip_abd": 22}, "hold"),
    "lunge_front": P({"hip_flex": 85, "knee": 95, "ankle": -10}, "half", "alt"),
    "lunge_back": P({"hip_flex": -25, "knee": 95, "ankle": 30}, "half", "alt"),
    "side_lunge": P({"hip_abd": 35, "hip_flex": 55, "knee": 100, "ankle": -10}, "half", "alt"),
    "curtsy": P({"hip_flex": -15, "hip_abd": -25, "knee": 90, "ankle": 30}, "half", "alt"),
    "calf_raise": P({"ankle": 35}, "cos"),
    "hinge": P({"pitch": 75, "hip_flex": 75}, "cos"),
    "leg_back": P({"hip_flex": -75}, "cos"),
    "single_leg_squat": P({"hip_flex": 115, "knee": 125, "ankle": -15}, "cos", "left"),
    "leg_forward": P({"hip_flex": 80}, "cos"),
    "step_up": P({"hip_flex": 80, "knee": 90, "dy": 0.18}, "half", "alt"),
    "twist": P({"spine_twist": 40}, "sin"),
    "twist_hold": P({"spine_twist": 35}, "hold"),
    "side_bend": P({"spine_lat": 25}, "sin"),
    # --- arms
    "arms_forward": P({"sh_flex": 85}, "hold"),
    "arms_overhead": P({"sh_flex": 170}, "hold"),
    "arms_out": P({"sh_abd": 88}, "hold"),
    "hands_behind_head": P({"sh_abd": 100, "sh_flex": 30, "elbow": 145}, "hold"),
    "guard": P({"sh_flex": 50, "sh_abd": 15, "elbow": 125}, "hold"),
    "punch": P({"sh_flex": 40, "elbow": -115}, "pulse", "alt"),
    "uppercut": P({"sh_flex": 70, "elbow": -40}, "pulse", "alt"),
    "hook": P({"sh_abd": 65, "sh_flex": 20, "elbow": -35}, "pulse", "alt"),
    "punch_up": P({"sh_flex": 125, "elbow": -120}, "pulse", "alt"),
    "arm_circle": P({"sh_flex": 25}, "sin"),
    "arm_circle_b": P({"sh_abd": 20}, "sin"),
    "pull": P({"elbow": 110, "sh_flex": -80}, "cos"),
    "pulldown": P({"elbow": 100, "sh_flex": -90}, "cos"),
    "row": P({"elbow": 100, "sh_flex": -40}, "cos"),
    "arm_sweep": P({"sh_abd": 130}, "cos"),
    "arm_reach": P({"sh_flex": 80}, "half", "alt"),
    "chop": P({"sh_flex": 120}, "sin"),
    # --- kicks
    "side_kick": P({"hip_abd": 70, "spine_lat": -25}, "pulse", "alt"),
    "roundhouse": P({"hip_abd": 55, "hip_flex": 45, "spine_twist": 25}, "pulse", "alt"),
    "back_kick": P({"hip_flex": -60, "pitch": 35}, "pulse", "alt"),
    "knee_strike": P({"hip_flex": 100, "knee": 110}, "pulse", "alt"),
    # --- floor work
    "push": P({"elbow": 95, "sh_flex": -50}, "cos"),
    "hands_wide": P({"sh_abd": 28}, "hold"),
    "pike": P({"hip_flex": 80}, "cos"),
    "pike_hold": P({"hip_flex": 85}, "hold"),
    "knee_to_elbow": P({"hip_flex": 95, "hip_abd": 35, "knee": 100}, "half", "alt"),
    "climb": P({"hip_flex": 95, "knee": 110}, "half", "alt"),
    "small_hop": P({"dy": 0.06}, "hop"),
    "rotate_open": P({"roll": 80}, "pulse", "alt"),
    "hip_dip": P({"roll": 30}, "sin"),
    "rock": P({"dz": 0.12}, "sin"),
    "leg_lift": P({"hip_flex": -30}, "half", "alt"),
    "hip_abduct": P({"hip_abd": 55}, "pulse", "alt"),
    "hip_extend": P({"hip_flex": -45}, "cos"),
    "crunch": P({"spine_flex": 35, "neck_flex": 10}, "cos"),
    "sit_up": P({"spine_flex": 80}, "cos"),
    "leg_raise": P({"hip_flex": 85}, "cos"),
    "legs_up_hold": P({"hip_flex": 88}, "hold"),
    "legs_hover": P({"hip_flex": 25}, "hold"),
    "flutter": P({"hip_flex": 15}, "sin", "alt"),
    "scissor": P({"hip_abd": 25}, "sin", "mirror"),
    "wiper": P({"hip_abd": 40}, "sin", "mirror"),
    "cycle": P({"hip_flex": 60, "knee": -60}, "sin", "alt"),
    "tabletop": P({"hip_flex": 90, "knee": 90}, "hold"),
    "leg_extend": P({"knee": -85, "hip_flex": -45}, "half", "alt"),
    "knees_in": P({"hip_flex": 60, "knee": 40}, "cos"),
    "back_extend": P({"spine_flex": -30, "hip_flex": -15}, "cos"),
    "chest_lift_hold": P({"spine_flex": -15}, "hold"),
    "crawl": P({"dz": 0.3}, "sin"),
    "crawl_arms": P({"sh_flex": 20}, "sin", "alt"),
    "crawl_legs": P({"hip_flex": 20}, "sin", "alt"),
    "walk_side": P({"dx": 0.3}, "sin"),
    "side_step": P({"hip_abd": 15}, "half", "alt"),
    "sweep_under": P({"hip_flex": 60, "hip_abd": -35, "knee": -60, "roll": 25}, "pulse", "alt"),
    "hip_lift": P({"hip_abd": 40}, "cos", "right"),
    "hip_adduct": P({"hip_abd": -25}, "cos", "left"),
    "clam": P({"hip_abd": 35}, "cos", "right"),
    "knees_bent_hold": P({"hip_flex": 50, "knee": 100}, "hold"),
    "butterfly": P({"hip_abd": 45, "hip_flex": 45, "knee": 120}, "hold"),
    "nordic": P({"knee": -65}, "cos"),
    "walkout": P({"knee": -60, "hip_flex": -20}, "cos"),
    "elbow_bend": P({"elbow": 80}, "cos"),
    "elbow_hold": P({"elbow": 80}, "hold"),
    "scap": P({"spine_flex": 8}, "sin"),
    "breath": P({"spine_flex": 3}, "sin"),
    "neck_nod": P({"neck_flex": 30}, "sin"),
    "neck_tilt": P({"neck_lat": 30}, "sin"),
    "inch": P({"pitch": 90, "hip_flex": 90, "sh_flex": 80}, "cos"),
}

POSTURES: dict[str, Posture] = {
    "stand": Posture({}),
    "plank": Posture({"pitch": 70, "sh_flex": 75}, level=("pitch", "hands", "feet", 0.0)),
    "forearm_plank": Posture(
        {"pitch": 80, "sh_flex": 80, "elbow": 90}, level=("pitch", "forearms", "feet", 0.0)
    ),
    "knee_plank": Posture(
        {"pitch": 60, "sh_flex": 70, "knee": 80}, level=("pitch", "hands", "knees", 0.0)
    ),
    "incline_plank": Posture(
        {"pitch": 45, "sh_flex": 60}, level=("pitch", "hands", "feet", 0.45), props=("box_hands",)
    ),
    "decline_plank": Posture(
        {"pitch": 95, "sh_flex": 90}, level=("pitch", "hands", "feet", -0.4), props=("box_feet",)
    ),
    "all_fours": Posture(
        {"pitch": 90, "sh_flex": 90, "hip_flex": 90, "knee": 90, "ankle": 40},
        level=("pitch", "hands", "knees", 0.0),
    ),
    "bear": Posture(
        {"pitch": 85, "sh_flex": 85, "hip_flex": 80, "knee": 80},
        level=("pitch", "hands", "feet", 0.0),
    ),
    "supine": Posture({"pitch": -90}),
    "hook_lying": Posture({"pitch": -90, "hip_flex": 50, "knee": 100}),
    "prone": Posture({"pitch": 90, "ankle": 60}),
    "side_lie": Posture({"roll": -90, "sh_flex": 150, "elbow": 60, "hip_flex": 10}),
    "side_plank": Posture(
        {"roll": -70, "l_sh_flex": 90, "l_elbow": 90}, level=("roll", "l_forearm", "feet", 0.0)
    ),
    "seated": Posture({"pitch": -45, "hip_flex": 115, "knee": 90, "sh_flex": 60, "elbow": 60}),
    "reverse_plank": Posture({"pitch": -70, "sh_flex": -60}, level=("pitch", "hands", "feet", 0.0)),
    "crab": Posture(
        {"pitch": -40, "sh_flex": -45, "hip_flex": 80, "knee": 100},
        level=("pitch", "hands", "feet", 0.0),
    ),
    "dip": Posture(
        {"pitch": -5, "sh_flex": -40, "hip_flex": 85, "knee": 85},
        level=("pitch", "hands", "feet", 0.45),
        props=("box_hands",),
    ),
    "bridge": Posture(
        {"pitch": -90, "hip_flex": 50, "knee": 95}, level=("pitch", "back", "feet", 0.0)
    ),
    "kneel": Posture({"knee": 90, "ankle": 50}, level=("pitch", "knees", "feet", 0.0)),
    "hang": Posture({"sh_flex": 170, "sh_abd": 10, "knee": 20}, ground="hang", props=("bar",)),
    "row_hang": Posture(
        {"pitch": -65, "sh_flex": 80}, level=("pitch", "hands", "feet", 0.8), props=("bar",)
    ),
}

# Contact groups for levelling: joint names whose lowest surface point must touch.
GROUPS = {
    "hands": ("l_wrist", "r_wrist", "l_hand", "r_hand"),
    "forearms": ("l_elbow", "r_elbow", "l_wrist", "r_wrist"),
    "l_forearm": ("l_elbow", "l_wrist"),
    "feet": ("l_ankle", "r_ankle", "l_toe", "r_toe"),
    "knees": ("l_knee", "r_knee"),
    "back": ("neck", "l_shoulder", "r_shoulder"),
}
