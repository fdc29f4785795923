"""Compare's tables: the KPIs of several alignments against a base, and every account's rep."""

from __future__ import annotations

import functools

import pandas as pd
import pytest
from tiny_data import make_dataset

from engine.metrics import KPIS, account_view, compare_kpis, score_alignment
from engine.roster import NewRep, Roster, apply_roster
from ui.compare_view import ACCOUNT_COLUMNS, assignments, kpi_table


@functools.cache
def _scored():
    """Today; Birch given to Lee; and a hire, Sam Hale (Lee's town), given the prospect Delta."""
    dataset = make_dataset()
    view = account_view(dataset).assign(
        owner_b=["R1", "R2", "R2", None],
        owner_c=["R1", "R1", "R2", "N01"],
    )
    hired = apply_roster(
        dataset.reps, Roster(added=(NewRep("Sam Hale", "Beta", "MO", 40.0, -90.0),))
    ).reps
    scored = {
        "Today": score_alignment(view, dataset.reps),
        "Birch to Lee": score_alignment(view, dataset.reps, "owner_b"),
        "Hire Sam": score_alignment(view, hired, "owner_c"),
    }
    return view, scored


NAMES = ["Today", "Birch to Lee", "Hire Sam"]


def _table(base: str = "Today", shown: list[str] = NAMES) -> pd.DataFrame:
    table = kpi_table(compare_kpis(_scored()[1], base), shown, base)
    return table.set_index("KPI")


def test_the_base_has_values_only_and_every_other_alignment_a_change_beside_it():
    table = kpi_table(compare_kpis(_scored()[1], "Today"), NAMES, "Today")
    assert list(table.columns) == [
        "KPI",
        "Today",
        "Birch to Lee",
        "Birch to Lee: change",
        "Hire Sam",
        "Hire Sam: change",
    ]
    assert table["KPI"].tolist() == [kpi.label for kpi in KPIS]


def test_moving_birch_to_lee_reads_as_one_account_moved_and_worse():
    table = _table()
    moved = table.loc["Accounts that change rep"]
    assert (moved["Today"], moved["Birch to Lee"]) == ("0", "1")
    assert moved["Birch to Lee: change"] == "+1 (worse)"
    # Delta had no rep today: giving it to Sam assigns it, it does not move it.
    assert moved["Hire Sam: change"] == "±0 (same)"
    share = table.loc["Revenue that changes rep"]  # Birch's $100 of the $250
    assert (share["Birch to Lee"], share["Birch to Lee: change"]) == ("40 %", "+40 pts (worse)")
    # Birch is about 850 km from Lee's home: beyond the 250 km reach.
    assert table.loc["Accounts beyond reach", "Birch to Lee: change"] == "+1 (worse)"


def test_a_change_of_a_spread_is_in_points():
    # Workload per FTE today: Dana 3 h, Lee 3 h on half time = 6 → CV 1.5 ÷ 4.5.
    # With Birch: Dana 2 h, Lee 4 h on half time = 8 → CV 3 ÷ 5.
    row = _table().loc["Workload spread per FTE (CV)"]
    assert (row["Today"], row["Birch to Lee"]) == ("33 %", "60 %")
    assert row["Birch to Lee: change"] == "+27 pts (worse)"


def test_a_hire_adds_a_rep_and_its_cost_and_can_shorten_the_drive():
    row = _table().loc[["Reps", "Cost of the team", "Mean distance to rep"]]
    assert row.loc["Reps", "Hire Sam"] == "3"
    assert row.loc["Reps", "Hire Sam: change"] == "+1 (changed)"  # neither better nor worse
    # Sam costs the median of today's $200k and $90k.
    assert row.loc["Cost of the team", "Today"] == "$290k"
    assert row.loc["Cost of the team", "Hire Sam"] == "$435k"
    assert row.loc["Cost of the team", "Hire Sam: change"] == "+$145k (worse)"
    # Delta sits at Sam's home: the mean over 4 accounts of (0, 111, 0, 0) km against 3.
    assert row.loc["Mean distance to rep", "Today"] == "37 km"
    assert row.loc["Mean distance to rep", "Hire Sam"] == "28 km"
    assert row.loc["Mean distance to rep", "Hire Sam: change"] == "-9 km (better)"


def test_an_unchanged_kpi_reads_same_and_an_infinite_one_has_no_number():
    table = _table()
    assert table.loc["Potential (forecast)", "Birch to Lee: change"] == "±0 (same)"
    # Sam's only account is a prospect: his load is zero, so highest ÷ lowest is infinite.
    ratio = table.loc["Potential highest ÷ lowest rep"]
    assert ratio["Hire Sam"] == "∞"
    assert ratio["Hire Sam: change"] == "– (worse)"


def test_against_another_base_the_signs_turn_around():
    table = _table("Birch to Lee", ["Today", "Birch to Lee"])
    assert list(table.columns) == ["Today", "Today: change", "Birch to Lee"]
    assert table.loc["Accounts that change rep", "Today: change"] == "-1 (better)"
    assert table.loc["Workload spread per FTE (CV)", "Today: change"] == "-27 pts (better)"


def test_only_the_alignments_asked_for_are_shown():
    table = _table(shown=["Today", "Hire Sam"])
    assert list(table.columns) == ["Today", "Hire Sam", "Hire Sam: change"]


def test_assignments_show_every_account_with_its_rep_in_each_alignment():
    view, _ = _scored()
    before = view.copy()
    owners = {"Today": "owner_rep_id", "Birch to Lee": "owner_b", "Hire Sam": "owner_c"}
    table = assignments(view, owners)
    assert list(table.columns) == [*ACCOUNT_COLUMNS, "Today", "Birch to Lee", "Hire Sam"]
    assert table["name"].tolist() == ["Acme", "Birch", "Cedar", "Delta"]
    assert table["revenue"].tolist() == [100.0, 100.0, 50.0, 0.0]
    assert table["Today"].tolist()[:3] == ["R1", "R1", "R2"]
    assert pd.isna(table["Today"].iloc[3])  # Delta has no rep today
    assert table["Birch to Lee"].tolist()[:3] == ["R1", "R2", "R2"]
    assert table["Hire Sam"].tolist() == ["R1", "R1", "R2", "N01"]
    pd.testing.assert_frame_equal(view, before)  # the view is left as it was


def test_assignments_follow_the_labels_order_and_may_repeat_a_column():
    view, _ = _scored()
    table = assignments(view, {"Right": "owner_b", "Left": "owner_rep_id", "Again": "owner_b"})
    assert list(table.columns)[len(ACCOUNT_COLUMNS) :] == ["Right", "Left", "Again"]
    assert table["Right"].tolist() == table["Again"].tolist()
    assert assignments(view, {}).columns.tolist() == ACCOUNT_COLUMNS


def test_a_view_without_the_account_columns_is_refused():
    view, _ = _scored()
    with pytest.raises(KeyError):
        assignments(view.drop(columns=["city"]), {"Today": "owner_rep_id"})
