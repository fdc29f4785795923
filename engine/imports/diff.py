"""What a re-import would change, said before it writes: accounts and reps new, gone and changed.

`import_diff(current, new, plan=...)` compares the store's dataset with the one
an import would write:

* accounts new and gone (by account ID), and changed: owner, location (moved
  more than `MOVED_KM`), or revenue (a year both hold differs by more than
  `REVENUE_CHANGE` of it, and at least a dollar);
* reps new and gone;
* drift from the plan of record, when there is one: accounts whose owner is
  no longer the plan's, accounts the plan does not know, accounts without an
  owner, and the spread of the balance measure (potential if given, else TAV)
  per rep under today's owners against under the plan's;
* a proposed owner for every new account without one: the rep who holds its
  county (most of the county's weight among owned accounts), else the owner
  of the nearest owned account (the nearest territory).

`with_owners(dataset, proposals)` gives accounts their proposed owners, when
the analyst accepts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from engine.counties import county_of
from engine.geo import haversine_km
from engine.imports.geocode import _unit
from engine.imports.parse import is_in
from engine.store import Dataset

MOVED_KM = 1.0
REVENUE_CHANGE = 0.005
CHANGE_COLUMNS = ["account_id", "name", "change", "before", "after"]
PROPOSAL_COLUMNS = ["account_id", "name", "proposed_owner", "why"]


@dataclass(frozen=True)
class Drift:
    """How far the alignment an import would write is from the plan of record."""

    plan_id: str
    accounts_moved: int  # owned in both, by a rep other than the plan's
    accounts_unknown: int  # not in the plan
    accounts_unowned: int
    accounts: int
    measure: str  # "potential" or "TAV"
    spread_today: float  # max / min of the measure per rep (inf with an empty rep)
    spread_plan: float


@dataclass(frozen=True)
class ImportDiff:
    """Accounts and reps an import adds, removes and changes; drift; proposed owners."""

    accounts_new: pd.DataFrame = field(repr=False)  # account_id, name, owner_rep_id
    accounts_gone: pd.DataFrame = field(repr=False)  # account_id, name, owner_rep_id
    accounts_changed: pd.DataFrame = field(repr=False)  # CHANGE_COLUMNS, one row per change
    reps_new: tuple[str, ...]
    reps_gone: tuple[str, ...]
    proposals: pd.DataFrame = field(repr=False)  # PROPOSAL_COLUMNS
    drift: Drift | None

    @property
    def changes(self) -> bool:
        """Return True when the import changes any account or rep."""
        return bool(
            len(self.accounts_new)
            or len(self.accounts_gone)
            or len(self.accounts_changed)
            or self.reps_new
            or self.reps_gone
        )

    def summary(self) -> list[str]:
        """Return the diff in sentences, for the page."""
        changed = self.accounts_changed.groupby("change")["account_id"].nunique()
        what = ", ".join(f"{int(n):,} {c}" for c, n in changed.items())
        lines = [
            f"Accounts: {len(self.accounts_new):,} new, {len(self.accounts_gone):,} gone, "
            f"{self.accounts_changed['account_id'].nunique():,} changed"
            + (f" ({what})." if what else "."),
            f"Reps: {len(self.reps_new):,} new"
            + (f" ({_names(self.reps_new)})" if self.reps_new else "")
            + f", {len(self.reps_gone):,} gone"
            + (f" ({_names(self.reps_gone)})." if self.reps_gone else "."),
        ]
        if len(self.proposals):
            lines.append(
                f"{len(self.proposals):,} new account(s) have no owner; each has a proposed owner."
            )
        d = self.drift
        if d is not None:
            lines.append(
                f"Against the plan of record: {d.accounts_moved:,} of {d.accounts:,} accounts have "
                f"another owner than the plan's, {d.accounts_unknown:,} are not in the plan, "
                f"{d.accounts_unowned:,} have no owner; {d.measure} per rep spreads "
                f"{_ratio(d.spread_today)} (highest ÷ lowest) against {_ratio(d.spread_plan)} in "
                "the plan."
            )
        return lines


def _names(ids: tuple[str, ...], limit: int = 5) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit:,} more" if len(ids) > limit else "")


def _ratio(x: float) -> str:
    return "without limit" if not np.isfinite(x) else f"{x:.1f}×"


def _spread(owner: pd.Series, weight: pd.Series, reps: pd.Index) -> float:
    per_rep = weight.groupby(owner).sum().reindex(reps, fill_value=0.0)
    if per_rep.empty:
        return float("nan")
    low = float(per_rep.min())
    return float(per_rep.max() / low) if low > 0 else float("inf")


def propose_owners(accounts: pd.DataFrame, which: np.ndarray, weight: pd.Series) -> pd.DataFrame:
    """Return a proposed owner for each account `which` marks: its county's holder, else the nearest."""
    owned = accounts[accounts["owner_rep_id"].notna() & accounts["lat"].notna()]
    want = accounts[which & accounts["lat"].notna().to_numpy()]
    if want.empty or owned.empty:
        return pd.DataFrame(columns=PROPOSAL_COLUMNS)
    county = pd.Series(county_of(owned["lat"], owned["lon"]), index=owned.index, dtype="string")
    held = (
        pd.DataFrame({"county": county, "owner": owned["owner_rep_id"], "w": weight[owned.index]})
        .dropna(subset=["county"])
        .groupby(["county", "owner"])["w"]
        .sum()
        .reset_index()
        .sort_values(["county", "w", "owner"], ascending=[True, False, True])
        .drop_duplicates("county")
        .set_index("county")["owner"]
    )
    their_county = pd.Series(county_of(want["lat"], want["lon"]), index=want.index, dtype="string")
    by_county = their_county.map(held)
    from scipy.spatial import cKDTree

    tree = cKDTree(_unit(owned["lat"].to_numpy(float), owned["lon"].to_numpy(float)))
    _, at = tree.query(_unit(want["lat"].to_numpy(float), want["lon"].to_numpy(float)))
    nearest = owned["owner_rep_id"].to_numpy()[np.atleast_1d(at)]
    km = haversine_km(
        want["lat"], want["lon"], owned["lat"].to_numpy()[at], owned["lon"].to_numpy()[at]
    )
    use_county = by_county.notna().to_numpy()
    why = np.where(
        use_county,
        "holds most of its county",
        [f"owns the nearest account, {k:,.0f} km away" for k in km],
    )
    return pd.DataFrame(
        {
            "account_id": want["account_id"].to_numpy(),
            "name": want["name"].to_numpy(),
            "proposed_owner": np.where(use_county, by_county.to_numpy(dtype=object), nearest),
            "why": why,
        }
    )


def import_diff(
    current: Dataset,
    new: Dataset,
    *,
    plan: pd.DataFrame | None = None,
    plan_id: str = "",
    potential: pd.Series | None = None,
) -> ImportDiff:
    """Return what writing `new` over `current` changes (see the module docstring).

    `plan` is the plan of record's assignment (account_id, rep_id);
    `potential` the new data's potential by account ID, to measure the spread on.
    """
    old_a = current.accounts.set_index("account_id")
    new_a = new.accounts.set_index("account_id")
    added = ~is_in(new_a.index, old_a.index)
    gone = ~is_in(old_a.index, new_a.index)
    cols = ["name", "owner_rep_id"]
    accounts_new = new_a.loc[added, cols].reset_index()
    accounts_gone = old_a.loc[gone, cols].reset_index()

    both = new_a.index[~added]
    o, n = old_a.loc[both], new_a.loc[both]
    changes = []
    owner_changed = o["owner_rep_id"].fillna("") != n["owner_rep_id"].fillna("")
    changes.append(
        pd.DataFrame(
            {
                "account_id": both[owner_changed.to_numpy()],
                "name": n.loc[owner_changed, "name"].to_numpy(),
                "change": "owner",
                "before": o.loc[owner_changed, "owner_rep_id"]
                .fillna("(none)")
                .astype(str)
                .to_numpy(),
                "after": n.loc[owner_changed, "owner_rep_id"]
                .fillna("(none)")
                .astype(str)
                .to_numpy(),
            }
        )
    )
    km = haversine_km(o["lat"], o["lon"], n["lat"], n["lon"])
    had, has = o["lat"].notna().to_numpy(), n["lat"].notna().to_numpy()
    moved = (had & has & (km > MOVED_KM)) | (had != has)

    def place(frame: pd.DataFrame) -> np.ndarray:
        city = frame["city"].fillna("").astype(str) + ", " + frame["state"].fillna("").astype(str)
        return np.where(frame["lat"].notna(), city.str.strip(", "), "(no location)")

    changes.append(
        pd.DataFrame(
            {
                "account_id": both[moved],
                "name": n.loc[moved, "name"].to_numpy(),
                "change": "location",
                "before": place(o[moved]),
                "after": [
                    f"{p} ({k:,.0f} km away)" if np.isfinite(k) else p
                    for p, k in zip(place(n[moved]), km[moved], strict=True)
                ],
            }
        )
    )
    rev = current.history.merge(new.history, on=["account_id", "year"], suffixes=("_old", "_new"))
    delta = (rev["revenue_new"] - rev["revenue_old"]).abs()
    big = (delta > np.maximum(1.0, REVENUE_CHANGE * rev["revenue_old"].abs())).to_numpy()
    differs = big & is_in(rev["account_id"], both)
    rev = rev[differs].assign(delta=delta[differs])
    rev = rev.sort_values(["account_id", "delta", "year"], ascending=[True, False, True])
    rev = rev.drop_duplicates("account_id")
    changes.append(
        pd.DataFrame(
            {
                "account_id": rev["account_id"].to_numpy(),
                "name": new_a.loc[rev["account_id"], "name"].to_numpy(),
                "change": "revenue",
                "before": [
                    f"{y}: ${v:,.0f}" for y, v in zip(rev["year"], rev["revenue_old"], strict=True)
                ],
                "after": [
                    f"{y}: ${v:,.0f}" for y, v in zip(rev["year"], rev["revenue_new"], strict=True)
                ],
            }
        )
    )
    changed = pd.concat(changes, ignore_index=True)[CHANGE_COLUMNS]
    changed = changed.sort_values(["account_id", "change"]).reset_index(drop=True)

    old_reps, new_reps = set(current.reps["rep_id"]), set(new.reps["rep_id"])
    accounts = new.accounts.reset_index(drop=True)
    weight = (
        accounts["account_id"].map(potential).fillna(0.0)
        if potential is not None
        else accounts["tav"].fillna(0.0)
    )
    unowned_new = accounts["owner_rep_id"].isna().to_numpy() & added
    proposals = propose_owners(accounts, unowned_new, weight)

    drift = None
    if plan is not None and len(plan):
        planned = plan.set_index("account_id")["rep_id"]
        owner = accounts.set_index("account_id")["owner_rep_id"]
        known = is_in(owner.index, planned.index)
        in_plan = planned.reindex(owner.index[known])
        today = owner[known]
        moved_n = int((today.notna() & in_plan.notna() & (today != in_plan)).fillna(False).sum())
        w = pd.Series(weight.to_numpy(), index=accounts["account_id"])
        reps = pd.Index(sorted(new_reps))
        drift = Drift(
            plan_id=plan_id,
            accounts_moved=moved_n,
            accounts_unknown=int((~known).sum()),
            accounts_unowned=int(owner.isna().sum()),
            accounts=len(owner),
            measure="potential" if potential is not None else "TAV",
            spread_today=_spread(owner.dropna(), w, reps),
            spread_plan=_spread(in_plan.dropna(), w, pd.Index(sorted(set(in_plan.dropna())))),
        )
    return ImportDiff(
        accounts_new=accounts_new,
        accounts_gone=accounts_gone,
        accounts_changed=changed,
        reps_new=tuple(sorted(new_reps - old_reps)),
        reps_gone=tuple(sorted(old_reps - new_reps)),
        proposals=proposals,
        drift=drift,
    )


def with_owners(dataset: Dataset, proposals: pd.DataFrame) -> Dataset:
    """Return the dataset with each proposed account given its proposed owner."""
    if proposals.empty:
        return dataset
    owner = proposals.set_index("account_id")["proposed_owner"]
    accounts = dataset.accounts.copy()
    hit = is_in(accounts["account_id"], owner.index)
    accounts.loc[hit, "owner_rep_id"] = accounts.loc[hit, "account_id"].map(owner).to_numpy()
    return replace(dataset, accounts=accounts)
