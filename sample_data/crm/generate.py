"""CRM-shaped exports of the sample data: what a Salesforce or HubSpot user would download.

Run from the repo root: `python sample_data/crm/generate.py` writes
`salesforce/accounts.csv` + `salesforce/opportunities.csv` and
`hubspot/companies.csv` + `hubspot/deals.csv` next to this file, from the
sample data set (`sample_data/*.csv`). There is no reps file and no yearly
history: reps are the account owners, history comes from the won deals.

How the sample's own columns become CRM columns, so an import of these files
gives the sample back (tests/test_crm_sample.py checks it):

* annual revenue is TAV ÷ `TAV_SHARE` (the import's default TAV is 1 % of it);
* employees fall in the size segment's band (below 100, 100–999, 1,000 on);
* each customer year's revenue is one or two won deals that sum to it, closed
  on days of that year; a lost deal is added now and then;
* Created Date falls in the account's first year as a customer (a prospect's in
  a year before the last); its type says whether it is or was a customer;
* one account in fifty has no ZIP code, only its city and state;
* the owner is the rep's name; visits, minutes and coordinates are left out.

The same seed writes the same bytes on every run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.store import read_csv_dir  # noqa: E402

SEED = 20_260_417
TAV_SHARE = 0.01
EMPLOYEE_BANDS = {"SMB": (5, 99), "Mid-Market": (100, 999), "Enterprise": (1_000, 25_000)}
SECOND_DEAL_SHARE = 0.4
LOST_DEAL_SHARE = 0.15
CITY_ONLY_SHARE = 0.02
PROSPECT_CREATED = (2015, 2025)


def _dates(rng: np.random.Generator, years: np.ndarray) -> pd.Series:
    """Return a random day of each given year."""
    day = rng.integers(0, 365, size=len(years))
    start = pd.to_datetime(pd.Series(years.astype(int)).astype(str) + "-01-01")
    return start + pd.to_timedelta(day, unit="D")


def _money(values: np.ndarray, style: str) -> list[str]:
    if style == "salesforce":
        return [f"${v:,.2f}" for v in values]
    return [f"{v:.2f}".rstrip("0").rstrip(".") for v in values]


def crm_frames(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    history: pd.DataFrame,
    style: str,
    seed: int = SEED,
    second_deal_share: float = SECOND_DEAL_SHARE,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the accounts and the deals export of a book, shaped as `style` ('salesforce' or 'hubspot')."""
    rng = np.random.default_rng(seed)
    a = accounts.reset_index(drop=True)
    n = len(a)
    last = int(history["year"].max())
    first = a["first_year"].to_numpy(dtype=float, na_value=np.nan)
    active_last = (
        a["account_id"]
        .isin(history.loc[(history["year"] == last) & history["active"], "account_id"])
        .to_numpy()
    )
    customer = ~np.isnan(first)
    created_year = np.where(
        customer, np.nan_to_num(first), rng.integers(*PROSPECT_CREATED, size=n, endpoint=True)
    )
    created = _dates(rng, created_year)
    low = a["size_segment"].map({k: v[0] for k, v in EMPLOYEE_BANDS.items()}).to_numpy(float)
    high = a["size_segment"].map({k: v[1] for k, v in EMPLOYEE_BANDS.items()}).to_numpy(float)
    employees = np.floor(np.exp(rng.uniform(np.log(low), np.log(high + 1)))).clip(low, high)
    revenue = a["tav"].to_numpy(dtype=float) / TAV_SHARE
    owner = a["owner_rep_id"].map(reps.set_index("rep_id")["name"]).fillna("")
    zips = a["postal_code"].fillna("").astype(str)
    city_only = rng.random(n) < CITY_ONLY_SHARE
    zips = zips.where(~city_only, "")

    won = history[history["active"] & (history["revenue"] > 0)].reset_index(drop=True)
    split = rng.random(len(won)) < second_deal_share
    cut = np.where(split, np.round(won["revenue"].to_numpy() * rng.uniform(0.3, 0.7, len(won))), 0)
    deals = pd.concat(
        [
            won.assign(amount=won["revenue"].to_numpy() - cut),
            won[split].assign(amount=cut[split]),
        ],
        ignore_index=True,
    ).assign(stage="Closed Won")
    lost_n = int(len(won) * LOST_DEAL_SHARE)
    lost_from = rng.integers(0, len(won), size=lost_n)
    lost = won.iloc[lost_from].assign(
        amount=np.round(won["revenue"].to_numpy()[lost_from] * rng.uniform(0.2, 1.5, lost_n)),
        stage="Closed Lost",
    )
    deals = pd.concat([deals, lost], ignore_index=True)
    deals["close"] = _dates(rng, deals["year"].to_numpy())
    deals = deals.sort_values(["close", "account_id"], kind="stable").reset_index(drop=True)
    names = a.set_index("account_id")["name"]
    kind = np.where(
        active_last,
        np.where(rng.random(n) < 0.8, "Customer - Direct", "Customer - Channel"),
        np.where(customer, "Former Customer", "Prospect"),
    )

    if style == "salesforce":
        sf_id = {aid: f"001{i:015d}" for i, aid in enumerate(a["account_id"])}
        acc = pd.DataFrame(
            {
                "Account ID": a["account_id"].map(sf_id),
                "Account Name": a["name"],
                "Type": kind,
                "Industry": a["industry"],
                "Billing City": a["city"],
                "Billing State/Province": a["state"],
                "Billing Zip/Postal Code": zips,
                "Billing Country": "United States",
                "Annual Revenue": _money(revenue, style),
                "Employees": employees.astype(int),
                "Account Owner": owner,
                "Created Date": created.dt.strftime("%-m/%-d/%Y"),
                "Phone": [f"({rng.integers(201, 989)}) 555-{i % 10000:04d}" for i in range(n)],
            }
        )
        opp = pd.DataFrame(
            {
                "Opportunity ID": [f"006{i:015d}" for i in range(len(deals))],
                "Opportunity Name": deals["account_id"].map(names)
                + " "
                + deals["year"].astype(str),
                "Account ID": deals["account_id"].map(sf_id),
                "Account Name": deals["account_id"].map(names),
                "Stage": deals["stage"],
                "Close Date": deals["close"].dt.strftime("%-m/%-d/%Y"),
                "Amount": _money(deals["amount"].to_numpy(float), style),
                "Probability (%)": np.where(deals["stage"] == "Closed Won", 100, 0),
                "Fiscal Period": "Q"
                + deals["close"].dt.quarter.astype(str)
                + "-"
                + deals["year"].astype(str),
                "Opportunity Owner": deals["account_id"]
                .map(
                    a.set_index("account_id")["owner_rep_id"].map(reps.set_index("rep_id")["name"])
                )
                .fillna(""),
            }
        )
        return acc, opp
    if style != "hubspot":
        raise ValueError(f"unknown style {style!r}")
    hs_id = {aid: str(5_000_000_000 + 7 * i) for i, aid in enumerate(a["account_id"])}
    acc = pd.DataFrame(
        {
            "Record ID": a["account_id"].map(hs_id),
            "Company name": a["name"],
            "Company owner": owner,
            "Create Date": created.dt.strftime("%Y-%m-%d %H:%M"),
            "Lifecycle Stage": np.where(
                customer, "Customer", np.where(rng.random(n) < 0.5, "Lead", "Opportunity")
            ),
            "Industry": a["industry"],
            "Number of Employees": employees.astype(int),
            "Annual Revenue": _money(revenue, style),
            "City": a["city"],
            "State/Region": a["state"],
            "Postal Code": zips,
            "Country/Region": "United States",
        }
    )
    opp = pd.DataFrame(
        {
            "Record ID": [str(9_000_000_000 + i) for i in range(len(deals))],
            "Deal Name": deals["account_id"].map(names) + " - " + deals["year"].astype(str),
            "Deal Stage": deals["stage"],
            "Close Date": deals["close"].dt.strftime("%Y-%m-%d %H:%M"),
            "Amount": _money(deals["amount"].to_numpy(float), style),
            "Pipeline": "Sales Pipeline",
            "Associated Company IDs (Primary)": deals["account_id"].map(hs_id),
            "Associated Company (Primary)": deals["account_id"].map(names),
        }
    )
    return acc, opp


FILES = {
    "salesforce": ("accounts.csv", "opportunities.csv"),
    "hubspot": ("companies.csv", "deals.csv"),
}


def main() -> None:
    """Write both styles of export next to this script, from the committed sample data."""
    sample = read_csv_dir(ROOT / "sample_data")
    for style, (accounts_file, deals_file) in FILES.items():
        acc, opp = crm_frames(sample.accounts, sample.reps, sample.history, style)
        folder = HERE / style
        folder.mkdir(exist_ok=True)
        acc.to_csv(folder / accounts_file, index=False, lineterminator="\n")
        opp.to_csv(folder / deals_file, index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
