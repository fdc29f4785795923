"""The accounts that change rep, as a sortable table with its CSV download (Streamlit)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from engine.export import csv_bytes
from ui import tables


def moves_table(moves: pd.DataFrame, label: str, file_name: str, key: str | None = None) -> None:
    """Draw a `ui.tables.moves` table, dollars with separators, and a button to download it."""
    st.dataframe(
        moves,
        hide_index=True,
        width="stretch",
        column_config={
            c: st.column_config.NumberColumn(format="localized") for c in tables.MONEY_COLUMNS
        },
    )
    st.download_button(
        label,
        csv_bytes(moves),
        file_name=file_name,
        mime="text/csv",
        key=key,
    )
