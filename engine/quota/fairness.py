"""How evenly a quota plan asks reps to turn their potential into quota: spread, Gini, stretched reps.

Fairness is read on quota ÷ (ramp × potential); the package docstring says
why its spread, not its level, is the point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.quota.notes import Note, NoteKind, _money


@dataclass(frozen=True)
class QuotaFairness:
    """How evenly the plan asks reps to turn their potential into quota.

    Statistics are over reps with potential and a ramp above 0, on quota ÷
    (ramp × potential). `max_min` is NaN when a rep with potential has no
    quota (the spread is unbounded); `cv` and `gini` are 0 when every ratio
    is equal (or all are 0) and NaN when no rep has a ratio.
    """

    median_ratio: float
    max_min: float
    cv: float
    gini: float
    stretched: tuple[str, ...]  # names of reps above stretch_limit × the median ratio
    no_potential: tuple[str, ...]  # names of reps with no potential: ratio undefined
    notes: tuple[Note, ...]


def gini(values: np.ndarray) -> float:
    """Return the Gini coefficient of non-negative values: 0 when all are equal, NaN when none.

    G = Σ_i Σ_j |x_i − x_j| / (2 n² mean), computed on the sorted values as
    Σ_i (2i − n − 1) x_(i) / (n Σ x). All zeros count as equal (0).
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0:
        return float("nan")
    total = x.sum()
    if total <= 0:
        return 0.0
    i = np.arange(1, n + 1)
    return float(((2 * i - n - 1) * x).sum() / (n * total))


def quota_fairness(table: pd.DataFrame, stretch_limit: float = 1.25) -> QuotaFairness:
    """Return the spread of quota ÷ (ramp × potential) and the reps asked for far more than most.

    `table` has name, quota, potential and fairness_ratio (as in
    `QuotaPlan.reps`). Reps with no potential are listed apart; reps with
    ramp 0 carry no quota and are left out.
    """
    return _fairness(table, stretch_limit)[0]


def _fairness(table: pd.DataFrame, stretch_limit: float) -> tuple[QuotaFairness, np.ndarray]:
    """Return the fairness of a plan's table and which of its rows are stretched."""
    names = table["name"].astype(str).to_numpy()
    quota = table["quota"].to_numpy(dtype=float)
    potential = table["potential"].to_numpy(dtype=float)
    ratio = table["fairness_ratio"].to_numpy(dtype=float)
    measured = np.isfinite(ratio)
    no_pot = potential <= 0
    notes: list[Note] = []
    for name, q in zip(names[no_pot], quota[no_pot], strict=True):
        if q > 0:
            text = f"{name} has no potential but a quota of {_money(q)}: ratio undefined."
        else:
            text = f"{name} has no potential: ratio undefined."
        notes.append(Note(NoteKind.NO_POTENTIAL, text))
    r = ratio[measured]
    if len(r) == 0:
        notes.append(
            Note(NoteKind.NOT_MEASURABLE, "No rep has potential: fairness cannot be measured.")
        )
        nan = float("nan")
        fairness = QuotaFairness(nan, nan, nan, nan, (), tuple(names[no_pot]), tuple(notes))
        return fairness, np.zeros(len(names), dtype=bool)
    median = float(np.median(r))
    mean = float(r.mean())
    scaled = r / r.max() if r.max() > 0 else r  # keeps the squares of huge ratios finite
    cv = float(scaled.std() / scaled.mean()) if mean > 0 else 0.0
    if r.min() > 0:
        max_min = float(r.max() / r.min())
    elif r.max() == 0:
        max_min = 1.0
    else:
        max_min = float("nan")
        zero = ", ".join(names[measured][r == 0])
        notes.append(
            Note(
                NoteKind.UNBOUNDED_SPREAD,
                f"{zero} has potential but no quota: the spread is unbounded.",
            )
        )
    over = measured & (np.nan_to_num(ratio) > stretch_limit * median)
    stretched = tuple(names[over])
    if stretched:
        notes.append(
            Note(
                NoteKind.STRETCHED_REPS,
                f"Asked for more than {stretch_limit:g} × the median quota-to-potential ratio: "
                f"{', '.join(stretched)}.",
            )
        )
    fairness = QuotaFairness(
        median_ratio=median,
        max_min=max_min,
        cv=cv,
        gini=gini(r),
        stretched=stretched,
        no_potential=tuple(names[no_pot]),
        notes=tuple(notes),
    )
    return fairness, over
