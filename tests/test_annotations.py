"""Integrity of the taxonomy: regions, 135 activities, the paper's 20 new activities, and the
cross-check against the public-domain exercise database excerpt."""

from __future__ import annotations

import re

import pandas as pd

from musclemap_bench.annotations import load_taxonomy
from musclemap_bench.resources import annotations_dir

# Section 3.3 of the paper, verbatim names: the test's independent copy of the new activities.
PAPER_NEW = [
    "hollow hold", "v-ups", "calf raise hold", "modified scissors", "scissors", "reverse crunches",
    "march twists", "hops on the spot", "up and down planks", "diamond push ups", "running",
    "plank jacks", "archer push ups", "front kicks", "triceps dip hold", "side plank rotation",
    "raised leg push ups", "reverse plank kicks", "circle push ups", "shoulder taps",
]  # fmt: skip

# Appendix B order, as words in the paper.
PAPER_REGIONS = [
    "neck and head", "chest", "shoulder", "biceps", "triceps", "forearms", "upper back",
    "latissimus", "obliques", "upper abdominis", "lower abdominis", "lower back", "hamstring",
    "quadriceps", "calves", "inner thigh", "outer thigh", "gluteus", "feet and ankles", "wrists",
]  # fmt: skip


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


def test_regions_follow_appendix_b_order():
    tax = load_taxonomy()
    assert [_norm(n) for n in tax.region_names] == PAPER_REGIONS
    assert list(tax.regions["index"]) == list(range(20))
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", k) for k in tax.region_keys)
    assert (tax.regions["muscles"].str.len() > 0).all()
    # The paper assigns e.g. serratus anterior to the obliques region.
    obliques = tax.regions.set_index("key").loc["obliques", "muscles"]
    assert "serratus anterior" in obliques


def test_activity_counts_and_new_list_match_the_paper():
    acts = load_taxonomy().activities
    assert len(acts) == 135
    new = acts[acts["group"] == "new"]
    assert sorted(_norm(n) for n in new["name"]) == sorted(_norm(n) for n in PAPER_NEW)
    assert (acts["group"] == "known").sum() == 115


def test_keys_names_unique_and_every_activity_has_a_region():
    tax = load_taxonomy()
    acts = tax.activities
    assert acts["key"].is_unique
    assert acts["name"].str.lower().is_unique
    assert acts["key"].str.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*").all()
    assert (acts[tax.region_keys].sum(axis=1) >= 1).all()
    assert set(acts[tax.region_keys].to_numpy().ravel()) <= {0, 1}
    assert (acts["query"].str.len() > 0).all()


def test_every_region_is_active_in_a_known_activity():
    tax = load_taxonomy()
    known = tax.activities[tax.activities["group"] == "known"]
    counts = known[tax.region_keys].sum(axis=0)
    assert (counts >= 1).all(), counts[counts == 0]


def test_exercise_db_cross_check():
    """Every activity with a database match activates a region for each of the entry's
    primary muscles (vocabulary mapped by exercise_db_vocabulary.csv)."""
    tax = load_taxonomy()
    folder = annotations_dir()
    matches = pd.read_csv(folder / "exercise_db_matches.csv", dtype=str, keep_default_na=False)
    vocab = pd.read_csv(folder / "exercise_db_vocabulary.csv", dtype=str, keep_default_na=False)
    to_regions = {t: r.split(";") for t, r in zip(vocab["term"], vocab["regions"], strict=True)}
    assert all(r in tax.region_keys for regs in to_regions.values() for r in regs)
    entries = matches.set_index("id")
    matched = tax.activities[tax.activities["source"] != "none"]
    assert len(matched) >= 40
    for _, act in matched.iterrows():
        assert act["source"] in entries.index, act["key"]
        for term in filter(None, entries.loc[act["source"], "primaryMuscles"].split(";")):
            assert any(act[r] for r in to_regions[term]), (act["key"], term)


def test_new_activities_bring_new_muscle_combinations():
    tax = load_taxonomy()
    acts = tax.activities
    known = {tuple(v) for v in acts.loc[acts["group"] == "known", tax.region_keys].to_numpy()}
    new = acts.loc[acts["group"] == "new", tax.region_keys].to_numpy()
    unseen = sum(tuple(v) not in known for v in new)
    assert unseen >= 10  # reported in annotations/README.md
