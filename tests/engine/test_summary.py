"""Scenario summaries: written as JSON, read back typed, and runs saved by earlier versions."""

from __future__ import annotations

import json
import math
from dataclasses import fields

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.rebalance import BandViolation
from engine.summary import Note, NoteKind, SavedRoster, ScenarioSummary

PLACEMENT = (
    "Placed 2 new reps by capacitated p-median over 40 cities "
    "(optimal, within 1.0% of its lower bound)."
)
NUMBERS = ("objective", "bound", "gap", "solve_seconds")


def same_number(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def assert_same_summary(got: ScenarioSummary, expected: ScenarioSummary) -> None:
    """Field by field, NaN equal to NaN."""
    for f in fields(ScenarioSummary):
        a, b = getattr(got, f.name), getattr(expected, f.name)
        if f.name in NUMBERS:
            assert same_number(a, b), f.name
        elif f.name == "violations":
            assert len(a) == len(b)
            for va, vb in zip(a, b, strict=True):
                for vf in fields(BandViolation):
                    x, y = getattr(va, vf.name), getattr(vb, vf.name)
                    if isinstance(y, float):
                        assert same_number(x, y), vf.name
                    else:
                        assert x == y, vf.name
        else:
            assert a == b, f.name


def stored(summary: ScenarioSummary) -> dict:
    """The summary as the store writes and reads it."""
    return json.loads(json.dumps(summary.as_dict(), sort_keys=True, allow_nan=False))


VIOLATION = BandViolation(
    rep_id="R2",
    measure="workload_hours",
    side="above",
    value=3.0,
    limit=2.4375,
    target=1.625,
    excess=0.5625,
    fix="widen the workload hours band to ±85 %",
)
ROSTER = SavedRoster.from_frames(
    pd.DataFrame(
        {
            "rep_id": ["R1", "N01"],
            "name": ["Dana Reyes", "Sam Hale"],
            "capacity": [1.0, 0.5],
            "annual_cost": [200_000.0, float("nan")],
            "change": ["", "added"],
        }
    ),
    pd.DataFrame({"rep_id": ["R2"]}),
)

numbers = st.floats(allow_nan=True, allow_infinity=True)
finite = st.floats(allow_nan=False, allow_infinity=False)
violations = st.builds(
    BandViolation,
    rep_id=st.sampled_from(["", "R1", "N01"]),
    measure=st.sampled_from(["potential", "workload_hours", "account_count", "moved_revenue"]),
    side=st.sampled_from(["above", "below"]),
    value=finite,
    limit=finite,
    target=finite,
    excess=finite,
    fix=st.text(max_size=20),
)
notes = st.builds(Note, kind=st.sampled_from(list(NoteKind)), text=st.text(max_size=30))
rosters = st.one_of(
    st.none(),
    st.builds(
        SavedRoster,
        reps=st.lists(
            st.fixed_dictionaries(
                {
                    "rep_id": st.sampled_from(["R1", "R2", "N01"]),
                    "capacity": st.one_of(st.none(), st.floats(0.1, 2.0)),
                    "change": st.sampled_from(["", "added", "placed", "edited", "moved"]),
                }
            ),
            max_size=3,
        ).map(tuple),
        removed=st.lists(st.sampled_from(["R1", "R2"]), unique=True, max_size=2).map(tuple),
    ),
)
summaries = st.builds(
    ScenarioSummary,
    status=st.sampled_from(["optimal", "feasible", "time_limit", ""]),
    objective=numbers,
    bound=numbers,
    gap=numbers,
    solve_seconds=numbers,
    solver=st.sampled_from(["", "highs", "cbc"]),
    notes=st.lists(notes, max_size=3).map(tuple),
    violations=st.lists(violations, max_size=2).map(tuple),
    roster=rosters,
    kind=st.sampled_from(["rebalance", "headcount"]),
)


@settings(max_examples=80, deadline=None)
@given(summary=summaries)
def test_any_summary_survives_the_store(summary):
    body = summary.as_dict()
    json.dumps(body, allow_nan=False)  # JSON has no NaN or infinity: none may be written
    for key in NUMBERS:
        value = getattr(summary, key)
        assert body[key] == (value if math.isfinite(value) else None)
    again = ScenarioSummary.from_dict(stored(summary))
    # What was not a finite number comes back as NaN; everything else as it was.
    for key in NUMBERS:
        value = getattr(again, key)
        assert same_number(value, getattr(summary, key)) or (
            not math.isfinite(getattr(summary, key)) and math.isnan(value)
        )
    finite_numbers = {
        k: (getattr(summary, k) if math.isfinite(getattr(summary, k)) else math.nan)
        for k in NUMBERS
    }
    assert_same_summary(again, ScenarioSummary(**{**summary.__dict__, **finite_numbers}))
    assert again.has_bound == summary.has_bound
    assert again.bands_met == (not summary.violations)


def test_a_finite_summary_reads_back_equal():
    summary = ScenarioSummary(
        status="optimal",
        objective=12.5,
        bound=12.4,
        gap=0.008,
        solve_seconds=0.3,
        solver="highs",
        notes=(Note(NoteKind.PLACEMENT, PLACEMENT), Note(NoteKind.NO_REP_IN_REACH, "A9 is far")),
        violations=(VIOLATION,),
        roster=ROSTER,
    )
    assert ScenarioSummary.from_dict(stored(summary)) == summary
    assert ScenarioSummary.from_dict(summary.as_dict()) == summary
    assert summary.has_bound and not summary.bands_met


def test_a_roster_keeps_its_reps_and_leavers_without_nan():
    assert ROSTER.removed == ("R2",)
    assert [r["rep_id"] for r in ROSTER.reps] == ["R1", "N01"]
    assert ROSTER.reps[1]["annual_cost"] is None  # a missing cost is stored as null, not NaN
    json.dumps(ROSTER.as_dict(), allow_nan=False)
    body = ScenarioSummary(status="optimal", roster=ROSTER).as_dict()
    assert body["roster"] == {"reps": list(ROSTER.reps), "removed": ["R2"]}
    assert "roster" not in ScenarioSummary(status="optimal").as_dict()


def test_notes_are_found_by_kind_in_order():
    summary = ScenarioSummary(
        status="optimal",
        notes=(
            Note(NoteKind.UNKNOWN, "first"),
            Note(NoteKind.PLACEMENT, "placed"),
            Note(NoteKind.UNKNOWN, "second"),
        ),
    )
    assert [n.text for n in summary.notes_of(NoteKind.UNKNOWN)] == ["first", "second"]
    assert summary.notes_of(NoteKind.PLACEMENT) == (Note(NoteKind.PLACEMENT, "placed"),)
    assert summary.notes_of(NoteKind.LOCKS_BEYOND_REACH) == ()
    assert Note(NoteKind.LOCKS_WITHOUT_OWNER, "x").as_dict() == {
        "kind": "locks_without_owner",
        "text": "x",
    }


def test_a_summary_saved_by_an_earlier_version_still_reads():
    legacy = {
        "status": "time_limit",
        "objective": 40.0,
        "bound": float("-inf"),
        "gap": float("nan"),
        "solve_seconds": 20.1,
        "solver": "highs",
        "notes": [PLACEMENT, "2 accounts have no rep within 300 km; each goes to its nearest rep."],
        "violations": [
            {
                "rep_id": "R2",
                "measure": "potential",
                "side": "below",
                "value": 50.0,
                "limit": 56.25,
                "target": 62.5,
                "excess": 6.25,
                "fix": "narrow it",
            }
        ],
        "roster": {
            "reps": [{"rep_id": "R1", "change": ""}, {"rep_id": "N01", "change": "placed"}],
            "removed": ["R2"],
            "notes": [PLACEMENT],
        },
    }
    summary = ScenarioSummary.from_dict(legacy, status="feasible")
    assert summary.status == "time_limit"
    assert summary.kind == "rebalance"
    assert [n.kind for n in summary.notes] == [NoteKind.PLACEMENT, NoteKind.UNKNOWN]
    # The placement sentence was kept twice (roster and run); it is shown once.
    assert summary.notes_of(NoteKind.PLACEMENT) == (Note(NoteKind.PLACEMENT, PLACEMENT),)
    assert summary.notes_of(NoteKind.UNKNOWN)[0].text.startswith("2 accounts")
    assert summary.bound == float("-inf") and math.isnan(summary.gap)
    assert not summary.has_bound
    assert not summary.bands_met
    assert summary.violations == (
        BandViolation("R2", "potential", "below", 50.0, 56.25, 62.5, 6.25, "narrow it"),
    )
    assert summary.roster == SavedRoster(
        reps=({"rep_id": "R1", "change": ""}, {"rep_id": "N01", "change": "placed"}),
        removed=("R2",),
    )
    # Written again, it is valid JSON.
    assert stored(summary)["bound"] is None


def test_a_placement_note_kept_only_with_the_roster_is_still_shown():
    legacy = {
        "status": "optimal",
        "notes": [],
        "roster": {"reps": [], "removed": ["R2"], "notes": [PLACEMENT]},
    }
    summary = ScenarioSummary.from_dict(legacy)
    assert summary.notes == (Note(NoteKind.PLACEMENT, PLACEMENT),)


def test_a_summary_with_keys_missing_takes_the_defaults():
    summary = ScenarioSummary.from_dict({}, status="optimal")
    assert summary.status == "optimal" and summary.kind == "rebalance" and summary.solver == ""
    assert all(math.isnan(getattr(summary, k)) for k in NUMBERS)
    assert summary.notes == () and summary.violations == () and summary.roster is None
    assert summary.bands_met and not summary.has_bound
    assert ScenarioSummary.from_dict({}).status == ""
    # Numbers that are null or not numbers read as NaN.
    odd = ScenarioSummary.from_dict({"objective": None, "bound": "n/a", "gap": "0.5"})
    assert math.isnan(odd.objective) and math.isnan(odd.bound) and odd.gap == 0.5
    # A violation missing fields takes blanks, NaN and "above".
    partial = ScenarioSummary.from_dict({"violations": [{"rep_id": "R1", "extra": 1}]})
    (v,) = partial.violations
    assert v.rep_id == "R1" and v.measure == "" and v.side == "above" and v.fix == ""
    assert math.isnan(v.value) and math.isnan(v.excess)


def test_an_unknown_or_missing_note_kind_reads_as_unknown():
    assert Note.from_stored({"kind": "weather", "text": "rain"}) == Note(NoteKind.UNKNOWN, "rain")
    assert Note.from_stored({"text": "plain"}) == Note(NoteKind.UNKNOWN, "plain")
    assert Note.from_stored({"kind": "no_rep_in_reach"}) == Note(NoteKind.NO_REP_IN_REACH, "")
    assert Note.from_stored("Some sentence.") == Note(NoteKind.UNKNOWN, "Some sentence.")
    assert Note.from_stored(PLACEMENT).kind == NoteKind.PLACEMENT


def test_a_bound_is_only_had_when_bound_and_gap_are_finite():
    assert ScenarioSummary("optimal", objective=10.0, bound=9.0, gap=0.1).has_bound
    assert not ScenarioSummary("optimal", objective=10.0, bound=float("-inf"), gap=0.1).has_bound
    assert not ScenarioSummary("optimal", objective=10.0, bound=9.0, gap=math.nan).has_bound
    assert not ScenarioSummary("optimal").has_bound
