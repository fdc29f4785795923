"""Rebalance territories: give every account one rep, balanced, compact and with few moves.

The model is the classic territory-design assignment (Hess et al. 1965; the
commercial territory design line of Ríos-Mercado and co-authors). For accounts
i, reps j and balance measures m (potential, workload, account count, ...):

    minimise    Σ_ij c_ij·x_ij  +  P·(total band slack)  +  P·(slack on the moved-revenue cap)
    subject to  Σ_j x_ij = 1                                       one rep per account
                (1−τ_m)·T_mj − s⁻_mj ≤ Σ_i a_im·x_ij ≤ (1+τ_m)·T_mj + s⁺_mj
                Σ_i Σ_{j≠owner(i)} rev_i·x_ij ≤ cap·Σ_i rev_i + s_cap   (optional)
                x_ij ∈ {0, 1};  locked accounts fixed to their owner;
                no x_ij beyond the maximum distance
    with        c_ij = w_i·d_ij / D0 + λ·rev_i·[j ≠ owner(i)] / R0
                T_mj = (team total of m) × capacity_j / Σ capacity

D0 is the weighted distance of sending every account to its nearest rep and
R0 the team's revenue, so an objective of 1.3 + 0.2 reads "30 % more weighted
driving than the nearest-rep ideal, plus λ times the 20 % of revenue that
moved". Bands are elastic: a slack costs `band_penalty` per average rep's
target, so an impossible band bends instead of making the model infeasible.

How it is solved, and why the reported bound is that of the LP relaxation of
the *full* model although most pairs never enter a solver, is written up in
docs/optimize.md. In short:

1. LPs over groups of nearby accounts (coarse to fine) give first candidate
   reps and first band prices (`groups`);
2. column generation solves the LP relaxation over all account–rep pairs:
   accounts whose best rep at the current prices is clear stay settled, the
   rest carry a few candidate reps, and every round prices every pair again
   (`columns`, on the restricted master of `master`);
3. any prices π give the Lagrangian bound Σ_i min_j (c_ij − a_i·π_j) + Σ π·band,
   a lower bound on the full model that equals its LP optimum once no pair
   prices out; the reported bound is the best one seen (`prices`);
4. the LP is nearly integral (a few accounts per band are split): a dive fixes
   the big split accounts and re-solves, the small ones are rounded, and a
   local search of moves and paired moves mends any band the rounding broke,
   then trims cost (`repair`, `local_search`). Small instances
   (≤ `Tuning.exact_pairs` pairs) get the exact MIP.

Where things are: `settings` (what a caller sets: bands, weights, limits,
solver, and the solver's `Tuning`), `instance` (inputs validated into model
units), `units` (what an LP sees: units, coupling rows, fixed loads),
`constraints` (one function per constraint or variable family), `solvers`
(HiGHS and CBC sessions), `result` (what a rebalance returns and the exact
score of an assignment), `explain` (why accounts moved, how to mend a band)
and `solve` (the two entry points, re-exported here).
"""

from __future__ import annotations

from engine.rebalance.result import AssignmentScore, BandViolation, RebalanceResult
from engine.rebalance.settings import (
    ACCOUNT_COUNT,
    DEFAULT_TUNING,
    POTENTIAL,
    WORKLOAD,
    Band,
    RebalanceSettings,
    Tuning,
)
from engine.rebalance.solve import rebalance, score_assignment

__all__ = [
    "ACCOUNT_COUNT",
    "DEFAULT_TUNING",
    "POTENTIAL",
    "WORKLOAD",
    "AssignmentScore",
    "Band",
    "BandViolation",
    "RebalanceResult",
    "RebalanceSettings",
    "Tuning",
    "rebalance",
    "score_assignment",
]
