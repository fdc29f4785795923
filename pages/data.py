"""Data: what is loaded, how clean it is, importing new files and exporting accounts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from engine import schema
from engine.access import Action
from engine.imports import (
    MAX_UPLOAD_MB,
    ImportReport,
    QualityReport,
    StaleImportError,
    Upload,
    export_accounts_csv,
    issues_table,
    quality_report,
    validate_import,
)
from engine.store import Dataset, DatasetInfo
from ui import actions, confirm
from ui.auth import why_not
from ui.crm_import import draw_crm_import
from ui.format import count
from ui.state import clear_data_cache, ensure_app_shell, get_store, load_dataset

ensure_app_shell()

REPORT_KEY = "data_import_report"
DONE_KEY = "data_import_done"
FILE_TYPES = ["csv", "txt", "tsv", "xlsx", "xlsm"]
PLACE_COLUMNS = {
    "row": "Row",
    "account_id": "Account",
    "name": "Name",
    "postal_code": "ZIP",
    "city": "City",
    "state": "State",
    "lat": "Latitude",
    "lon": "Longitude",
    "reason": "Why not",
}
NATIVE_FILES = "Realign's own tables"
CRM_EXPORT = "A CRM export (Salesforce, HubSpot, …)"
KIND_NAMES = {"text": "text", "number": "number", "integer": "whole number", "bool": "true/false"}


@st.cache_data(show_spinner="Checking data quality…", max_entries=4)
def _quality(_dataset: Dataset, version: str) -> QualityReport:
    # `version` is the cache key: the dataset behind one version never changes.
    return quality_report(_dataset)


@st.cache_data(show_spinner=False, max_entries=4)
def _export(_dataset: Dataset, version: str) -> bytes:
    return export_accounts_csv(_dataset)


def _loaded(info: DatasetInfo | None, dataset: Dataset, version: str) -> None:
    """Draw what the store holds: counts, version, source and load time; the export."""
    st.subheader("What is loaded")
    if info is None:
        st.info("No data is loaded yet. Import files below.")
        return
    cols = st.columns(3)
    cols[0].metric("Accounts", count(len(dataset.accounts)))
    cols[1].metric("Reps", count(len(dataset.reps)))
    cols[2].metric("History rows", count(len(dataset.history)))
    st.caption(
        f"Data version `{version}` · source: {info.source} · "
        f"loaded {info.loaded_at:%d %b %Y, %H:%M} UTC"
    )
    st.download_button(
        "Download accounts with owners (CSV)",
        data=_export(dataset, version),
        file_name=f"realign-accounts-{version}.csv",
        mime="text/csv",
        icon=":material/download:",
        key="data_export",
    )


def _quality_section(dataset: Dataset, version: str) -> None:
    """Draw the accounts without a location or outside every county, and likely duplicates."""
    st.subheader("Data quality")
    quality = _quality(dataset, version)
    left, middle, right = st.columns(3)
    left.metric("Accounts without a location", count(len(quality.without_location)))
    middle.metric("Accounts outside every county", count(len(quality.outside_counties)))
    right.metric("Possible duplicates with different owners", count(len(quality.duplicates)))

    st.markdown("**Accounts without a location**")
    if quality.without_location.empty:
        st.caption("Every account has a latitude and longitude.")
    else:
        st.caption("These accounts are left off the map and out of distance measures.")
        st.dataframe(
            quality.without_location.rename(
                columns={
                    "account_id": "Account",
                    "name": "Name",
                    "city": "City",
                    "state": "State",
                    "postal_code": "ZIP",
                    "owner_rep_id": "Owner",
                    "owner_name": "Owner name",
                }
            ),
            hide_index=True,
        )

    st.markdown("**Accounts outside every county**")
    if quality.outside_counties.empty:
        st.caption("Every placed account is in a US county.")
    else:
        st.caption(
            "Their latitude and longitude fall in no US county (a typo, swapped or missing "
            "signs, or an address abroad). They stay in the territories and on the map as "
            "dots, but count in no county."
        )
        st.dataframe(
            quality.outside_counties.rename(
                columns={
                    "account_id": "Account",
                    "name": "Name",
                    "city": "City",
                    "state": "State",
                    "lat": "Latitude",
                    "lon": "Longitude",
                    "owner_rep_id": "Owner",
                    "owner_name": "Owner name",
                }
            ),
            hide_index=True,
            column_config={
                "Latitude": st.column_config.NumberColumn(format="%.4f"),
                "Longitude": st.column_config.NumberColumn(format="%.4f"),
            },
        )

    st.markdown("**Possible duplicates owned by different reps**")
    if quality.duplicates.empty:
        st.caption("No accounts with the same name and place are split between reps.")
    else:
        st.caption(
            "Same name once punctuation and words like Inc, Corp, LLC or The are ignored, "
            "in the same ZIP code or city: two reps may be calling on one customer."
        )
        st.dataframe(
            quality.duplicates.rename(
                columns={
                    "account_id_a": "Account",
                    "name_a": "Name",
                    "owner_rep_id_a": "Owner",
                    "owner_name_a": "Owner name",
                    "account_id_b": "Other account",
                    "name_b": "Other name",
                    "owner_rep_id_b": "Other owner",
                    "owner_name_b": "Other owner name",
                    "matched_on": "Same place",
                }
            ),
            hide_index=True,
        )


def _show_report(report: ImportReport) -> None:
    """Draw a validation: verdict, errors, warnings and where accounts were placed."""
    (st.success if report.ok else st.error)(report.summary())
    if report.errors:
        st.markdown(f"**Errors** ({count(report.error_count)})")
        st.table(issues_table(report.errors), hide_index=True)  # wraps long messages
        if report.unlisted_errors:
            st.caption(f"…and {count(report.unlisted_errors)} more not listed.")
    if report.warnings:
        st.markdown(f"**Warnings** ({count(report.warning_count)})")
        st.table(issues_table(report.warnings), hide_index=True)
    if len(report.geocoded):
        with st.expander(f"Placed from their ZIP code ({count(len(report.geocoded))})"):
            st.dataframe(
                report.geocoded.rename(columns=PLACE_COLUMNS),
                hide_index=True,
                column_config={
                    "Latitude": st.column_config.NumberColumn(format="%.4f"),
                    "Longitude": st.column_config.NumberColumn(format="%.4f"),
                },
            )
    if len(report.unplaceable):
        with st.expander(f"Not placed ({count(len(report.unplaceable))})", expanded=True):
            st.caption("These accounts import without a location; add lat/lon or a US ZIP code.")
            st.dataframe(report.unplaceable.rename(columns=PLACE_COLUMNS), hide_index=True)


def _import_section(info: DatasetInfo | None, dataset: Dataset) -> None:
    """Draw the upload form, the validation report and the Import button."""
    st.subheader("Import")
    kind = st.radio(
        "What are you importing?",
        [NATIVE_FILES, CRM_EXPORT],
        horizontal=True,
        key="data_import_kind",
        help="A CRM export is mapped to Realign's columns on the page; what it lacks gets "
        "defaults you can see and change.",
    )
    if kind == CRM_EXPORT:
        draw_crm_import(get_store(), info, dataset, _show_report, clear_data_cache)
        return
    st.caption(
        f"CSV or Excel (.xlsx), up to {MAX_UPLOAD_MB} MB each. Each file you upload replaces "
        "that table; tables you leave empty keep their current data. Nothing is written until "
        "the files pass every check and you press Import."
    )
    with st.form("data_upload"):
        cols = st.columns(3)
        labels = {"accounts": "Accounts", "reps": "Reps", "history": "Account history"}
        files = {
            table: col.file_uploader(
                label, type=FILE_TYPES, key=f"data_{table}", max_upload_size=MAX_UPLOAD_MB
            )
            for col, (table, label) in zip(cols, labels.items(), strict=True)
        }
        validate = st.form_submit_button("Validate")
    if validate:
        uploads = {t: Upload(f.name, f.getvalue()) for t, f in files.items() if f is not None}
        with st.spinner("Checking the files…"):
            st.session_state[REPORT_KEY] = validate_import(
                **uploads,
                current=dataset if info is not None else None,
                current_version=info.data_version if info is not None else None,
            )
    done = st.session_state.pop(DONE_KEY, None)
    if done is not None:
        version, source = done
        message = f"Imported {source.removeprefix('upload: ')}. The data version is now {version}."
        st.success(message)
        st.toast(message, icon=":material/check_circle:")
    report: ImportReport | None = st.session_state.get(REPORT_KEY)
    if report is None:
        return
    _show_report(report)
    target = (report.files, report.base_version)
    blocked = why_not(Action.IMPORT_DATA)
    st.button(
        "Import", type="primary", disabled=not report.ok or blocked is not None,
        key="data_import", on_click=confirm.ask, args=("data_import", target), help=blocked,
    )  # fmt: skip
    if report.ok and confirm.confirm(
        "data_import", target, _replace_question(report, dataset), "Yes, replace the data"
    ):
        try:
            with st.spinner("Importing in one transaction…"):
                version = actions.import_data(report)
        except StaleImportError as exc:
            st.error(str(exc))
            return
        clear_data_cache()
        del st.session_state[REPORT_KEY]
        st.session_state[DONE_KEY] = (version, report.source)
        st.rerun()


def _replace_question(report: ImportReport, dataset: Dataset) -> str:
    """Return what Import asks first: which tables are replaced, and what they hold now."""
    now = {"accounts": dataset.accounts, "reps": dataset.reps, "account_history": dataset.history}
    replaced = [
        f"{schema.TABLE_LABELS[t]} ({count(len(now[t]))} rows now)" if t in now else t
        for t in report.replaced
    ]
    return (
        f"Replace the {' and '.join(replaced)} with {', '.join(report.files)}? The current "
        "rows are gone for good once the new ones are written; saved scenarios stay, marked as "
        "run on older data."
    )


def _audit_section() -> None:
    """Draw the audit log: who imported, saved, renamed, deleted or marked what, and when."""
    log = get_store().audit_log()
    with st.expander(f"Audit log ({count(len(log))} most recent changes)"):
        if log.empty:
            st.caption("Nothing has been changed through Realign yet.")
            return
        st.dataframe(
            log.rename(
                columns={
                    "happened_at": "When (UTC)", "user_name": "Who", "user_id": "User", "role": "Role",
                    "action": "What", "target": "Scenario, plan or data version",
                    "detail": "Detail",
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={"When (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss")},
        )  # fmt: skip


def _columns_note() -> None:
    """Draw the columns each file needs, from the schema."""
    with st.expander("Expected columns"):
        st.caption(
            "The first row holds the column names; case and spaces do not matter ('Account ID' "
            "works). Other columns are ignored. Row numbers in messages count this header as "
            "row 1, as Excel does."
        )
        for table, columns in schema.TABLES.items():
            st.markdown(f"**{schema.TABLE_LABELS[table].capitalize()}** (`{table}.csv`)")
            st.dataframe(
                pd.DataFrame(
                    {
                        "Column": [c.name for c in columns],
                        "Required": ["yes" if c.required else "" for c in columns],
                        "Type": [KIND_NAMES[c.kind] for c in columns],
                        "Meaning": [
                            c.label[:1].upper()
                            + c.label[1:]
                            + (f". {c.description}" if c.description else "")
                            for c in columns
                        ],
                    }
                ),
                hide_index=True,
            )


st.title("Data")
store_info = get_store().info()
current, current_version = load_dataset()
_loaded(store_info, current, current_version)
if store_info is not None:
    _quality_section(current, current_version)
_import_section(store_info, current)
_audit_section()
_columns_note()
