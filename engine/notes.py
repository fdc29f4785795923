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
    """What a note about a scenario run is about."""

    PLACEMENT = "placement"  # where and how new reps were placed
    LOCKS_WITHOUT_OWNER = "locks_without_owner"  # locked accounts whose owner is not on the team
    NO_REP_IN_REACH = "no_rep_in_reach"  # accounts beyond the maximum distance of every rep
    LOCKS_BEYOND_REACH = "locks_beyond_reach"  # locked accounts farther than the maximum distance
    INFO = "info"  # anything else worth saying


@dataclass(frozen=True)
class Note:
    """One thing a run wants a person to know: what it is about, and the sentence to show."""

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
                kind = NoteKind(value.get("kind", NoteKind.INFO))
            except ValueError:
                kind = NoteKind.INFO
            return cls(kind, str(value.get("text", "")))
        text = str(value)
        return cls(NoteKind.PLACEMENT if text.startswith("Placed") else NoteKind.INFO, text)
