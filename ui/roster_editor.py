"""The Scenario builder's team editor: today's reps and new hires as editable tables.

`roster_from_tables` (pure, no Streamlit) turns the edited tables into an
`engine.roster.Roster`, naming the table, row and column of anything it cannot
use; `team_editor` draws the tables inside the builder's form.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from engine.roster import DEFAULT_RAMP, NewRep, RepEdit, Roster

ANYWHERE = "Anywhere"


def team_table(reps: pd.DataFrame, roster: Roster, cities: pd.DataFrame) -> pd.DataFrame:
    """Return today's reps as the editor shows them, with a saved roster's changes applied."""
    edits = {e.rep_id: e for e in roster.edits}
    rows = []
    for rep in reps.itertuples():
        edit = edits.get(rep.rep_id)
        home = f"{rep.home_city}, {rep.home_state}"
        if edit is not None and edit.city is not None:
            home = f"{edit.city}, {edit.state}"
        rows.append(
            {
                "Keep": rep.rep_id not in roster.removed,
                "Rep": f"{rep.name} ({rep.rep_id})",
                "Home": home,
                "FTE": float(edit.capacity if edit and edit.capacity else rep.capacity),
                "Seniority": (edit.seniority if edit and edit.seniority else rep.seniority),
            }
        )
    return pd.DataFrame(rows, columns=["Keep", "Rep", "Home", "FTE", "Seniority"])


def hires_table(roster: Roster) -> pd.DataFrame:
    """Return a saved roster's named hires as the editor shows them."""
    return pd.DataFrame(
        [{"Name": h.name, "City": f"{h.city}, {h.state}", "FTE": h.capacity} for h in roster.added],
        columns=["Name", "City", "FTE"],
    ).astype({"Name": "string", "City": "string", "FTE": "float64"})


def _city(label: object, cities: pd.DataFrame, where: str) -> pd.Series:
    by_label = cities.set_index("label")
    if not isinstance(label, str) or label not in by_label.index:
        raise ValueError(f"{where}: pick a city from the list (got {label!r})")
    return by_label.loc[label]


def roster_from_tables(
    reps: pd.DataFrame,
    team: pd.DataFrame,
    hires: pd.DataFrame,
    cities: pd.DataFrame,
    auto_hires: int = 0,
    auto_state: str = ANYWHERE,
    ramp: float = DEFAULT_RAMP,
) -> Roster:
    """Return the roster the edited tables describe (today's row order in `team`).

    Raises ValueError naming the table, row and column of a value that cannot
    be used (a city not in the list, a capacity out of range, a hire with no name).
    """
    removed, edits = [], []
    for i, (rep, row) in enumerate(zip(reps.itertuples(), team.itertuples(), strict=True), 1):
        where = f"Team table, row {i} ({rep.name})"
        if not bool(row.Keep):
            removed.append(rep.rep_id)
            continue
        change: dict[str, object] = {}
        fte = float(row.FTE) if pd.notna(row.FTE) else float("nan")
        if not 0 < fte <= 2:
            raise ValueError(f"{where}, column FTE: capacity must be between 0 and 2 (got {fte})")
        if abs(fte - float(rep.capacity)) > 1e-9:
            change["capacity"] = fte
        if pd.notna(row.Seniority) and row.Seniority != rep.seniority:
            change["seniority"] = str(row.Seniority)
        if row.Home != f"{rep.home_city}, {rep.home_state}":
            city = _city(row.Home, cities, f"{where}, column Home")
            change.update(
                city=str(city["city"]),
                state=str(city["state"]),
                lat=float(city["lat"]),
                lon=float(city["lon"]),
            )
        if change:
            edits.append(RepEdit(rep.rep_id, **change))
    added = []
    for i, row in enumerate(hires.itertuples(), 1):
        name = "" if pd.isna(row.Name) else str(row.Name).strip()
        if not name and pd.isna(row.City):
            continue  # an empty row the editor added
        where = f"New hires table, row {i}"
        if not name:
            raise ValueError(f"{where}, column Name: a new rep needs a name")
        city = _city(row.City, cities, f"{where}, column City")
        fte = 1.0 if pd.isna(row.FTE) else float(row.FTE)
        if not 0 < fte <= 2:
            raise ValueError(f"{where}, column FTE: capacity must be between 0 and 2 (got {fte})")
        added.append(
            NewRep(
                name=name,
                city=str(city["city"]),
                state=str(city["state"]),
                lat=float(city["lat"]),
                lon=float(city["lon"]),
                capacity=fte,
            )
        )
    return Roster(
        added=tuple(added),
        removed=tuple(removed),
        edits=tuple(edits),
        auto_hires=int(auto_hires),
        auto_state=None if auto_state == ANYWHERE else auto_state,
        ramp=float(ramp),
    )


def team_editor(
    reps: pd.DataFrame, cities: pd.DataFrame, roster: Roster, key: str
) -> tuple[pd.DataFrame, pd.DataFrame, int, str, float]:
    """Draw the team tables and placement settings; return what the leader entered.

    Call inside a form: the edits are read when the form is submitted.
    """
    labels = list(cities["label"])
    seniorities = sorted({*reps["seniority"].dropna().astype(str), "New hire"})
    st.caption(
        "Untick **Keep** to remove a rep (their accounts are shared out); change a home city, "
        "capacity (FTE) or seniority; add named hires below, or let Realign place new reps "
        "where they cut driving most."
    )
    team = st.data_editor(
        team_table(reps, roster, cities),
        hide_index=True,
        width="stretch",
        disabled=["Rep"],
        column_config={
            "Keep": st.column_config.CheckboxColumn(help="Untick to remove this rep"),
            "Home": st.column_config.SelectboxColumn(options=labels, required=True),
            "FTE": st.column_config.NumberColumn(min_value=0.1, max_value=2.0, step=0.1),
            "Seniority": st.column_config.SelectboxColumn(options=seniorities),
        },
        key=f"{key}_team",
    )
    st.markdown("**New hires**")
    hires = st.data_editor(
        hires_table(roster),
        hide_index=True,
        width="stretch",
        num_rows="dynamic",
        column_config={
            "Name": st.column_config.TextColumn(required=True),
            "City": st.column_config.SelectboxColumn(options=labels, required=True),
            "FTE": st.column_config.NumberColumn(
                min_value=0.1, max_value=2.0, step=0.1, default=1.0
            ),
        },
        key=f"{key}_hires",
    )
    c1, c2, c3 = st.columns(3)
    auto = c1.number_input(
        "Let Realign place new reps", 0, 20, int(roster.auto_hires), key=f"{key}_auto"
    )
    states = [ANYWHERE, *sorted(cities["state"].dropna().astype(str).unique())]
    state = c2.selectbox(
        "…in cities of",
        states,
        index=states.index(roster.auto_state) if roster.auto_state in states else 0,
        key=f"{key}_auto_state",
    )
    ramp = c3.slider(
        "A new hire's capacity in year one (%)",
        10,
        100,
        round(roster.ramp * 100),
        step=5,
        key=f"{key}_ramp",
        help="New reps ramp up: in their first year they carry this share of a full load.",
    )
    return team, hires, int(auto), str(state), ramp / 100
