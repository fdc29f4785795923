"""CRM exports: parsing money and dates, the proposed mapping, defaults, reps from owners, history."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny_data import make_dataset

from engine.imports import Upload
from engine.imports.crm import apply_crm_import, read_export, validate_crm_import
from engine.imports.defaults import (
    ImportDefaults,
    call_plan,
    segment_from_size,
    tav_from_revenue,
)
from engine.imports.mapping import columns_key, propose_mapping, unique_headers
from engine.imports.owners import geometric_median, reps_from_owners
from engine.imports.parse import decimal_comma, parse_dates, parse_money
from engine.imports.transactions import customer_types, history_from_deals, won_stages
from engine.store import Dataset, Store

# -- money, numbers, dates ---------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["$1,200,000", "1,200", "USD 5,000.50", "(1,500)", "-3", "$1.2M", "12 500 €"],
         [1_200_000, 1_200, 5_000.5, -1_500, -3, 1_200_000, 12_500]),
        (["1.200.000 €", "1.200", "3,5", "€ 99,99", "1 200,00"], [1_200_000, 1_200, 3.5, 99.99, 1_200]),
        (["100", "2.5", ""], [100, 2.5, np.nan]),
        (["35%", "£2k", "n/a"], [35, 2_000, np.nan]),
    ],
)  # fmt: skip
def test_money_reads_currency_signs_separators_and_suffixes(cells, expected):
    values, bad = parse_money(pd.Series(cells))
    np.testing.assert_allclose(values.to_numpy(float), expected)
    assert not bad.any()


def test_money_names_what_is_not_an_amount():
    values, bad = parse_money(pd.Series(["$1,000", "call me", "12 apples 3"]))
    assert bad.tolist() == [False, True, True]
    assert values.iloc[0] == 1000


def test_the_decimal_separator_is_decided_per_column():
    assert not decimal_comma(pd.Series(["1,200", "1,200,000.50"]))
    assert decimal_comma(pd.Series(["1.200", "3,5"]))
    # "1.200" alone reads either way: US style wins, so it is 1.2 in every row
    assert parse_money(pd.Series(["1.200"]))[0].iloc[0] == 1.2


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=10**11), min_size=1, max_size=8),
    st.booleans(),
)
def test_formatted_amounts_read_back_exactly(cents, european):
    values = [c / 100 for c in cents]
    text = [f"${v:,.2f}" for v in values]
    if european:
        text = [t.replace(",", "_").replace(".", ",").replace("_", ".") + " €" for t in text]
        text = [t.lstrip("$") for t in text]
    parsed, bad = parse_money(pd.Series(text))
    assert not bad.any()
    np.testing.assert_allclose(parsed.to_numpy(float), values, rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    ("cells", "fmt", "first"),
    [
        (["3/15/2024", "12/1/2023"], "%m/%d/%Y", "2024-03-15"),
        (["2024-03-15 10:22", "2023-01-02 00:00"], "%Y-%m-%d %H:%M", "2024-03-15"),
        (["15.03.2024", "01.02.2023"], "%d.%m.%Y", "2024-03-15"),
        (["15/03/2024", "03/04/2024"], "%d/%m/%Y", "2024-03-15"),  # 15 is no month
        (["Mar 15, 2024"], "%b %d, %Y", "2024-03-15"),
    ],
)
def test_dates_in_the_usual_formats(cells, fmt, first):
    dates, bad, used = parse_dates(pd.Series(cells))
    assert used == fmt
    assert not bad.any()
    assert str(dates.iloc[0].date()) == first


def test_one_date_format_per_column_and_bad_cells_named():
    dates, bad, used = parse_dates(pd.Series(["03/04/2024", "12/25/2024", "soon", ""]))
    assert used == "%m/%d/%Y"  # 12/25 settles it: 03/04 is March the 4th
    assert str(dates.iloc[0].date()) == "2024-03-04"
    assert bad.tolist() == [False, False, True, False]


# -- the mapping -----------------------------------------------------------------


def sf_cells() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Account ID": ["001A", "001B"],
            "Account Name": ["Acme", "Birch"],
            "Billing City": ["Boston", "Austin"],
            "Billing State/Province": ["MA", "TX"],
            "Billing Zip/Postal Code": ["02108", "78701"],
            "Annual Revenue": ["$1,000,000", "$250,000,000"],
            "Employees": ["40", "5000"],
            "Account Owner": ["Dana Reyes", "Lee Park"],
            "Created Date": ["1/5/2019", "3/3/2024"],
            "Phone": ["555-1", "555-2"],
        }
    )


def test_salesforce_headers_map_with_a_reason_for_each_choice():
    cells = sf_cells()
    mapping = propose_mapping("accounts", tuple(cells.columns), cells)
    assert mapping.fields() == {
        "account_id": "Account ID",
        "name": "Account Name",
        "city": "Billing City",
        "state": "Billing State/Province",
        "postal_code": "Billing Zip/Postal Code",
        "annual_revenue": "Annual Revenue",
        "employees": "Employees",
        "owner": "Account Owner",
        "created_date": "Created Date",
    }
    assert mapping.extra_columns == ("Phone",)
    assert all(c.why for c in mapping.choices)  # nothing is chosen, or left out, silently
    zip_why = next(c.why for c in mapping.choices if c.field == "postal_code")
    assert "100% of its values look like US ZIP codes" in zip_why
    tav_why = next(c.why for c in mapping.choices if c.field == "tav")
    assert "annual revenue" in tav_why


def test_a_zip_column_is_found_by_its_values_and_a_misnamed_one_refused():
    cells = pd.DataFrame({"Name": ["A", "B"], "Code": ["02108", "78701-1234"], "Zip": ["x", "y"]})
    mapping = propose_mapping("accounts", tuple(cells.columns), cells)
    assert mapping.column("postal_code") == "Code"
    why = next(c.why for c in mapping.choices if c.field == "postal_code")
    assert "no header names it" in why and "check it" in why


def test_changing_a_choice_frees_the_column_elsewhere_and_says_so():
    cells = sf_cells()
    mapping = propose_mapping("accounts", tuple(cells.columns), cells)
    changed = mapping.with_choice("name", "Account Owner")
    assert changed.column("name") == "Account Owner"
    assert changed.column("owner") is None
    assert "given to name" in next(c.why for c in changed.choices if c.field == "owner")
    with pytest.raises(ValueError, match="not a column"):
        mapping.with_choice("name", "Nope")


def test_a_remembered_mapping_comes_back_for_the_same_columns():
    cells = sf_cells()
    mapping = propose_mapping("accounts", tuple(cells.columns), cells).with_choice("city", None)
    again = propose_mapping("accounts", tuple(cells.columns), cells).remembered(mapping.to_json())
    assert again.column("city") is None
    assert "remembered" in next(c.why for c in again.choices if c.field == "name")
    # the key ignores order and case, not the set of columns
    assert columns_key("accounts", ["A", "b"]) == columns_key("accounts", ["B", "a"])
    assert columns_key("accounts", ["A", "b"]) != columns_key("accounts", ["A", "b", "c"])
    assert columns_key("accounts", ["A"]) != columns_key("opportunities", ["A"])


def test_headers_are_made_unique():
    assert unique_headers(["Name", "Name", "", "Name"]) == (
        "Name",
        "Name (2)",
        "Column 3",
        "Name (3)",
    )


# -- defaults ----------------------------------------------------------------------


def test_segment_from_employees_then_revenue_then_fallback():
    employees = pd.Series([99, 100, 999, 1000, np.nan, np.nan, np.nan])
    revenue = pd.Series([np.nan, np.nan, np.nan, 1.0, 49e6, 2e9, np.nan])
    segment, source = segment_from_size(employees, revenue, ImportDefaults())
    assert segment.tolist() == [
        "SMB",
        "Mid-Market",
        "Mid-Market",
        "Enterprise",
        "SMB",
        "Enterprise",
        "SMB",
    ]
    assert source.tolist() == ["employees"] * 4 + ["annual revenue"] * 2 + ["fallback"]


def test_tav_from_revenue_else_the_segment_and_the_call_plan():
    segment = pd.Series(["SMB", "Enterprise"])
    tav, source = tav_from_revenue(pd.Series([5e6, np.nan]), segment, ImportDefaults())
    assert tav.tolist() == [50_000.0, 1_200_000.0]
    assert source.tolist() == ["annual revenue", "segment"]
    visits, minutes = call_plan(segment, ImportDefaults())
    assert visits.tolist() == [4.0, 16.0] and minutes.tolist() == [45.0, 90.0]


def test_an_edited_segment_table_is_read_and_a_bad_one_refused():
    defaults = ImportDefaults()
    table = defaults.plans_table()
    table.loc[0, "Visits per year"] = 6
    assert defaults.with_plans_table(table).plan("SMB").visits_per_year == 6
    table.loc[1, "TAV if unknown"] = -1
    with pytest.raises(ValueError, match="Mid-Market"):
        defaults.with_plans_table(table)


# -- history from deals ----------------------------------------------------------


def deals(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["account_id", "year", "amount"])


def test_history_from_deals_known_answer():
    ids = pd.Series(["A", "B", "C", "D"])
    d = deals(("A", 2021, 100), ("A", 2021, 50), ("A", 2022, 80), ("B", 2023, 40), ("B", 2025, 10))
    created = pd.Series([2015, 2023, 2018, 2020])
    derived = history_from_deals(
        ids, d, created_year=created, was_customer=np.array([True, True, True, False])
    )
    h = derived.history
    assert derived.years == (2021, 2025)
    # A: won before the window (first deal in its first year) → Created Date's year
    # B: won in 2023; 2024 without a deal is a year it was not a customer
    # C: no deal, but its type says it was a customer → lapsed since 2018
    # D: a prospect, no rows
    assert derived.first_year.tolist()[:3] == [2015, 2023, 2018]
    assert np.isnan(derived.first_year.iloc[3])
    assert derived.first_year_source.tolist() == ["created date", "first deal", "created date", ""]
    a = h[h["account_id"] == "A"]
    assert a["year"].tolist() == [2021, 2022, 2023, 2024, 2025]
    assert a["revenue"].tolist() == [150, 80, 0, 0, 0]
    assert a["active"].tolist() == [True, True, False, False, False]
    b = h[h["account_id"] == "B"]
    assert b["active"].tolist() == [True, False, True]
    assert h[h["account_id"] == "C"]["active"].tolist() == [False] * 5
    assert "D" not in set(h["account_id"])


def test_the_gap_rule_bridges_short_gaps_between_deals_only():
    ids = pd.Series(["B"])
    d = deals(("B", 2020, 10), ("B", 2022, 10), ("B", 2025, 10))
    one = history_from_deals(ids, d, gap_years=1).history["active"].tolist()
    assert one == [True, True, True, False, False, True]  # 2021 bridged; 2023–24 is two years
    two = history_from_deals(ids, d, gap_years=2).history["active"].tolist()
    assert two == [True] * 6
    with pytest.raises(ValueError):
        history_from_deals(ids, d, gap_years=-1)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("ABC"), st.integers(2019, 2024), st.integers(0, 1000)),
        min_size=1,
        max_size=30,
    )
)
def test_history_keeps_every_dollar_and_reads_active_as_revenue(rows):
    d = deals(*rows)
    h = history_from_deals(pd.Series(list("ABC")), d).history
    assert h["revenue"].sum() == d["amount"].sum()
    assert (h["active"] == (h["revenue"] > 0)).all()
    assert not h.duplicated(["account_id", "year"]).any()


def test_stages_and_account_types_read_as_people_write_them():
    stages = pd.Series(["Closed Won", "closedwon", "Closed Lost", "Negotiation", None, "Won"])
    assert won_stages(stages).tolist() == [True, True, False, False, False, True]
    types = pd.Series(["Customer - Direct", "Former Customer", "Prospect", "Channel Partner", None])
    assert customer_types(types).tolist() == [True, True, False, False, False]


# -- reps from owners --------------------------------------------------------------


def test_the_geometric_median_ignores_a_far_away_account():
    lat = np.array([40.0, 40.0, 40.1, 30.0])
    lon = np.array([-100.0, -100.1, -100.0, -80.0])
    mid = geometric_median(lat, lon, np.array([1.0, 1.0, 1.0, 1.0]))
    assert abs(mid[0] - 40.0) < 0.1 and abs(mid[1] + 100.0) < 0.1


def test_reps_are_owners_with_homes_typed_kept_or_proposed():
    accounts = pd.DataFrame(
        {
            "owner_rep_id": ["Dana", "Dana", "Lee", "Kim", None],
            "lat": [42.36, 42.37, 30.27, 41.88, 35.0],
            "lon": [-71.06, -71.05, -97.74, -87.63, -90.0],
            "tav": [1.0, 1.0, 1.0, 1.0, 1.0],
        }
    )
    homes = pd.DataFrame(
        {"rep_id": ["Lee"], "home_city": ["Dallas"], "home_state": ["TX"], "home_zip": [None]}
    )
    current = pd.DataFrame(
        {"rep_id": ["Kim"], "name": ["Kim Lo"], "home_city": ["Evanston"], "home_state": ["IL"],
         "home_lat": [42.05], "home_lon": [-87.69], "seniority": ["Senior"], "capacity": [0.5],
         "annual_cost": [99.0]}
    )  # fmt: skip
    reps, review, unplaced, owners = reps_from_owners(
        accounts, ImportDefaults(), homes=homes, current=current
    )
    assert owners.tolist()[:4] == ["Dana", "Dana", "Lee", "Kim"]
    assert unplaced == []
    by = reps.set_index("rep_id")
    assert list(by.index) == ["Dana", "Kim", "Lee"]
    assert by.loc["Dana", "home_state"] == "MA" and by.loc["Dana", "capacity"] == 1.0
    assert by.loc["Dana", "annual_cost"] == 150_000.0
    assert by.loc["Lee", "home_city"] == "Dallas" and abs(by.loc["Lee", "home_lat"] - 32.8) < 0.3
    assert by.loc["Kim", "home_city"] == "Evanston" and by.loc["Kim", "capacity"] == 0.5
    flagged = review.set_index("rep_id")
    assert flagged["review"].to_dict() == {"Dana": True, "Kim": False, "Lee": False}
    assert flagged.loc["Dana", "accounts"] == 2


# -- the whole import --------------------------------------------------------------


def upload(name: str, frame: pd.DataFrame):
    export, problems = read_export(Upload(name, frame.to_csv(index=False).encode()), "accounts")
    assert export is not None, problems
    return export


def tiny_opps() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Account Name": ["Acme", "Acme", "Birch", "Birch"],
            "Stage": ["Closed Won", "Closed Won", "Closed Won", "Closed Lost"],
            "Close Date": ["3/1/2025", "3/1/2026", "6/1/2026", "6/2/2026"],
            "Amount": ["$9,000", "$10,000", "$4,000", "$1,000,000"],
            "Probability (%)": ["100", "100", "100", "0"],
        }
    )


def crm_report(accounts: pd.DataFrame, opps: pd.DataFrame | None = None, **kw):
    acc = upload("accounts.csv", accounts)
    mapping = propose_mapping("accounts", acc.columns, acc.cells)
    for field, column in kw.pop("choose", {}).items():
        mapping = mapping.with_choice(field, column)
    if opps is None:
        return validate_crm_import(acc, mapping, **kw)
    opp, _ = read_export(Upload("opps.csv", opps.to_csv(index=False).encode()), "opportunities")
    deal_mapping = propose_mapping("opportunities", opp.columns, opp.cells)
    if "amount" in kw:
        deal_mapping = deal_mapping.with_choice("amount", kw.pop("amount"))
    return validate_crm_import(acc, mapping, opportunities=opp, deal_mapping=deal_mapping, **kw)


def test_a_salesforce_style_export_imports_with_defaults_and_progress(tmp_path):
    steps = []
    report = crm_report(sf_cells(), tiny_opps(), progress=lambda share, text: steps.append(share))
    assert report.ok, [e.message for e in report.report.errors]
    d = report.report.dataset
    acme = d.accounts.set_index("account_id").loc["001A"]
    assert acme["size_segment"] == "SMB" and acme["tav"] == 10_000.0
    assert acme["industry"] == "Unknown" and acme["visits_per_year"] == 4.0
    # its first deal is in the deals' first year, so it may be older: Created Date (2019) says so
    assert acme["first_year"] == 2019 and acme["owner_rep_id"] == "Dana Reyes"
    assert d.accounts.set_index("account_id").loc["001B", "size_segment"] == "Enterprise"
    assert d.history.to_dict("list") == {
        "account_id": ["001A", "001A", "001B"],
        "year": [2025, 2026, 2026],
        "revenue": [9_000.0, 10_000.0, 4_000.0],
        "active": [True, True, True],
    }
    assert sorted(d.reps["rep_id"]) == ["Dana Reyes", "Lee Park"]
    assert steps == sorted(steps) and steps[-1] == 1.0
    assert any("1 rows of opps.csv are not won" in n for n in report.notes)
    store = Store(tmp_path / "s.duckdb")
    apply_crm_import(store, report)
    assert store.counts() == {"reps": 2, "accounts": 2, "account_history": 3}
    mapping = report.mappings[0]
    assert store.mapping(mapping.key) == mapping.to_json()


def test_a_bad_cell_names_the_file_row_and_the_files_own_column(tmp_path):
    cells = sf_cells()
    cells.loc[1, "Annual Revenue"] = "lots"
    proposed = propose_mapping("accounts", tuple(cells.columns), cells)
    assert proposed.column("annual_revenue") is None  # half its cells are no amounts
    why = next(c.why for c in proposed.choices if c.field == "annual_revenue")
    assert "only 50% of its values look like amounts" in why
    report = crm_report(cells, choose={"annual_revenue": "Annual Revenue"})
    assert not report.ok
    assert [e.message for e in report.report.errors] == [
        "accounts.csv, row 3, column 'Annual Revenue': 'lots' is not a number"
    ]
    store = Store(tmp_path / "s.duckdb")
    with pytest.raises(ValueError, match="nothing was written"):
        apply_crm_import(store, report)
    assert store.is_empty()


def test_an_export_without_a_key_or_a_place_says_which_columns_to_choose():
    report = crm_report(pd.DataFrame({"Phone": ["1"], "Industry": ["Retail"]}))
    messages = " ".join(e.message for e in report.report.errors)
    assert "account ID or the account name" in messages
    assert "latitude and longitude, a ZIP code, or a city and a state" in messages


def test_deals_link_by_name_and_unknown_accounts_are_named():
    opps = tiny_opps()
    opps.loc[2, "Account Name"] = "Cedar"
    report = crm_report(sf_cells(), opps)
    assert [e.message for e in report.report.errors] == [
        "opps.csv, row 4, column 'Account Name': 'Cedar' is not an account name of the "
        "accounts export"
    ]


def test_the_wrong_amount_column_fails_a_visible_check_until_confirmed(tmp_path):
    report = crm_report(sf_cells(), tiny_opps(), amount="Probability (%)")
    assert report.ok  # every cell reads; only the numbers give it away
    failed = report.failed_checks
    assert [c.name for c in failed] == ["Deal amounts against TAV"]
    assert "'Probability (%)'" in failed[0].detail
    store = Store(tmp_path / "s.duckdb")
    with pytest.raises(ValueError, match="confirm"):
        apply_crm_import(store, report)
    assert store.is_empty()
    apply_crm_import(store, report, confirmed=True)
    assert store.counts()["accounts"] == 2


# -- what a re-import changes ------------------------------------------------------


def test_a_reimport_says_what_changes_and_proposes_owners():
    from tiny_data import make_dataset

    from engine.imports.diff import import_diff, with_owners

    current = make_dataset()
    accounts = current.accounts.copy()
    accounts.loc[1, "owner_rep_id"] = "R2"  # A2 changes hands
    accounts.loc[2, ["lat", "lon", "city"]] = [41.0, -90.0, "Gamma"]  # A3 moves ~111 km
    accounts = accounts[accounts["account_id"] != "A4"]  # A4 is gone
    new_rows = pd.DataFrame(
        {
            "account_id": ["A5", "A6"],
            "name": ["Elm", "Fir"],
            "city": ["Alpha", "Far"],
            "state": ["KS", "MO"],
            "lat": [40.01, 40.0],
            "lon": [-100.01, -91.0],
            "industry": ["Retail"] * 2,
            "size_segment": ["SMB"] * 2,
            "tav": [100.0, 100.0],
            "owner_rep_id": [None, None],
            "visits_per_year": [1.0, 1.0],
            "minutes_per_visit": [30.0, 30.0],
        }
    )
    accounts = pd.concat([accounts, new_rows], ignore_index=True)
    history = current.history.copy()
    history.loc[1, "revenue"] = 130.0  # A1's 2026 revenue: 100 → 130
    reps = pd.concat([current.reps, current.reps.iloc[[1]].assign(rep_id="R3")], ignore_index=True)
    new = Dataset(accounts, reps, history)
    plan = pd.DataFrame({"account_id": ["A1", "A2", "A3"], "rep_id": ["R1", "R1", "R2"]})
    diff = import_diff(current, new, plan=plan, plan_id="s1")

    assert diff.accounts_new["account_id"].tolist() == ["A5", "A6"]
    assert diff.accounts_gone["account_id"].tolist() == ["A4"]
    assert diff.accounts_changed[["account_id", "change", "before", "after"]].values.tolist() == [
        ["A1", "revenue", "2026: $100", "2026: $130"],
        ["A2", "owner", "R1", "R2"],
        ["A3", "location", "Beta, MO", "Gamma, MO (111 km away)"],
    ]
    assert diff.reps_new == ("R3",) and diff.reps_gone == ()
    proposed = diff.proposals.set_index("account_id")
    assert proposed.loc["A5", "proposed_owner"] == "R1"  # its county is R1's
    assert proposed.loc["A6", "proposed_owner"] == "R2"  # the nearest account is A3's or A2's
    d = diff.drift
    assert (d.accounts_moved, d.accounts_unknown, d.accounts_unowned, d.accounts) == (1, 2, 2, 5)
    assert d.measure == "TAV"
    assert d.spread_today == float("inf")  # R3 owns nothing yet
    assert d.spread_plan == pytest.approx(900 / 300)
    assert "Accounts: 2 new, 1 gone, 3 changed" in diff.summary()[0]
    owned = with_owners(new, diff.proposals).accounts.set_index("account_id")["owner_rep_id"]
    assert owned[["A5", "A6"]].tolist() == ["R1", "R2"]


def test_the_same_data_again_changes_nothing():
    from tiny_data import make_dataset

    from engine.imports.diff import import_diff

    diff = import_diff(make_dataset(), make_dataset())
    assert not diff.changes and diff.drift is None and diff.proposals.empty


def test_an_owner_named_like_a_current_rep_stays_that_rep():
    accounts = pd.DataFrame(
        {"owner_rep_id": ["dana reyes", "Lee"], "lat": [40.0, 41.0], "lon": [-100.0, -90.0],
         "tav": [1.0, 1.0]}
    )  # fmt: skip
    current = make_dataset().reps  # R1 is Dana Reyes, at home in Alpha, KS
    reps, review, _, owners = reps_from_owners(accounts, ImportDefaults(), current=current)
    assert owners.tolist() == ["R1", "Lee"]
    r1 = reps.set_index("rep_id").loc["R1"]
    assert (r1["name"], r1["home_city"], r1["seniority"]) == ("Dana Reyes", "Alpha", "Senior")
    assert review.set_index("rep_id")["review"].to_dict() == {"Lee": True, "R1": False}


def test_a_reps_file_names_the_team_and_new_owners_are_flagged():
    reps = make_dataset().reps  # R1 Dana Reyes, R2 Lee Park
    reps = pd.concat([reps, reps.iloc[[1]].assign(rep_id="R3", name="Kim Lo")], ignore_index=True)
    cells = sf_cells()
    cells.loc[1, "Account Owner"] = "Pat New"
    report = crm_report(cells, reps=Upload("reps.csv", reps.to_csv(index=False).encode()))
    assert report.ok, [e.message for e in report.report.errors]
    d = report.report.dataset
    assert d.accounts["owner_rep_id"].tolist() == ["R1", "Pat New"]
    assert sorted(d.reps["rep_id"]) == ["Pat New", "R1", "R2", "R3"]  # R2, R3 own nothing yet
    review = report.reps_review.set_index("rep_id")
    assert review.loc["R3", "home"] == "as in reps.csv" and review.loc["R3", "accounts"] == 0
    assert review.loc["Pat New", "review"]
    assert [w.message for w in report.report.warnings] == [
        "accounts.csv, column 'Account Owner': 1 owner(s) are not reps of reps.csv (Pat New); "
        "they become new reps, their homes proposed"
    ]
    assert report.report.files == ("accounts.csv", "reps.csv")


def test_a_bad_reps_file_is_checked_like_a_native_one():
    reps = make_dataset().reps
    reps.loc[1, "capacity"] = -1
    report = crm_report(sf_cells(), reps=Upload("reps.csv", reps.to_csv(index=False).encode()))
    assert not report.ok
    assert report.report.errors[0].message.startswith("reps.csv, row 3, column 'capacity'")
