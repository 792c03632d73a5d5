"""Motion programs: coverage of the taxonomy, shared primitives, parse errors."""

import numpy as np
import pytest

from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.errors import InputError
from musclemap_bench.synth.body import POSE_PARAMS, Proportions
from musclemap_bench.synth.motion import (
    MOTIONS_CSV,
    evaluate,
    parse_moves,
    pose_world,
    programs,
    read_programs,
)
from musclemap_bench.synth.primitives import PRIMITIVES


def test_every_activity_has_exactly_one_program_and_no_extra():
    tax = load_taxonomy()
    progs = programs()
    assert sorted(progs) == sorted(tax.activity_keys)
    keys = [
        line.split(",")[0]
        for line in MOTIONS_CSV.read_text().splitlines()[1:]
        if line and not line.startswith("#")
    ]
    assert len(keys) == len(set(keys)) == len(tax.activity_keys) + 1  # + header row


def test_new_activities_are_compositions_of_shared_primitives():
    tax = load_taxonomy()
    progs = programs()
    used_known = {m.primitive for a in tax.activities_in("known") for m in progs[a].moves}
    for a in tax.activities_in("new"):
        prims = {m.primitive for m in progs[a].moves}
        assert prims <= used_known, (a, prims - used_known)
        # a new activity is not a copy of a known program
        assert all(
            progs[a].moves != progs[k].moves or progs[a].posture != progs[k].posture
            for k in tax.activities_in("known")
        )
    # the push-up family shares the `push` primitive
    for a in ("push_ups", "wide_push_ups", "knee_push_ups", "diamond_push_ups"):
        assert "push" in {m.primitive for m in progs[a].moves}
    assert len(PRIMITIVES) > 40


def test_parse_errors_are_one_line_input_errors(tmp_path):
    with pytest.raises(InputError, match="unknown primitive 'nope'"):
        parse_moves("push;nope")
    with pytest.raises(InputError, match="cannot parse"):
        parse_moves("push:abc")
    bad = tmp_path / "m.csv"
    bad.write_text("activity,posture,tempo,moves\npush_ups,handstand,0.5,push\n")
    with pytest.raises(InputError, match="unknown posture 'handstand'"):
        read_programs(bad)


def test_programs_move_and_touch_the_floor():
    progs = programs()
    t = np.arange(60) / 30
    body = Proportions()
    for act in ("push_ups", "bodyweight_squats", "jumping_jacks", "plank", "glute_bridges"):
        pose = evaluate(progs[act], t)
        assert set(pose) == set(POSE_PARAMS)
        posed = pose_world(progs[act], pose, body)
        low = posed.joints[..., 1].min(axis=1)
        assert (low > -0.2).all() and (low < 0.25).all(), act  # on (or just above) the floor
    # a squat really lowers the pelvis; a jumping jack really raises the arms
    sq = pose_world(
        progs["bodyweight_squats"], evaluate(progs["bodyweight_squats"], t), body
    ).joints
    assert np.ptp(sq[:, 0, 1]) > 0.25
    jj = pose_world(progs["jumping_jacks"], evaluate(progs["jumping_jacks"], t), body).joints
    from musclemap_bench.synth.body import J

    wrist_above_head = jj[:, J["l_wrist"], 1] > jj[:, J["head"], 1]
    assert wrist_above_head.any() and (~wrist_above_head).any()
    # a plank is roughly horizontal: shoulders and ankles at similar heights, far apart
    pl = pose_world(progs["plank"], evaluate(progs["plank"], t), body).joints
    assert abs(pl[:, J["neck"], 1] - pl[:, J["l_ankle"], 1]).max() < 0.5
