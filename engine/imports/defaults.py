"""What an account or a rep gets when the export does not say: every default named, shown, editable.

A CRM export has no TAV, no size segment from Realign's list, no visit plan and
no rep homes. `ImportDefaults` holds the rules that fill them, each one a field
the Data page shows and lets the analyst change:

* **size segment**: from employees (below 100 is SMB, from 1,000 Enterprise),
  else from annual revenue (below $50M SMB, from $1B Enterprise), else the
  segment's fallback (SMB). A segment column, if mapped, is read as is.
* **TAV**: `tav_share` of annual revenue (1 %), else the segment's TAV from
  the segment table.
* **visits and minutes**: the segment's call plan (the segment table).
* **industry**: "Unknown" when empty.
* **reps**: 1.0 FTE, `rep_cost` a year, `rep_seniority`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from engine import schema


@dataclass(frozen=True)
class SegmentPlan:
    """What an account of one size segment gets by default: TAV if unknown, and its call plan."""

    segment: str
    tav: float  # yearly TAV in USD when the export has neither TAV nor annual revenue
    visits_per_year: float
    minutes_per_visit: float


DEFAULT_PLANS: tuple[SegmentPlan, ...] = (
    SegmentPlan("SMB", 40_000.0, 4.0, 45.0),
    SegmentPlan("Mid-Market", 200_000.0, 8.0, 60.0),
    SegmentPlan("Enterprise", 1_200_000.0, 16.0, 90.0),
)


@dataclass(frozen=True)
class ImportDefaults:
    """The rules that fill what a CRM export leaves out (see the module docstring)."""

    industry: str = "Unknown"
    employee_bands: tuple[float, float] = (100.0, 1_000.0)  # Mid-Market from, Enterprise from
    revenue_bands: tuple[float, float] = (50e6, 1e9)  # annual revenue, USD
    fallback_segment: str = "SMB"
    tav_share: float = 0.01  # TAV = this share of annual revenue
    plans: tuple[SegmentPlan, ...] = field(default=DEFAULT_PLANS)
    rep_capacity: float = 1.0
    rep_cost: float = 150_000.0
    rep_seniority: str = "Mid"
    gap_years: int = 0  # years without revenue between two with revenue still counted active

    def plan(self, segment: str) -> SegmentPlan:
        """Return the defaults of one size segment."""
        return next(p for p in self.plans if p.segment == segment)

    def plans_table(self) -> pd.DataFrame:
        """Return the segment table as the page shows and edits it."""
        return pd.DataFrame(
            {
                "Segment": [p.segment for p in self.plans],
                "TAV if unknown": [p.tav for p in self.plans],
                "Visits per year": [p.visits_per_year for p in self.plans],
                "Minutes per visit": [p.minutes_per_visit for p in self.plans],
            }
        )

    def with_plans_table(self, table: pd.DataFrame) -> ImportDefaults:
        """Return these defaults with the segment table as edited; raise ValueError if unusable."""
        plans = []
        for segment in schema.SEGMENTS:
            row = table[table["Segment"] == segment]
            if row.empty:
                raise ValueError(f"the segment table has no row for {segment}")
            values = [float(row.iloc[0][c]) for c in table.columns[1:4]]
            if not all(np.isfinite(v) and v >= 0 for v in values):
                raise ValueError(f"{segment}: TAV, visits and minutes must be numbers, 0 or more")
            plans.append(SegmentPlan(segment, *values))
        return replace(self, plans=tuple(plans))


def segment_from_size(
    employees: pd.Series, revenue: pd.Series, defaults: ImportDefaults
) -> tuple[pd.Series, pd.Series]:
    """Return each account's size segment and what set it ('employees', 'annual revenue', 'fallback').

    Employees win over annual revenue; bands are `[low, high)`: below the first
    bound is SMB, from the second Enterprise.
    """
    small, large = schema.SEGMENTS[0], schema.SEGMENTS[-1]
    middle = schema.SEGMENTS[1]

    def band(values: pd.Series, bounds: tuple[float, float]) -> np.ndarray:
        v = values.to_numpy(dtype=float, na_value=np.nan)
        return np.where(v >= bounds[1], large, np.where(v >= bounds[0], middle, small))

    emp = employees.to_numpy(dtype=float, na_value=np.nan)
    rev = revenue.to_numpy(dtype=float, na_value=np.nan)
    segment = np.where(
        ~np.isnan(emp),
        band(employees, defaults.employee_bands),
        np.where(~np.isnan(rev), band(revenue, defaults.revenue_bands), defaults.fallback_segment),
    )
    source = np.where(
        ~np.isnan(emp), "employees", np.where(~np.isnan(rev), "annual revenue", "fallback")
    )
    return pd.Series(segment, index=employees.index), pd.Series(source, index=employees.index)


def tav_from_revenue(
    revenue: pd.Series, segment: pd.Series, defaults: ImportDefaults
) -> tuple[pd.Series, pd.Series]:
    """Return each account's TAV (`tav_share` × annual revenue, else the segment's) and its source."""
    by_segment = {p.segment: p.tav for p in defaults.plans}
    rev = revenue.to_numpy(dtype=float, na_value=np.nan)
    fallback = segment.map(by_segment).to_numpy(dtype=float)
    tav = np.where(np.isnan(rev), fallback, rev * defaults.tav_share)
    source = np.where(np.isnan(rev), "segment", "annual revenue")
    return pd.Series(tav, index=revenue.index), pd.Series(source, index=revenue.index)


def call_plan(segment: pd.Series, defaults: ImportDefaults) -> tuple[pd.Series, pd.Series]:
    """Return each account's visits per year and minutes per visit from its segment's plan."""
    visits = segment.map({p.segment: p.visits_per_year for p in defaults.plans})
    minutes = segment.map({p.segment: p.minutes_per_visit for p in defaults.plans})
    return visits.astype("float64"), minutes.astype("float64")
