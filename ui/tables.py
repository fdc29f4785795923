"""Pure table builders shared by the pages (DataFrames in, DataFrames out)."""

from __future__ import annotations

import pandas as pd


def moves(
    view: pd.DataFrame,
    from_col: str,
    to_col: str,
    rep_names: pd.Series,
    reasons: pd.Series | None = None,
    rep: str | None = None,
) -> pd.DataFrame:
    """Return the accounts whose rep differs between two owner columns, largest potential first.

    Columns: Account, City, From, To (rep names), Revenue ($), Potential ($), Why (the
    optimiser's reason, when given). With `rep`, only moves from or to that
    rep's name are kept.
    """
    diff = view[view[from_col].fillna("") != view[to_col].fillna("")]
    table = pd.DataFrame(
        {
            "Account": diff["name"],
            "City": diff["city"].fillna("") + ", " + diff["state"].fillna(""),
            "From": diff[from_col].map(rep_names).fillna("Unassigned"),
            "To": diff[to_col].map(rep_names).fillna("Unassigned"),
            "Revenue ($)": diff["revenue"].round(),
            "Potential ($)": diff["potential"].round(),
            "Why": diff["account_id"].map(reasons).fillna("") if reasons is not None else "",
        }
    )
    if rep:
        table = table[(table["From"] == rep) | (table["To"] == rep)]
    return table.sort_values("Potential ($)", ascending=False)


# Whole dollars with thousands separators, still sortable as numbers.
MONEY_COLUMNS = ("Revenue ($)", "Potential ($)")
