"""Numbers formatted for people: currency, percentages, distances, counts."""

from __future__ import annotations

import math


def money(value: float, precise: bool = False) -> str:
    """Return USD for a person: $1.2M, $850k, $12,300 (or the full amount if `precise`)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if precise:
        return f"${value:,.0f}"
    sign = "-" if value < 0 else ""
    v = abs(value)
    if v >= 1e9:
        return f"{sign}${v / 1e9:.1f}B"
    if v >= 1e6:
        return f"{sign}${v / 1e6:.1f}M"
    if v >= 1e4:
        return f"{sign}${v / 1e3:.0f}k"
    return f"{sign}${v:,.0f}"


def pct(value: float, digits: int = 0) -> str:
    """Return a share (0.123) as a percentage ("12 %")."""
    if value is None or math.isnan(value):
        return "–"
    return f"{value * 100:.{digits}f} %"


def km(value: float) -> str:
    """Return a distance in km, rounded to what matters for driving ("42 km")."""
    if value is None or math.isnan(value):
        return "–"
    return f"{value:,.0f} km"


def count(value: float) -> str:
    """Return a whole count with thousands separators."""
    return f"{value:,.0f}"


def ratio(value: float) -> str:
    """Return a max/min ratio ("2.4×"), or "∞" when the smallest load is zero."""
    if value is None or math.isnan(value):
        return "–"
    return "∞" if math.isinf(value) else f"{value:.1f}×"


def hours(value: float) -> str:
    """Return hours rounded for people ("1,240 h")."""
    if value is None or math.isnan(value):
        return "–"
    return f"{value:,.0f} h"


def by_kind(value: float, kind: str) -> str:
    """Return a number formatted by its kind: money, pct, km, ratio, hours or count."""
    formatters = {"money": money, "pct": pct, "km": km, "ratio": ratio, "hours": hours}
    return formatters.get(kind, count)(value)


def signed(value: float, kind: str) -> str:
    """Return a change with its sign ("+12 km", "-3 %", "±0")."""
    if value is None or math.isnan(value) or math.isinf(value):
        return "–"
    if abs(value) < 1e-12:
        return "±0"
    text = by_kind(abs(value), kind)
    if kind == "pct":  # a change of a share is in points, not per cent
        text = text.replace(" %", " pts")
    return ("+" if value > 0 else "-") + text
