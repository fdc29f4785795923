"""Quota per rep from a company target, how likely each rep is to reach it, and how fair it is.

A quota plan sits on top of an alignment (which rep owns which account) and
the forecast. It answers three questions: how much of the company target
does each rep carry (`allocate_quotas`), how likely is each rep to make it
(`attainment_risk`), and is the split fair (`QuotaPlan.fairness`).

Allocation. The target is an amount, or a growth rate over last year's
    revenue of the reps' accounts (flat when neither is given). Each rep gets
    a share by `method`:

    - "potential": the rep's forecast potential over the team's;
    - "revenue": the rep's last-year revenue over the team's;
    - "blend": w × potential share + (1 − w) × revenue share. The blend is of
      shares, not of amounts: potential is a discounted multi-year value and
      revenue one year's, so adding the amounts would let potential dominate;
    - "equal": capacity over the team's capacity (a 0.5 FTE rep gets half).

    A ramping new hire with ramp factor r carries r × their share: the shares
    are weighted by r and re-normalised, so the remainder is spread over the
    whole team in proportion to the shares, and a rep with r = 0.5 gets half
    the quota of an otherwise identical rep.

Caps. With `cap_change` = c, a rep's quota stays within last quota × (1 ± c).
    There is no quota history in the store, so last quota is the rep's
    last-year revenue on the alignment's accounts unless a `last_quota`
    column says otherwise; a rep with no last quota (a new hire) has nothing
    to cap against and is uncapped. A rep that would break its cap is held at
    it and the rest of the target is re-split among the others, again until
    no rep breaks its cap. The fixed point of that iteration is
    quota_j = clip(λ × share_j, low_j, high_j) with Σ quota_j = target, and
    λ is found directly on the piecewise-linear, non-decreasing total
    (exact, no iteration limit). When even every rep at the top of its cap
    (or every rep at the bottom) cannot meet the target, the plan is still
    returned, with every rep at that edge, `meets_target` False and a note
    that says by how much it misses. A dashboard user can then see which
    cap to widen; raising would leave them with nothing to look at.

Rounding. Quotas are whole multiples of `round_to` ($1,000 by default) and
    add up exactly to the target: the target itself is rounded to the
    nearest unit (a note says so when that changes it), each quota is
    rounded down, and the units left over go to the reps with the largest
    remainders (ties by the reps' order). Cap edges are rounded inwards to
    whole units first, so rounding never breaks a cap; a cap band narrower
    than one unit holds the rep at the unit nearest their last quota. Two
    identical reps can differ by one unit when the target does not divide
    evenly: the remainder has to go to someone.

Fairness. The quota-to-potential ratio says how much of their potential each
    rep is asked to turn into revenue next year. Potential is the forecast's
    multi-year value, so the level of the ratio means little; its spread
    across reps is the point. A ramping rep is compared on quota ÷ (ramp ×
    potential), the ratio they would have at full ramp, so a new hire's
    intended relief does not read as unfairness. Reported: highest ÷ lowest,
    coefficient of variation and Gini of that ratio, and the reps whose
    ratio exceeds `stretch_limit` × the median ratio, by name. A rep with no
    potential has no ratio: they are listed apart (with a note when they
    still carry a quota) and left out of the statistics, so nothing is
    divided by zero.

Attainment risk: next year's revenue of every account is drawn from the
    forecast's year-1 figures. An account is active next year with
    probability p = the forecast's `p_active_1` (a customer: its sBG
    retention given its tenure; a prospect or lapsed account: its segment's
    win or win-back rate). If active it bills m × ε, where m = (expected
    revenue + expansion + new business) / p is the forecast's revenue given
    activity (last revenue grown by the segment trend and whitespace capture,
    or the entry share of TAV for a win) and ε is mean-one lognormal noise
    with the segment's `revenue_sd`. So E[revenue] = p × m, exactly the
    forecast's year-1 expectation. The draws reuse the forecast's own
    customer simulator with a one-year horizon. Accounts are independent
    given the models, as in the forecast: nothing here models a year that is
    bad for everyone, so rep-level spreads are those of a diversified book.
    Limits: the forecast's models table exposes only the trend noise, so
    accounts in their first renewal (ramp step) and new wins use it too,
    which narrows their spread (not their mean).

    A rep's revenue is the sum over their accounts; attainment is revenue ÷
    quota. Per rep: expected attainment, its P10 and P90 and P(attainment ≥
    100 %). For the plan: the expected share of reps that reach quota (the
    mean of P(attainment ≥ 100 %) over reps with a quota: the number of
    reps expected to make it, over the number of reps), the count of reps
    more likely than not to make it, and the expected total against the
    target. A plan whose expected share is below `low_hit_share` (½) asks
    more than the forecast supports; above `high_hit_share` (90 %) it asks
    too little. Draws are made per account in account-ID order from the
    seed, whatever the alignment, so two alignments are compared on the
    same draws of the same accounts.

Saved plans. A `QuotaPlanSpec` is what a leader asks for: the alignment
    ("today" or a scenario id), the settings and the new-hire ramp. Its id is
    a hash of the alignment, the data version and the canonical settings
    JSON, so the same question on the same data is the same plan; the store
    keeps its figures and per-rep quotas (`quota_plan_record`).
Notes. Every plan, fairness and risk carries `notes`: `Note(kind, text)`,
    where `NoteKind` says what the note is about (the target missed, the
    reps stretched, a plan too hard, ...). Pages choose notes by kind; the
    text is for people and may be reworded.

Where things are: `allocate` (settings, rep bases, the split, caps and
rounding), `fairness`, `risk` (next year's outcomes, the draws, attainment),
`plan` (specs, ids, the saved record and `QuotaPlanFigures`) and `notes`.
Import from `engine.quota` itself: this is the public door.
"""

from engine.quota.allocate import (
    METHODS,
    Method,
    QuotaPlan,
    QuotaSettings,
    allocate_quotas,
    rep_bases,
)
from engine.quota.fairness import QuotaFairness, gini, quota_fairness
from engine.quota.notes import Note, NoteKind
from engine.quota.plan import (
    DEFAULT_NEW_HIRE_RAMP,
    QuotaPlanFigures,
    QuotaPlanSpec,
    evaluate_quota_plan,
    new_hires,
    quota_plan_id,
    quota_plan_record,
    quota_plan_summary,
    quota_plan_table,
    ramp_new_hires,
)
from engine.quota.risk import (
    AttainmentRisk,
    RiskSettings,
    attainment_risk,
    next_year_outcomes,
    simulate_rep_revenue,
)

__all__ = [
    "DEFAULT_NEW_HIRE_RAMP",
    "METHODS",
    "AttainmentRisk",
    "Method",
    "Note",
    "NoteKind",
    "QuotaFairness",
    "QuotaPlan",
    "QuotaPlanFigures",
    "QuotaPlanSpec",
    "QuotaSettings",
    "RiskSettings",
    "allocate_quotas",
    "attainment_risk",
    "evaluate_quota_plan",
    "gini",
    "new_hires",
    "next_year_outcomes",
    "quota_fairness",
    "quota_plan_id",
    "quota_plan_record",
    "quota_plan_summary",
    "quota_plan_table",
    "ramp_new_hires",
    "rep_bases",
    "simulate_rep_revenue",
]
