"""Alignments: today's and saved scenarios' owners, reps and KPIs, resolved from a reference."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny_data import make_dataset

import engine.alignment
import engine.metrics
from engine.alignment import (
    SCENARIO_COLUMN,
    TODAY,
    TODAY_COLUMN,
    AlignmentNotFound,
    owner_column,
    rep_names,
    resolve_alignment,
    roster_record,
    scenario_alignment,
    side_by_side,
    today_alignment,
)
from engine.headcount import headcount_sweep
from engine.metrics import AlignmentKPIs, score_alignment
from engine.roster import NewRep, Roster
from engine.scenario import ScenarioSpec, reopen, run_rebalance
from engine.store import Store

BANDS = {"potential_band": 0.3, "workload_band": 0.5}
HIRE = NewRep(name="Sam Hale", city="Salina", state="KS", lat=38.84, lon=-97.61)
TODAYS_OWNERS = {"A1": "R1", "A2": "R1", "A3": "R2", "A4": None}
TINY = make_dataset()
TINY_TODAY = today_alignment(TINY, "v1", None)


def assert_same_kpis(got: AlignmentKPIs, expected: AlignmentKPIs) -> None:
    assert got.as_dict() == pytest.approx(expected.as_dict(), rel=1e-12, nan_ok=True)


def owners_dict(owners: pd.Series) -> dict[str, str | None]:
    return {str(k): (None if pd.isna(v) else str(v)) for k, v in owners.items()}


def assignment_owners(assignments: pd.DataFrame) -> dict[str, str | None]:
    return owners_dict(assignments.set_index("account_id")["rep_id"])


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A store holding the tiny dataset and three runs: plain, R2 leaving, and a hire."""
    dataset = make_dataset()
    store = Store(tmp_path_factory.mktemp("alignment") / "x.duckdb")
    store.replace_dataset(dataset, source="test")
    runs = {
        "plain": run_rebalance(dataset, "v1", None, ScenarioSpec(name="Plain", **BANDS)),
        "removal": run_rebalance(
            dataset, "v1", None, ScenarioSpec(name="No R2", roster=Roster(removed=("R2",)), **BANDS)
        ),
        "hire": run_rebalance(
            dataset, "v1", None, ScenarioSpec(name="Hire", roster=Roster(added=(HIRE,)), **BANDS)
        ),
    }
    for run in runs.values():
        store.save_scenario(run.record)
    yield dataset, store, runs
    store.close()


def test_today_has_every_account_with_todays_owner_and_todays_team():
    dataset = make_dataset()
    today = today_alignment(dataset, "v1", None)
    assert today.is_today and today.ref == TODAY and today.owner_col == TODAY_COLUMN
    assert today.view["account_id"].tolist() == ["A1", "A2", "A3", "A4"]
    assert owners_dict(today.owners) == TODAYS_OWNERS
    assert today.reps["rep_id"].tolist() == ["R1", "R2"]
    assert today.reps["change"].tolist() == ["", ""]
    assert today.removed.empty and today.hired.empty
    assert today.reasons is None and today.record is None and today.summary is None
    assert today.data_version == today.ran_on == "v1" and not today.on_older_data
    assert_same_kpis(today.kpis, score_alignment(today.view, dataset.reps))
    # By hand: two reps costing 290k, one prospect without an owner, nobody moved.
    assert today.kpis.reps == 2 and today.kpis.cost == 290_000.0
    assert today.kpis.unassigned == 1 and today.kpis.moved_accounts == 0


def test_today_reuses_a_view_it_is_given():
    dataset = make_dataset()
    view = engine.metrics.account_view(dataset, None)
    assert today_alignment(dataset, "v1", None, view=view).view is view


def test_resolving_today_gives_todays_alignment(saved):
    dataset, store, _ = saved
    resolved = resolve_alignment(store, TODAY, dataset, "v1", None)
    today = today_alignment(dataset, "v1", None)
    assert resolved.is_today and resolved.record is None
    assert owners_dict(resolved.owners) == TODAYS_OWNERS
    assert_same_kpis(resolved.kpis, today.kpis)
    # A caller's today is handed back as it is.
    assert resolve_alignment(store, TODAY, dataset, "v1", None, today=today) is today


@pytest.mark.parametrize("which", ["plain", "removal", "hire"])
def test_a_saved_run_resolves_to_its_owners_and_the_kpis_it_computed(saved, which):
    dataset, store, runs = saved
    run = runs[which]
    sid = run.record.scenario_id
    found = resolve_alignment(store, sid, dataset, "v1", None)
    assert found.ref == sid and not found.is_today and found.owner_col == SCENARIO_COLUMN
    assert found.name == run.record.name
    assert found.record is not None and found.record.scenario_id == sid
    assert owners_dict(found.owners) == assignment_owners(run.record.assignments)
    # Today's owner stays beside the scenario's.
    assert owners_dict(found.view.set_index("account_id")[TODAY_COLUMN]) == TODAYS_OWNERS
    assert_same_kpis(found.kpis, run.after)
    assert found.reps["rep_id"].tolist() == run.reps["rep_id"].tolist()
    assert found.summary is not None and found.summary.status == run.summary.status
    reasons = found.reasons
    assert reasons is not None
    assert reasons.to_dict() == run.record.assignments.set_index("account_id")["reason"].to_dict()
    assert found.ran_on == found.data_version == "v1" and not found.on_older_data


def test_a_run_without_r2_has_r2_removed_and_not_among_its_reps(saved):
    dataset, store, runs = saved
    found = resolve_alignment(store, runs["removal"].record.scenario_id, dataset, "v1", None)
    assert found.removed["rep_id"].tolist() == ["R2"]
    assert found.reps["rep_id"].tolist() == ["R1"]
    assert set(found.owners) == {"R1"}
    assert found.kpis.reps == 1 and found.hired.empty


def test_a_run_with_a_hire_has_the_hire_and_its_name(saved):
    dataset, store, runs = saved
    found = resolve_alignment(store, runs["hire"].record.scenario_id, dataset, "v1", None)
    assert found.hired.tolist() == ["N01"]
    assert found.removed.empty
    assert found.kpis.reps == 3
    names = rep_names(dataset, found)
    assert names.to_dict() == {"R1": "Dana Reyes", "R2": "Lee Park", "N01": "Sam Hale"}
    assert rep_names(dataset).to_dict() == {"R1": "Dana Reyes", "R2": "Lee Park"}


def test_a_run_resolved_on_other_data_says_so_and_keeps_its_owners(saved):
    dataset, store, runs = saved
    run = runs["plain"]
    found = resolve_alignment(store, run.record.scenario_id, dataset, "v2", None)
    assert found.on_older_data
    assert found.ran_on == "v1" and found.data_version == "v2"
    assert owners_dict(found.owners) == assignment_owners(run.record.assignments)


def test_an_unknown_id_is_not_found(saved):
    dataset, store, _ = saved
    assert issubclass(AlignmentNotFound, LookupError)
    with pytest.raises(AlignmentNotFound, match="0123456789"):
        resolve_alignment(store, "0123456789", dataset, "v1", None)


def test_side_by_side_puts_each_alignments_owners_in_its_column(saved):
    dataset, store, runs = saved
    today = today_alignment(dataset, "v1", None)
    plain, removal = (
        resolve_alignment(store, runs[k].record.scenario_id, dataset, "v1", None, today=today)
        for k in ("plain", "removal")
    )
    table = side_by_side([today, plain, removal])
    assert owner_column(TODAY) == TODAY_COLUMN
    assert owner_column(plain.ref) == f"owner__{plain.ref}" != owner_column(removal.ref)
    assert SCENARIO_COLUMN not in table.columns
    assert table["account_id"].tolist() == ["A1", "A2", "A3", "A4"]
    by_account = table.set_index("account_id")
    assert owners_dict(by_account[TODAY_COLUMN]) == TODAYS_OWNERS
    for alignment in (plain, removal):
        assert owners_dict(by_account[owner_column(alignment.ref)]) == owners_dict(alignment.owners)
    # Without today among them, today's owners are still there.
    alone = side_by_side([removal]).set_index("account_id")
    assert owners_dict(alone[TODAY_COLUMN]) == TODAYS_OWNERS
    assert set(alone[owner_column(removal.ref)]) == {"R1"}
    with pytest.raises(ValueError):
        side_by_side([])


def test_a_reopened_run_is_the_fresh_run(saved):
    dataset, store, runs = saved
    for run in runs.values():
        again = reopen(store, run.record.scenario_id, dataset, "v1", None)
        assert again is not None
        fresh = run.record.assignments.sort_values("account_id").reset_index(drop=True)
        kept = again.record.assignments.sort_values("account_id").reset_index(drop=True)
        for column in ("account_id", "rep_id", "moved", "reason"):
            assert kept[column].tolist() == fresh[column].tolist()
        assert_same_kpis(again.after, run.after)
        assert_same_kpis(again.before, run.before)
        assert again.reps["rep_id"].tolist() == run.reps["rep_id"].tolist()
        assert again.removed["rep_id"].tolist() == run.removed["rep_id"].tolist()
    assert reopen(store, "0123456789", dataset, "v1", None) is None
    assert reopen(store, TODAY, dataset, "v1", None) is None


def test_a_run_saves_a_roster_only_when_its_team_changed():
    reps = make_dataset().reps
    assert roster_record(reps.assign(change=""), reps.iloc[0:0]) is None
    kept, gone = reps.iloc[:1].assign(change=""), reps.iloc[1:]
    roster = roster_record(kept, gone)
    assert roster is not None and roster.removed == ("R2",)
    assert [r["rep_id"] for r in roster.reps] == ["R1"]
    edited = reps.assign(change=["edited", ""])
    assert roster_record(edited, reps.iloc[0:0]) is not None


@settings(max_examples=20, deadline=None)
@given(owners=st.lists(st.sampled_from(["R1", "R2", None]), min_size=4, max_size=4))
def test_a_scenario_has_the_owners_it_is_given_and_is_scored_on_them(owners):
    today = TINY_TODAY
    ids = ["A1", "A2", "A3", "A4"]
    assignments = pd.DataFrame(
        {"account_id": [a for a, o in zip(ids, owners, strict=True) if o is not None]}
    )
    assignments["rep_id"] = [o for o in owners if o is not None]
    reps = TINY.reps.assign(change="")
    found = scenario_alignment(today, "abc", "X", assignments, reps, reps.iloc[0:0])
    assert owners_dict(found.owners) == dict(zip(ids, owners, strict=True))
    assert found.kpis.unassigned == owners.count(None)
    moved = sum(
        1
        for a, o in zip(ids, owners, strict=True)
        if TODAYS_OWNERS[a] is not None and o != TODAYS_OWNERS[a]
    )
    assert found.kpis.moved_accounts == moved
    assert found.kpis.reps == 2 and found.kpis.cost == 290_000.0
    # Today's view is left as it was.
    assert SCENARIO_COLUMN not in today.view.columns


def test_the_headcount_sweep_builds_todays_account_view_once(monkeypatch):
    calls = []
    real = engine.metrics.account_view

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine.alignment, "account_view", counting)
    monkeypatch.setattr(engine.metrics, "account_view", counting)
    # One size below today's (who stays is chosen) and one above (a rep is placed).
    table = headcount_sweep(make_dataset(), "v1", None, [1, 3], base=ScenarioSpec(**BANDS))
    assert table["reps"].tolist() == [1, 3]
    assert len(calls) == 1
