"""What the quota engine says about a plan: notes that carry their kind beside their wording.

A page picks the notes it shows by kind (the target missed goes in a
warning, the stretched reps beside their names), never by matching the
English, so the wording can change without breaking a page.
"""

from __future__ import annotations

from engine.notes import Note, NoteKind

__all__ = ["Note", "NoteKind"]  # one note type for the whole engine, with the quota's kinds


def _money(value: float) -> str:
    sign = "−" if value < 0 else ""
    return f"{sign}${abs(value):,.0f}"


def _pct(value: float) -> str:
    return f"{value * 100:.0f} %"
