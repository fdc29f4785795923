"""Notes: what an engine result wants a person to know, with a kind a page can select by.

A page picks the notes it shows by kind (`NoteKind.PLACEMENT`), never by the
wording of the sentence, so the engine may rephrase a note without breaking a
page.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class NoteKind(StrEnum):
    """What a note is about. The value is what the store keeps beside the note's text."""

    # A scenario run: its roster (`engine.roster`) and the rebalance's input.
    PLACEMENT = "placement"  # where and how new reps were placed
    LOCKS_WITHOUT_OWNER = "locks_without_owner"  # locked accounts whose owner is not on the team
    NO_REP_IN_REACH = "no_rep_in_reach"  # accounts beyond the maximum distance of every rep
    LOCKS_BEYOND_REACH = "locks_beyond_reach"  # locked accounts farther than the maximum distance
    # A quota plan (`engine.quota.allocate_quotas`).
    TARGET_MISSED = "target_missed"  # the caps cannot reach the target: by how much, what to widen
    TARGET_ROUNDED = "target_rounded"  # the target moved to the nearest rounding unit
    RAMPING_REPS = "ramping_reps"  # which reps carry a ramped share, and where the rest went
    HELD_AT_CAP = "held_at_cap"  # how many reps the change cap held at its edge
    NARROW_CAP = "narrow_cap"  # reps whose cap band holds no whole rounding unit
    # Its fairness (`engine.quota.quota_fairness`).
    NO_POTENTIAL = "no_potential"  # a rep without potential: no quota ÷ potential ratio
    NOT_MEASURABLE = "not_measurable"  # no rep has potential: fairness cannot be measured
    UNBOUNDED_SPREAD = "unbounded_spread"  # a rep with potential but no quota
    STRETCHED_REPS = "stretched_reps"  # reps asked for more than the stretch limit × the median
    # Its attainment risk (`engine.quota.attainment_risk`).
    TOO_HARD = "too_hard"  # fewer reps than the low share expected to reach quota
    TOO_EASY = "too_easy"  # more reps than the high share expected to reach quota
    NO_QUOTA = "no_quota"  # reps without a quota, so without an attainment
    UNASSIGNED_REVENUE = "unassigned_revenue"  # expected revenue on accounts no rep owns
    # Read back from a run or plan saved before notes carried their kind, or of a kind
    # this version does not know.
    UNKNOWN = "unknown"


# The kinds each part of the engine says (UNKNOWN is only ever read back).
RUN_KINDS = frozenset(
    {
        NoteKind.PLACEMENT,
        NoteKind.LOCKS_WITHOUT_OWNER,
        NoteKind.NO_REP_IN_REACH,
        NoteKind.LOCKS_BEYOND_REACH,
    }
)
QUOTA_KINDS = frozenset(NoteKind) - RUN_KINDS - {NoteKind.UNKNOWN}


@dataclass(frozen=True)
class Note:
    """One thing a result wants a person to know: what it is about, and the sentence to show."""

    kind: NoteKind
    text: str

    def as_dict(self) -> dict[str, str]:
        """Return the note as the store keeps it."""
        return {"kind": str(self.kind), "text": self.text}

    @classmethod
    def from_stored(cls, value: Any) -> Note:
        """Return the note a summary holds: a {kind, text} object, or a bare sentence.

        Runs saved before notes had kinds stored the sentence alone; the placement
        note is recognised by its opening word so those runs still show it.
        """
        if isinstance(value, dict):
            try:
                kind = NoteKind(value.get("kind", NoteKind.UNKNOWN))
            except ValueError:
                kind = NoteKind.UNKNOWN
            return cls(kind, str(value.get("text", "")))
        text = str(value)
        return cls(NoteKind.PLACEMENT if text.startswith("Placed") else NoteKind.UNKNOWN, text)
