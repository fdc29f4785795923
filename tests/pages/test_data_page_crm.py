"""The Data page imports a CRM export: proposed mapping, changes, checks, re-import changes, import."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest
from tiny_data import make_dataset

from engine.imports.mapping import columns_key
from engine.store import REPO_ROOT, Store

PAGE = str(REPO_ROOT / "pages" / "data.py")
CRM_EXPORT = "A CRM export (Salesforce, HubSpot, …)"


def salesforce_accounts() -> pd.DataFrame:
    """The tiny dataset's accounts as a Salesforce report: owner names, no TAV, no visits."""
    tiny = make_dataset()
    names = tiny.reps.set_index("rep_id")["name"]
    a = tiny.accounts
    return pd.DataFrame(
        {
            "Account ID": a["account_id"],
            "Account Name": a["name"],
            "Billing City": a["city"],
            "Billing State/Province": a["state"],
            "Billing Zip/Postal Code": a["postal_code"],
            "Billing Latitude": a["lat"],
            "Billing Longitude": a["lon"],
            "Annual Revenue": [f"${v * 100:,.0f}" for v in a["tav"]],
            "Employees": [20, 30, 500, 10],
            # Birch (A2) has moved from Dana Reyes to Lee Park in the CRM
            "Account Owner": a["owner_rep_id"].map(names).fillna("").mask(a.index == 1, "Lee Park"),
            "Created Date": ["1/5/2020", "2/5/2021", "3/5/2022", "4/5/2023"],
            "Website": ["a.com", "b.com", "c.com", "d.com"],
        }
    )


def salesforce_deals() -> pd.DataFrame:
    h = make_dataset().history
    return pd.DataFrame(
        {
            "Account ID": h["account_id"],
            "Stage": "Closed Won",
            "Close Date": [f"6/1/{y}" for y in h["year"]],
            "Amount": [f"${v:,.2f}" for v in h["revenue"]],
            "Probability (%)": "100",
            "Quantity": "1",
        }
    )


def csv(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False).encode()


def crm_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception, at.exception
    at.radio(key="data_import_kind").set_value(CRM_EXPORT).run()
    assert not at.exception, at.exception
    at.file_uploader(key="crm_accounts").set_value(
        ("accounts.csv", csv(salesforce_accounts()), "text/csv")
    )
    at.file_uploader(key="crm_deals").set_value(
        ("opportunities.csv", csv(salesforce_deals()), "text/csv")
    )
    at.run()
    assert not at.exception, at.exception
    return at


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def text(at: AppTest) -> str:
    parts = [
        str(e.value)
        for kind in ("markdown", "caption", "success", "error", "warning", "info")
        for e in getattr(at, kind)
    ]
    return "\n".join(parts)


def picker(at: AppTest, kind: str, columns: list[str], field: str):
    return at.selectbox(key=f"crm_map_{kind}_{columns_key(kind, columns)}_{field}")


def test_the_page_proposes_every_column_with_its_reason(tiny_store_path):
    at = crm_page()
    columns = list(salesforce_accounts().columns)
    assert picker(at, "accounts", columns, "postal_code").value == "Billing Zip/Postal Code"
    assert picker(at, "accounts", columns, "owner").value == "Account Owner"
    assert picker(at, "accounts", columns, "tav").value == "(not in the file)"
    page = text(at)
    assert "the header 'Billing Zip/Postal Code' is a usual name for ZIP code" in page
    assert "Other columns, kept in your file and not used: Website" in page
    deals = list(salesforce_deals().columns)
    assert picker(at, "opportunities", deals, "amount").value == "Amount"


def test_check_shows_changes_and_imports_then_remembers_the_mapping(tiny_store_path):
    at = crm_page()
    deals = list(salesforce_deals().columns)
    # a person changes one choice: it says so, and it sticks
    picker(at, "opportunities", deals, "stage").set_value("(not in the file)").run()
    assert "chosen by you" in text(at)
    button(at, "Check the export").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("Ready to import: 4 accounts, 2 reps")
    page = text(at)
    assert "Deal amounts against TAV" in page
    assert "What this import changes" in page
    # the owners are the store's reps by name, so the team stays as it is
    assert "Reps: 0 new, 0 gone." in page
    assert "Accounts: 0 new, 0 gone, 1 changed (1 owner)." in page
    assert "Reps from the owners" in page
    button(at, "Import the CRM export").click().run()
    assert not at.exception, at.exception
    store = Store(tiny_store_path)
    try:
        assert store.counts() == {"reps": 2, "accounts": 4, "account_history": 6}
        assert sorted(store.reps()["rep_id"]) == ["R1", "R2"]
        assert store.accounts().set_index("account_id").loc["A2", "owner_rep_id"] == "R2"
        assert store.info().source == "upload: accounts.csv, opportunities.csv"
    finally:
        store.close()
    assert "The data version is now" in text(at)
    # the same columns again: the person's choice comes back
    at = crm_page()
    assert picker(at, "opportunities", deals, "stage").value == "(not in the file)"
    assert "remembered from your last import" in text(at)


def test_a_wrong_amount_column_blocks_the_import_until_confirmed(tiny_store_path):
    at = crm_page()
    deals = list(salesforce_deals().columns)
    picker(at, "opportunities", deals, "amount").set_value("Quantity").run()
    button(at, "Check the export").click().run()
    assert not at.exception, at.exception
    assert any("Deal amounts against TAV" in w.value for w in at.warning)
    assert button(at, "Import the CRM export").disabled
    at.checkbox(key="crm_confirm").check().run()
    assert not button(at, "Import the CRM export").disabled


def test_a_bad_export_says_what_to_choose_and_writes_nothing(tiny_store_path):
    at = crm_page()
    columns = list(salesforce_accounts().columns)
    for field in ("account_id", "name"):
        picker(at, "accounts", columns, field).set_value("(not in the file)")
    at.run()
    button(at, "Check the export").click().run()
    assert not at.exception, at.exception
    assert "nothing was written" in at.error[0].value
    problems = [p for t in at.table if "Problem" in t.value for p in t.value["Problem"]]
    assert any("account ID or the account name" in p for p in problems), problems
    assert button(at, "Import the CRM export").disabled


def test_the_changes_measure_drift_from_the_plan_of_record(tiny_store_path):
    from datetime import datetime

    from engine.store import ScenarioRecord

    store = Store(tiny_store_path)
    try:
        store.save_scenario(
            ScenarioRecord(
                scenario_id="plan1",
                name="The plan",
                spec_json="{}",
                data_version=store.info().data_version,
                created_at=datetime(2026, 12, 1),
                status="optimal",
                summary={},
                assignments=pd.DataFrame(
                    {
                        "account_id": ["A1", "A2", "A3", "A4"],
                        "rep_id": ["R1", "R1", "R2", "R2"],
                        "moved": [False, False, False, True],
                        "reason": [None] * 4,
                    }
                ),
                rep_measures=pd.DataFrame(columns=["rep_id", "measure", "value"]),
                metrics={},
            )
        )
        store.set_plan_of_record("plan1")
    finally:
        store.close()
    at = crm_page()
    button(at, "Check the export").click().run()
    assert not at.exception, at.exception
    page = text(at)
    # A2 went to Lee Park (R2) against the plan; A4 has no owner, the plan gave it to R2
    assert "Against the plan of record: 1 of 4 accounts have another owner than the plan's" in page
    assert "0 are not in the plan, 1 have no owner; potential per rep spreads" in page
