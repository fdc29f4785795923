"""Meeting exports: a comparison or scenario as one Excel workbook."""

from __future__ import annotations

import io

import pandas as pd

SHEETS = ("Summary", "Per rep", "Assignments", "Moved accounts")


def workbook(
    summary: pd.DataFrame,
    per_rep: pd.DataFrame,
    assignments: pd.DataFrame,
    moved: pd.DataFrame,
) -> bytes:
    """Return an .xlsx with the KPI summary, the per-rep table, every assignment and the moves.

    Values are written as numbers (not formatted text) so the sheets can be
    sorted and summed in Excel; column widths are set for reading.
    """
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in zip(SHEETS, (summary, per_rep, assignments, moved), strict=True):
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            for i, column in enumerate(frame.columns):
                width = max([len(str(column)), *(len(str(v)) for v in frame[column].head(200))])
                sheet.column_dimensions[sheet.cell(row=1, column=i + 1).column_letter].width = min(
                    60, width + 2
                )
            sheet.freeze_panes = "A2"
    return buffer.getvalue()
