"""Compare's tables, shaped for people and for the meeting exports (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from ui import format as fmt

ACCOUNT_COLUMNS = ["account_id", "name", "city", "state", "revenue", "potential"]


def kpi_table(table: pd.DataFrame, alignments: Sequence[str], base: str) -> pd.DataFrame:
    """Return `compare_kpis` output as text: each alignment's value, and its change against `base`.

    The change reads "+12 km (better)": signed in the KPI's unit, with whether
    it is an improvement.
    """
    kinds = table["kind"]
    shown = pd.DataFrame({"KPI": table["label"]})
    for name in alignments:
        shown[name] = [fmt.by_kind(v, k) for v, k in zip(table[name], kinds, strict=True)]
        if name != base:
            shown[f"{name}: change"] = [
                f"{fmt.signed(d, k)} ({r})"
                for d, k, r in zip(table[f"{name} Δ"], kinds, table[f"{name} reading"], strict=True)
            ]
    return shown


def assignments(view: pd.DataFrame, owner_columns: Mapping[str, str]) -> pd.DataFrame:
    """Return every account with its rep in each alignment, one column per alignment's label."""
    table = view[ACCOUNT_COLUMNS].copy()
    for label, column in owner_columns.items():
        table[label] = view[column]
    return table
