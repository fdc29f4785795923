"""Tiny quota inputs for the quota engine's tests: reps, next-year outcomes, a plan by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.quota import QuotaSettings, allocate_quotas


def reps_frame(
    potential: list[float],
    last_revenue: list[float] | None = None,
    capacity: list[float] | None = None,
    **extra: list[float],
) -> pd.DataFrame:
    n = len(potential)
    return pd.DataFrame(
        {
            "rep_id": [f"R{i + 1}" for i in range(n)],
            "name": [f"Rep {i + 1}" for i in range(n)],
            "capacity": capacity if capacity is not None else [1.0] * n,
            "potential": potential,
            "last_revenue": last_revenue if last_revenue is not None else potential,
            **extra,
        }
    )


def outcomes_frame(p: list[float], revenue: list[float], sd: list[float]) -> pd.DataFrame:
    p_arr, m = np.asarray(p, dtype=float), np.asarray(revenue, dtype=float)
    return pd.DataFrame(
        {
            "account_id": [f"A{i:04d}" for i in range(len(p))],
            "status": "customer",
            "p_active": p_arr,
            "revenue_if_active": m,
            "expected_revenue": p_arr * m,
            "noise_sd": np.asarray(sd, dtype=float),
        }
    )


def plan_with_quotas(quotas: list[float], names: list[str] | None = None):
    """A plan whose quotas are exactly `quotas` (revenue method, target = their sum, unit 1)."""
    reps = reps_frame(potential=[1.0] * len(quotas), last_revenue=quotas)
    if names:
        reps["name"] = names
    return allocate_quotas(reps, QuotaSettings(method="revenue", round_to=1.0))
