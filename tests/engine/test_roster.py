"""Roster what-ifs: hires, departures, edits, ramps, and scenarios run on them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny_data import make_dataset

from engine.roster import NewRep, RepEdit, Roster, apply_roster, candidate_cities
from engine.scenario import ScenarioSpec, run_rebalance, scenario_id
from engine.store import Dataset, conform


def grid_dataset(side: int = 12, reps: int = 3, seed: int = 0) -> Dataset:
    """Accounts on a grid over Kansas with equal potential; reps spread west to east."""
    rng = np.random.default_rng(seed)
    lat, lon = np.meshgrid(np.linspace(37, 40, side), np.linspace(-101, -95, side))
    n = side * side
    ids = [f"A{i:03d}" for i in range(n)]
    rep_ids = [f"R{j}" for j in range(1, reps + 1)]
    home_lon = np.linspace(-100.5, -95.5, reps)
    owner = [rep_ids[int(np.argmin(np.abs(home_lon - x)))] for x in lon.ravel()]
    accounts = pd.DataFrame(
        {
            "account_id": ids,
            "name": [f"Account {i}" for i in range(n)],
            "city": ["Wichita"] * n,
            "state": ["KS"] * n,
            "postal_code": ["67202"] * n,
            "lat": lat.ravel(),
            "lon": lon.ravel(),
            "industry": ["Retail"] * n,
            "size_segment": ["SMB"] * n,
            "tav": np.full(n, 1000.0),
            "owner_rep_id": owner,
            "visits_per_year": np.full(n, 4.0),
            "minutes_per_visit": rng.choice([55.0, 60.0, 65.0], n),
            "first_year": [2020] * n,
        }
    )
    history = pd.DataFrame(
        {"account_id": ids, "year": [2026] * n, "revenue": np.full(n, 100.0), "active": True}
    )
    rep_frame = pd.DataFrame(
        {
            "rep_id": rep_ids,
            "name": [f"Rep {j}" for j in range(1, reps + 1)],
            "home_city": ["Wichita"] * reps,
            "home_state": ["KS"] * reps,
            "home_lat": [38.5] * reps,
            "home_lon": home_lon,
            "seniority": ["Mid"] * reps,
            "capacity": [1.0] * reps,
            "annual_cost": [150_000.0 + 10_000 * j for j in range(reps)],
        }
    )
    return Dataset(
        accounts=conform("accounts", accounts),
        reps=conform("reps", rep_frame),
        history=conform("account_history", history),
    )


HIRE = NewRep(name="Sam Hale", city="Salina", state="KS", lat=38.84, lon=-97.61)


def test_removing_a_rep_drops_them_and_keeps_the_others():
    reps = make_dataset().reps
    out = apply_roster(reps, Roster(removed=("R2",)))
    assert out.reps["rep_id"].tolist() == ["R1"]
    assert out.removed["rep_id"].tolist() == ["R2"]


def test_a_new_hire_ramps_and_costs_the_median():
    reps = make_dataset().reps
    out = apply_roster(reps, Roster(added=(HIRE,), ramp=0.5))
    hire = out.reps.set_index("rep_id").loc["N01"]
    assert hire["capacity"] == pytest.approx(0.5)
    assert hire["seniority"] == "New hire" and hire["change"] == "added"
    assert hire["annual_cost"] == pytest.approx(reps["annual_cost"].median())
    assert out.added_ids == ["N01"]


def test_edits_change_capacity_seniority_and_home():
    reps = make_dataset().reps
    roster = Roster(
        edits=(
            RepEdit("R1", capacity=0.6, seniority="Senior"),
            RepEdit("R2", city="Salina", state="KS", lat=38.84, lon=-97.61),
        )
    )
    out = apply_roster(reps, roster).reps.set_index("rep_id")
    assert out.at["R1", "capacity"] == pytest.approx(0.6) and out.at["R1", "change"] == "edited"
    assert out.at["R2", "home_city"] == "Salina" and out.at["R2", "home_lat"] == pytest.approx(
        38.84
    )
    assert out.at["R2", "change"] == "moved"


def test_bad_rosters_say_what_is_wrong():
    reps = make_dataset().reps
    with pytest.raises(ValueError, match="no rep has the id R9"):
        apply_roster(reps, Roster(removed=("R9",)))
    with pytest.raises(ValueError, match="every rep would be removed"):
        apply_roster(reps, Roster(removed=("R1", "R2")))
    with pytest.raises(ValueError, match="both removed and edited"):
        apply_roster(reps, Roster(removed=("R1",), edits=(RepEdit("R1", capacity=0.5),)))
    with pytest.raises(ValueError, match="capacity must be between 0 and 2"):
        RepEdit("R1", capacity=0)
    with pytest.raises(ValueError, match="needs a name"):
        NewRep(name=" ", city="X", state="KS", lat=38, lon=-97)
    with pytest.raises(ValueError, match="not on the map"):
        NewRep(name="Sam", city="X", state="KS", lat=98, lon=-97)
    with pytest.raises(ValueError, match="ramp"):
        Roster(ramp=0)


def test_an_unchanged_roster_keeps_todays_scenario_ids():
    plain = ScenarioSpec()
    assert "roster" not in plain.to_json()
    assert scenario_id(plain, "v1") == scenario_id(ScenarioSpec(roster=Roster()), "v1")
    hired = ScenarioSpec(roster=Roster(added=(HIRE,)))
    assert scenario_id(hired, "v1") != scenario_id(plain, "v1")
    assert ScenarioSpec.from_json(hired.to_json()) == hired


@settings(max_examples=40, deadline=None)
@given(
    removed=st.lists(st.sampled_from(["R1", "R2"]), max_size=1),
    capacity=st.one_of(st.none(), st.floats(0.1, 2.0)),
    hires=st.integers(0, 2),
    ramp=st.floats(0.1, 1.0),
)
def test_any_roster_survives_json_and_keeps_ids_unique(removed, capacity, hires, ramp):
    edits = () if capacity is None or "R1" in removed else (RepEdit("R1", capacity=capacity),)
    roster = Roster(removed=tuple(removed), edits=edits, added=(HIRE,) * hires, ramp=ramp)
    spec = ScenarioSpec(roster=roster)
    assert ScenarioSpec.from_json(spec.to_json()) == spec
    out = apply_roster(make_dataset().reps, roster)
    assert out.reps["rep_id"].is_unique
    assert len(out.reps) == 2 - len(removed) + hires


def test_removing_a_rep_leaves_no_account_without_an_owner():
    dataset = grid_dataset()
    spec = ScenarioSpec(potential_band=0.1, workload_band=0.2, roster=Roster(removed=("R2",)))
    run = run_rebalance(dataset, "v1", None, spec)
    owners = run.record.assignments["rep_id"]
    assert owners.notna().all() and set(owners) == {"R1", "R3"}
    # Everyone who had R2 moved; the scenario is scored on the two reps left.
    had_r2 = dataset.accounts["owner_rep_id"] == "R2"
    moved = run.record.assignments.set_index("account_id")["moved"]
    assert moved[dataset.accounts.loc[had_r2, "account_id"]].all()
    assert run.after.reps == 2 and run.before.reps == 3
    assert run.record.summary["roster"]["removed"] == ["R2"]


def test_a_new_hire_at_half_capacity_gets_about_half_a_full_reps_target():
    dataset = grid_dataset()
    spec = ScenarioSpec(potential_band=0.05, workload_band=0.10, roster=Roster(added=(HIRE,)))
    run = run_rebalance(dataset, "v1", None, spec)
    totals = run.view.groupby("scenario_rep_id")["potential"].sum()
    full = totals[["R1", "R2", "R3"]].mean()
    assert totals["N01"] / full == pytest.approx(0.5, abs=0.05)
    assert run.reps.set_index("rep_id").at["N01", "capacity"] == pytest.approx(0.5)
    # The saved roster reopens as the same reps.
    saved = pd.DataFrame.from_records(run.record.summary["roster"]["reps"])
    assert saved["rep_id"].tolist() == run.reps["rep_id"].tolist()


def test_candidate_cities_are_the_accounts_cities_at_their_real_centres():
    dataset = make_dataset()
    cities = candidate_cities(dataset.accounts, dataset.reps)
    assert set(cities["label"]) >= {"Alpha, KS", "Beta, MO", "North Alpha, NE"}
    # Made-up towns are not in the ZIP table: they stay at their accounts' centre.
    alpha = cities.set_index("label").loc["Alpha, KS"]
    assert alpha["lat"] == pytest.approx(40.0) and alpha["accounts"] == 1
    real = candidate_cities(grid_dataset().accounts)
    wichita = real.set_index("label").loc["Wichita, KS"]
    assert wichita["lat"] == pytest.approx(37.69, abs=0.2)
    assert wichita["lon"] == pytest.approx(-97.34, abs=0.2)


def _towns(*where: tuple[str, float, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "city": [name for name, _, _ in where],
            "state": ["KS"] * len(where),
            "label": [f"{name}, KS" for name, _, _ in where],
            "lat": [lat for _, lat, _ in where],
            "lon": [lon for _, _, lon in where],
            "accounts": [10] * len(where),
        }
    )


def test_a_placed_rep_goes_where_the_uncovered_accounts_are():
    from engine.metrics import account_view
    from engine.roster import place_new_reps

    dataset = grid_dataset(side=8, reps=2)
    west_only = dataset.reps[dataset.reps["rep_id"] == "R1"]  # the east has no rep
    view = account_view(dataset, None)
    towns = _towns(
        ("Westville", 38.5, -100.3), ("Eastville", 38.5, -95.8), ("Faraway", 38.5, -82.0)
    )
    placed, notes = place_new_reps(view, west_only, 1, towns, ramp=0.5)
    assert placed["home_city"].tolist() == ["Eastville"]
    assert placed["name"].tolist() == ["New rep 1 (Eastville)"]
    assert placed["capacity"].tolist() == [0.5] and placed["change"].tolist() == ["placed"]
    assert placed["home_lon"].iloc[0] == pytest.approx(-95.8)
    assert placed["rep_id"].iloc[0] not in set(dataset.reps["rep_id"])
    assert "Placed 1 new reps" in notes[0]


def test_the_placement_problem_keeps_todays_reps_and_gives_hires_a_ramped_share():
    from engine.metrics import account_view
    from engine.roster import placement_problem

    dataset = grid_dataset(side=6, reps=2)
    view = account_view(dataset, None)
    towns = _towns(("Westville", 38.5, -100.3), ("Eastville", 38.5, -95.8), ("Mid", 38.5, -98))
    problem = placement_problem(view, dataset.reps, 1, towns, ramp=0.5)
    reps = len(dataset.reps)
    assert problem.p == reps + 1 and problem.fixed == tuple(range(reps))
    assert problem.cost.shape == (len(problem.workload), reps + len(towns))
    assert problem.cities["city"].tolist() == ["Westville", "Eastville", "Mid"]
    # Every site may carry its FTE share of the team's workload plus 15 %; hires carry 0.5 FTE.
    fte = np.concatenate([dataset.reps["capacity"].to_numpy(float), [0.5] * len(towns)])
    per_fte = problem.workload.sum() / (dataset.reps["capacity"].sum() + 0.5) * 1.15
    np.testing.assert_allclose(problem.capacity, fte * per_fte)
    assert problem.workload.sum() == pytest.approx(view["workload_hours"].sum())


def test_placement_says_when_there_are_too_few_cities():
    from engine.metrics import account_view
    from engine.roster import place_new_reps

    dataset = grid_dataset(side=6, reps=2)
    view = account_view(dataset, None)
    towns = _towns(("Westville", 38.5, -100.3), ("Eastville", 38.5, -95.8))
    with pytest.raises(ValueError, match="only 2 candidate cities for 3 new reps"):
        place_new_reps(view, dataset.reps, 3, towns)
    with pytest.raises(ValueError, match="no account is in a city of MO"):
        place_new_reps(view, dataset.reps, 1, towns, state="MO")
