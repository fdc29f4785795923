"""The team editor's tables become a roster, or an error naming the table, row and column."""

from __future__ import annotations

import pandas as pd
import pytest
from tiny_data import make_dataset

from engine.roster import NewRep, RepEdit, Roster, candidate_cities
from ui.roster_editor import hires_table, roster_from_tables, team_table


@pytest.fixture
def parts():
    dataset = make_dataset()
    cities = candidate_cities(dataset.accounts, dataset.reps)
    return dataset.reps, cities


def test_untouched_tables_are_todays_team(parts):
    reps, cities = parts
    roster = roster_from_tables(
        reps, team_table(reps, Roster(), cities), hires_table(Roster()), cities
    )
    assert roster == Roster()


def test_edits_removals_and_hires_become_the_roster(parts):
    reps, cities = parts
    team = team_table(reps, Roster(), cities)
    team.loc[0, ["FTE", "Home"]] = [0.6, "Beta, MO"]
    team.loc[1, "Keep"] = False
    hires = pd.DataFrame(
        {"Name": ["Sam Hale", None], "City": ["Alpha, KS", None], "FTE": [1.0, None]}
    )
    roster = roster_from_tables(reps, team, hires, cities, auto_hires=2, auto_state="MO", ramp=0.6)
    beta = cities.set_index("label").loc["Beta, MO"]
    assert roster.removed == ("R2",)
    assert roster.edits == (
        RepEdit("R1", capacity=0.6, city="Beta", state="MO", lat=beta["lat"], lon=beta["lon"]),
    )
    assert [h.name for h in roster.added] == ["Sam Hale"]
    assert (roster.auto_hires, roster.auto_state, roster.ramp) == (2, "MO", 0.6)
    # Shown again (e.g. when the scenario is cloned), the tables say the same.
    again = team_table(reps, roster, cities)
    assert again["Keep"].tolist() == [True, False] and again.at[0, "Home"] == "Beta, MO"
    assert hires_table(roster)["Name"].tolist() == ["Sam Hale"]


def test_bad_cells_are_named(parts):
    reps, cities = parts
    team = team_table(reps, Roster(), cities)
    team.loc[1, "FTE"] = 3.0
    with pytest.raises(ValueError, match=r"Team table, row 2 \(Lee Park\), column FTE"):
        roster_from_tables(reps, team, hires_table(Roster()), cities)
    hires = pd.DataFrame({"Name": ["Sam"], "City": ["Atlantis, ZZ"], "FTE": [1.0]})
    with pytest.raises(ValueError, match="New hires table, row 1, column City"):
        roster_from_tables(reps, team_table(reps, Roster(), cities), hires, cities)
    hires = pd.DataFrame({"Name": [""], "City": ["Alpha, KS"], "FTE": [1.0]})
    with pytest.raises(ValueError, match="New hires table, row 1, column Name"):
        roster_from_tables(reps, team_table(reps, Roster(), cities), hires, cities)


def test_hire_rows_round_trip(parts):
    roster = Roster(added=(NewRep("Sam", "Alpha", "KS", 40.0, -100.0, capacity=0.8),))
    assert hires_table(roster).to_dict("records") == [
        {"Name": "Sam", "City": "Alpha, KS", "FTE": 0.8}
    ]
