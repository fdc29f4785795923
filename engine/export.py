"""Downloads that are data, not code: CSV files and the meeting workbook.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula
(and a tab or carriage return can hide one), so an account named
`=HYPERLINK(...)` in a download would become a live link, or worse, on the
machine of whoever opens it. Every download goes through `inert` (the one rule
for which cells are at risk): a CSV writes such a cell with a leading
apostrophe, which Excel shows as plain text; the workbook writes it as a text
cell (marked with Excel's quote prefix, so it stays text when edited).
Numbers are never touched: -5 stays a number.
"""

from __future__ import annotations

import io

import pandas as pd

SHEETS = ("Summary", "Per rep", "Assignments", "Moved accounts")
# The characters a spreadsheet reads as the start of a formula (OWASP's CSV injection list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: object) -> bool:
    """Return whether a spreadsheet would read this cell as a formula: text starting with one."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def inert(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of the table whose formula-like text cells and headers start with `'`."""
    out = frame.copy()
    out.columns = [f"'{c}" if formula_like(c) else c for c in out.columns]
    for i in range(out.shape[1]):
        column = out.iloc[:, i]
        if column.dtype.kind in "biufcmM":  # numbers, booleans and dates are never formulas
            continue
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        risky = column.map(formula_like, na_action="ignore").fillna(False).astype(bool)
        if risky.any():
            out.isetitem(i, column.where(~risky, "'" + column[risky].astype(str)))
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """Return the table as a CSV download: UTF-8 with a BOM (Excel reads accents), formulas inert.

    Rows end in CRLF, as RFC 4180 and Excel write them, so a cell holding a lone
    carriage return is quoted (the csv module quotes only its line ending's characters).
    """
    return inert(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def workbook(
    summary: pd.DataFrame,
    per_rep: pd.DataFrame,
    assignments: pd.DataFrame,
    moved: pd.DataFrame,
) -> bytes:
    """Return an .xlsx with the KPI summary, the per-rep table, every assignment and the moves.

    Values are written as numbers (not formatted text) so the sheets can be
    sorted and summed in Excel; column widths are set for reading. A text cell
    that looks like a formula is written as text (see the module's docstring).
    """
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in zip(SHEETS, (summary, per_rep, assignments, moved), strict=True):
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            _text_not_formulas(sheet)
            for i, column in enumerate(frame.columns):
                width = max([len(str(column)), *(len(str(v)) for v in frame[column].head(200))])
                sheet.column_dimensions[sheet.cell(row=1, column=i + 1).column_letter].width = min(
                    60, width + 2
                )
            sheet.freeze_panes = "A2"
    return buffer.getvalue()


def _text_not_formulas(sheet) -> None:
    """Make every formula-like cell of an openpyxl sheet a text cell with Excel's quote prefix.

    openpyxl stores any string that starts with `=` as a formula; Realign
    writes no formulas, so every such cell came from the data.
    """
    for row in sheet.iter_rows():
        for cell in row:
            if formula_like(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True
