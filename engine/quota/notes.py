"""What the quota engine says about a plan: notes that carry their kind beside their wording.

A page picks the notes it shows by kind (the target missed goes in a
warning, the stretched reps beside their names), never by matching the
English, so the wording can change without breaking a page.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class NoteKind(enum.StrEnum):
    """What a note is about. The value is what a saved plan stores beside the note's text."""

    # The plan (`allocate_quotas`).
    TARGET_MISSED = "target_missed"  # the caps cannot reach the target: by how much, what to widen
    TARGET_ROUNDED = "target_rounded"  # the target moved to the nearest rounding unit
    RAMPING_REPS = "ramping_reps"  # which reps carry a ramped share, and where the rest went
    HELD_AT_CAP = "held_at_cap"  # how many reps the change cap held at its edge
    NARROW_CAP = "narrow_cap"  # reps whose cap band holds no whole rounding unit
    # Its fairness (`quota_fairness`).
    NO_POTENTIAL = "no_potential"  # a rep without potential: no quota ÷ potential ratio
    NOT_MEASURABLE = "not_measurable"  # no rep has potential: fairness cannot be measured
    UNBOUNDED_SPREAD = "unbounded_spread"  # a rep with potential but no quota
    STRETCHED_REPS = "stretched_reps"  # reps asked for more than the stretch limit × the median
    # Its attainment risk (`attainment_risk`).
    TOO_HARD = "too_hard"  # fewer reps than the low share expected to reach quota
    TOO_EASY = "too_easy"  # more reps than the high share expected to reach quota
    NO_QUOTA = "no_quota"  # reps without a quota, so without an attainment
    UNASSIGNED_REVENUE = "unassigned_revenue"  # expected revenue on accounts no rep owns
    # Read back from a plan saved before notes carried their kind.
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Note:
    """One thing the engine says about a plan: what it is about (`kind`) and in words (`text`)."""

    kind: NoteKind
    text: str


def _money(value: float) -> str:
    sign = "−" if value < 0 else ""
    return f"{sign}${abs(value):,.0f}"


def _pct(value: float) -> str:
    return f"{value * 100:.0f} %"
