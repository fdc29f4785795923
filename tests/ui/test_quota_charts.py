"""Quota chart builders: the reps, series and rules they draw."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ui import charts


def plan_reps() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rep_id": ["R1", "R2", "N01"],
            "name": ["Dana Reyes", "Lee Park", "Sam Hale"],
            "quota": [200.0, 100.0, 25.0],
            "last_revenue": [180.0, 90.0, 0.0],
            "potential": [600.0, 200.0, 150.0],
            "fairness_ratio": [1 / 3, 0.5, 1 / 3],
            "ramp": [1.0, 1.0, 0.5],
            "stretched": [False, True, False],
        }
    )


def datasets(chart) -> list[pd.DataFrame]:
    spec = chart.to_dict()
    return [pd.DataFrame(rows) for rows in spec["datasets"].values()]


def test_quota_per_rep_draws_quota_and_revenue_in_dollars_and_the_ratio_beside():
    chart = charts.quota_per_rep(plan_reps(), median_ratio=1 / 3, stretch_limit=1.25)
    spec = chart.to_dict()
    assert len(spec["hconcat"]) == 2
    frames = datasets(chart)
    long = next(f for f in frames if "series" in f)
    assert set(long["series"]) == {"Quota", "Revenue last year"} and len(long) == 6
    wide = next(f for f in frames if "fairness_ratio" in f)
    assert wide.set_index("name").at["Lee Park", "stretched"] == "stretched"
    rules = next(f for f in frames if "label" in f)
    assert np.allclose(sorted(rules["x"]), [1 / 3, 1.25 / 3])


def test_attainment_ranges_leave_out_reps_without_a_quota_and_sort_by_chance():
    risk = pd.DataFrame(
        {
            "rep_id": ["R1", "R2", "R3"],
            "name": ["Dana Reyes", "Lee Park", "Nobody"],
            "quota": [200.0, 100.0, 0.0],
            "expected_revenue": [210.0, 90.0, 5.0],
            "expected_attainment": [1.05, 0.9, np.nan],
            "attainment_p10": [0.9, 0.7, np.nan],
            "attainment_p90": [1.2, 1.1, np.nan],
            "p_hit": [0.6, 0.3, np.nan],
        }
    )
    chart = charts.attainment_ranges(risk)
    data = next(f for f in datasets(chart) if "p_hit" in f)
    assert data["name"].tolist() == ["Dana Reyes", "Lee Park"]
    assert data["likely"].tolist() == ["more likely than not", "less likely"]
    y = chart.to_dict()["hconcat"][0]["layer"][1]["encoding"]["y"]
    assert y["sort"] == ["Dana Reyes", "Lee Park"]


def test_two_plans_side_by_side_keep_their_order_and_reps_one_plan_lacks():
    quotas = pd.DataFrame(
        {
            "name": ["Dana Reyes", "Lee Park", "Dana Reyes", "Lee Park", "Sam Hale"],
            "plan": ["Left: A"] * 2 + ["Right: B"] * 3,
            "quota": [200.0, 100.0, 150.0, 100.0, 50.0],
            "p_hit": [0.5, 0.6, 0.7, 0.6, 0.9],
        }
    )
    chart = charts.quota_plans_side_by_side(quotas, ["Left: A", "Right: B"])
    spec = chart.to_dict()
    assert spec["encoding"]["color"]["sort"] == ["Left: A", "Right: B"]
    assert len(datasets(chart)[0]) == 5
