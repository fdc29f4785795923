"""How likely each rep is to reach quota next year, from simulated years of every account.

The draws, their limits and when a plan reads as too hard or too easy are
written up in the package docstring.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.forecast import Forecast, simulate_customers
from engine.quota.allocate import QuotaPlan
from engine.quota.notes import Note, NoteKind, _money, _pct

_SIM_BLOCK = 250  # accounts drawn at once: keeps the working arrays in cache-sized pieces


@dataclass(frozen=True)
class RiskSettings:
    """How many draws to simulate, from which seed, and when a plan counts as too hard or easy."""

    draws: int = 2000
    seed: int = 0
    low_hit_share: float = 0.5  # fewer reps than this share expected to hit: too hard
    high_hit_share: float = 0.9  # more than this share expected to hit: too easy

    def __post_init__(self) -> None:
        if int(self.draws) != self.draws or self.draws < 100:
            raise ValueError("draws must be a whole number of at least 100")
        if not 0.0 <= self.low_hit_share <= self.high_hit_share <= 1.0:
            raise ValueError("need 0 ≤ low_hit_share ≤ high_hit_share ≤ 1")


@dataclass(frozen=True)
class AttainmentRisk:
    """How likely each rep is to reach quota next year, and what that says about the plan.

    `reps` has one row per rep of the plan: rep_id, name, quota, accounts
    (assigned), expected_revenue (the forecast's exact expectation),
    simulated_revenue (mean of the draws), expected_attainment (expected
    revenue ÷ quota), attainment_p10, attainment_p90, p_hit (P(revenue ≥
    quota)); the attainment columns are NaN for a rep without a quota.

    `expected_hit_share` is the mean of p_hit over reps with a quota: the
    expected share of them reaching quota. `likely_hitters` counts reps with
    p_hit ≥ ½. `flag` is "too hard", "too easy" or "" and `notes` say why.
    """

    settings: RiskSettings
    reps: pd.DataFrame
    expected_hit_share: float
    likely_hitters: int
    reps_with_quota: int
    expected_total: float  # expected revenue of the assigned accounts
    target: float
    expected_vs_target: float  # expected_total ÷ target (NaN for a zero target)
    p_total_meets_target: float  # share of draws in which the team's revenue reaches the target
    unassigned_expected: float  # expected revenue of accounts no rep of the plan owns
    flag: str
    notes: tuple[Note, ...]


# -- inputs -------------------------------------------------------------------------------------


def _owners(alignment: pd.DataFrame | pd.Series, owner_col: str) -> pd.Series:
    """Return the rep of each account (indexed by account ID; NaN where none)."""
    if isinstance(alignment, pd.Series):
        owners = alignment.copy()
    else:
        missing = [c for c in ("account_id", owner_col) if c not in alignment]
        if missing:
            raise ValueError(f"the alignment has no {' or '.join(missing)} column")
        owners = alignment.set_index("account_id")[owner_col]
    owners.index = owners.index.astype(str)
    if owners.index.has_duplicates:
        dupes = owners.index[owners.index.duplicated()].unique()[:5]
        raise ValueError(f"accounts assigned more than once: {', '.join(dupes)}")
    return owners.astype(object).where(owners.notna(), None)


# -- attainment risk ----------------------------------------------------------------------------


def next_year_outcomes(forecast: Forecast) -> pd.DataFrame:
    """Return per account next year's chance of billing, revenue if it does, and its noise.

    Columns: account_id, status, p_active (the forecast's p_active_1),
    revenue_if_active (year-1 expected revenue from every source ÷
    p_active; 0 when p_active is 0), expected_revenue (their product: the
    forecast's year-1 expectation) and noise_sd (the segment's log-scale
    revenue noise). Sorted by account ID, as the forecast is.
    """
    acc = forecast.accounts
    expected = (acc["expected_revenue"] + acc["expansion"] + acc["new_business"]).to_numpy(
        dtype=float
    )
    p = acc["p_active_1"].to_numpy(dtype=float)
    if_active = np.divide(expected, p, out=np.zeros(len(acc)), where=p > 0)
    sd = (
        forecast.models.table.set_index(["industry", "size_segment"])["revenue_sd"]
        .reindex(pd.MultiIndex.from_frame(acc[["industry", "size_segment"]]))
        .fillna(0.0)
        .to_numpy(dtype=float)
    )
    return pd.DataFrame(
        {
            "account_id": acc["account_id"].astype(str).to_numpy(),
            "status": acc["status"].to_numpy(),
            "p_active": p,
            "revenue_if_active": if_active,
            "expected_revenue": p * if_active,
            "noise_sd": sd,
        }
    )


def simulate_rep_revenue(
    outcomes: pd.DataFrame, rep_index: np.ndarray, n_reps: int, draws: int, seed: int
) -> np.ndarray:
    """Return simulated next-year revenue per rep × draw (reps × draws).

    `rep_index[i]` is the rep row of outcome row i (−1: no rep; not counted).
    Each account is drawn once per draw in account-ID order, in fixed
    blocks, so an account's draws do not depend on the alignment.
    """
    if len(rep_index) != len(outcomes):
        raise ValueError("give one rep index per outcome row")
    order = np.argsort(outcomes["account_id"].astype(str).to_numpy(), kind="stable")
    p = outcomes["p_active"].to_numpy(dtype=float)[order]
    m = outcomes["revenue_if_active"].to_numpy(dtype=float)[order]
    sd = outcomes["noise_sd"].to_numpy(dtype=float)[order]
    rep = np.asarray(rep_index)[order]
    live = (p > 0) & (m > 0)  # an account that cannot bill adds 0 in every draw
    p, m, sd, rep = p[live], m[live], sd[live], rep[live]
    rng = np.random.default_rng(seed)
    out = np.zeros((n_reps, draws))
    one_year = np.ones(1)
    for start in range(0, len(p), _SIM_BLOCK):
        stop = min(len(p), start + _SIM_BLOCK)
        values = simulate_customers(
            p[start:stop, None], m[start:stop, None], sd[start:stop, None], one_year, draws, rng
        )
        r = rep[start:stop]
        mine = r >= 0
        if not mine.any():
            continue
        by_rep = np.argsort(r[mine], kind="stable")
        rs = r[mine][by_rep]
        starts = np.flatnonzero(np.r_[True, rs[1:] != rs[:-1]])
        out[rs[starts]] += np.add.reduceat(values[mine][by_rep], starts, axis=0)
    return out


def attainment_risk(
    plan: QuotaPlan,
    outcomes: pd.DataFrame,
    alignment: pd.DataFrame | pd.Series,
    owner_col: str = "rep_id",
    settings: RiskSettings = RiskSettings(),
) -> AttainmentRisk:
    """Return each rep's chance of reaching quota next year and whether the plan is too hard or easy.

    `outcomes` comes from `next_year_outcomes`; `alignment` gives each
    account's rep: a Series indexed by account ID, or a frame with
    account_id and `owner_col` (an account view with "owner_rep_id", or a
    scenario's assignments with "rep_id"). Accounts without a rep count for
    nobody. Raises ValueError when an account is assigned to a rep the plan
    does not have, or the alignment names accounts the forecast lacks.
    """
    owners = _owners(alignment, owner_col)
    account_ids = outcomes["account_id"].astype(str)
    unknown_acc = owners.index.difference(pd.Index(account_ids))
    if len(unknown_acc):
        raise ValueError(
            f"the alignment has accounts the forecast does not: {', '.join(unknown_acc[:5])}"
        )
    reps = plan.reps
    rep_pos = pd.Series(np.arange(len(reps)), index=reps["rep_id"].astype(str))
    assigned = owners.dropna().astype(str)
    unknown_rep = sorted(set(assigned) - set(rep_pos.index))
    if unknown_rep:
        raise ValueError(
            f"accounts are assigned to reps the plan does not have: {', '.join(unknown_rep[:5])}"
        )
    owner_of = account_ids.map(assigned)
    rep_index = owner_of.map(rep_pos).fillna(-1).to_numpy(dtype=np.int64)

    expected = outcomes["expected_revenue"].to_numpy(dtype=float)
    n_reps = len(reps)
    mine = rep_index >= 0
    rep_expected = np.bincount(rep_index[mine], weights=expected[mine], minlength=n_reps)
    rep_accounts = np.bincount(rep_index[mine], minlength=n_reps)
    draws = simulate_rep_revenue(outcomes, rep_index, n_reps, settings.draws, settings.seed)

    quota = reps["quota"].to_numpy(dtype=float)
    has_quota = quota > 0
    safe = np.where(has_quota, quota, 1.0)
    attain = draws / safe[:, None]
    p10, p90 = np.quantile(attain, [0.10, 0.90], axis=1)
    p_hit = (draws >= quota[:, None]).mean(axis=1)

    def only_quota(values: np.ndarray) -> np.ndarray:
        return np.where(has_quota, values, np.nan)

    table = pd.DataFrame(
        {
            "rep_id": reps["rep_id"].to_numpy(),
            "name": reps["name"].to_numpy(),
            "quota": quota,
            "accounts": rep_accounts,
            "expected_revenue": rep_expected,
            "simulated_revenue": draws.mean(axis=1),
            "expected_attainment": only_quota(rep_expected / safe),
            "attainment_p10": only_quota(p10),
            "attainment_p90": only_quota(p90),
            "p_hit": only_quota(p_hit),
        }
    )
    n_quota = int(has_quota.sum())
    hit_share = float(p_hit[has_quota].mean()) if n_quota else float("nan")
    likely = int((p_hit[has_quota] >= 0.5).sum())
    expected_total = float(rep_expected.sum())
    target = plan.target
    vs_target = expected_total / target if target > 0 else float("nan")
    p_total = float((draws.sum(axis=0) >= target).mean())

    notes: list[Note] = []
    flag = ""
    if n_quota and hit_share < settings.low_hit_share:
        flag = "too hard"
        notes.append(
            Note(
                NoteKind.TOO_HARD,
                f"Only {_pct(hit_share)} of reps are expected to reach quota (fewer than "
                f"{_pct(settings.low_hit_share)}): the plan asks {_money(target)} where the "
                f"forecast expects {_money(expected_total)} ({_pct(vs_target)} of target) "
                f"from these accounts.",
            )
        )
    elif n_quota and hit_share > settings.high_hit_share:
        flag = "too easy"
        notes.append(
            Note(
                NoteKind.TOO_EASY,
                f"{_pct(hit_share)} of reps are expected to reach quota (more than "
                f"{_pct(settings.high_hit_share)}): quotas sit below what the forecast expects "
                f"({_money(expected_total)}, {_pct(vs_target)} of the {_money(target)} target).",
            )
        )
    no_quota = reps["name"][~has_quota]
    if len(no_quota):
        names = ", ".join(no_quota.astype(str))
        notes.append(Note(NoteKind.NO_QUOTA, f"No quota, so no attainment: {names}."))
    unassigned = float(expected[~mine].sum())
    if unassigned > 0:
        notes.append(
            Note(
                NoteKind.UNASSIGNED_REVENUE,
                f"{_money(unassigned)} of expected revenue sits on accounts no rep of the plan "
                f"owns.",
            )
        )
    return AttainmentRisk(
        settings=settings,
        reps=table,
        expected_hit_share=hit_share,
        likely_hitters=likely,
        reps_with_quota=n_quota,
        expected_total=expected_total,
        target=target,
        expected_vs_target=vs_target,
        p_total_meets_target=p_total,
        unassigned_expected=unassigned,
        flag=flag,
        notes=tuple(notes),
    )
