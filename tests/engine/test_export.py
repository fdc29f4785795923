"""Meeting workbook: every sheet there, assignments round-trip exactly."""

from __future__ import annotations

import io

import pandas as pd

from engine.export import SHEETS, workbook


def test_workbook_round_trips_the_assignments():
    assignments = pd.DataFrame(
        {"account_id": ["A1", "A2", "A3"], "today": ["R1", "R1", "R2"], "plan": ["R1", "R2", "R2"]}
    )
    data = workbook(
        summary=pd.DataFrame({"KPI": ["Moved"], "today": [0.0], "plan": [1.0]}),
        per_rep=pd.DataFrame({"rep_id": ["R1", "R2"], "potential": [10.5, 20.25]}),
        assignments=assignments,
        moved=assignments.iloc[[1]],
    )
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None)
    assert tuple(sheets) == SHEETS
    pd.testing.assert_frame_equal(sheets["Assignments"], assignments)
    assert sheets["Per rep"]["potential"].tolist() == [10.5, 20.25]
    assert sheets["Moved accounts"]["account_id"].tolist() == ["A2"]
