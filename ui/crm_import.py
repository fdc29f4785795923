"""The Data page's CRM import: upload, the column mapping, defaults, rep homes, checks, changes, import.

Pure builders (`mapping_table`, `preview`, `defaults_from_inputs`) shape what the
page shows; `draw_crm_import` draws the steps. Every automatic choice is on the
page with its reason and a selectbox to change it; a failed plausibility check
must be ticked off before the Import button works.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pandas as pd
import streamlit as st

from engine.imports import ImportReport, Upload
from engine.imports.crm import CrmReport, Export, apply_crm_import, read_export, validate_crm_import
from engine.imports.defaults import ImportDefaults
from engine.imports.diff import ImportDiff, import_diff, with_owners
from engine.imports.mapping import FIELDS, ColumnMapping, propose_mapping
from engine.imports.owners import HOME_COLUMNS
from engine.store import Dataset, DatasetInfo, Store
from ui.format import count

REPORT_KEY = "crm_import_report"
DIFF_KEY = "crm_import_diff"
HOMES_KEY = "crm_import_homes"
DONE_KEY = "crm_import_done"
NONE = "(not in the file)"
FILE_TYPES = ["csv", "txt", "tsv", "xlsx", "xlsm"]
EXAMPLES = 3
CHANGE_LABELS = {
    "account_id": "Account",
    "name": "Name",
    "change": "What",
    "before": "Before",
    "after": "After",
    "owner_rep_id": "Owner",
    "proposed_owner": "Proposed owner",
    "why": "Why",
}


# -- pure builders ---------------------------------------------------------------


def examples(export: Export, column: str | None, n: int = EXAMPLES) -> str:
    """Return the first few non-empty values of a column, for a person to recognise it."""
    if column is None:
        return ""
    values = export.cells[column]
    values = values[values != ""].head(n)
    return ", ".join(v if len(v) <= 24 else v[:23] + "…" for v in values)


def mapping_table(export: Export, mapping: ColumnMapping) -> pd.DataFrame:
    """Return one row per field: its label, the column chosen, why, and example values."""
    labels = {f.name: f.label for f in FIELDS[mapping.kind]}
    return pd.DataFrame(
        {
            "Field": [labels[c.field] for c in mapping.choices],
            "Column": [c.column or NONE for c in mapping.choices],
            "Why": [c.why for c in mapping.choices],
            "Examples": [examples(export, c.column) for c in mapping.choices],
        }
    )


def preview(export: Export, mapping: ColumnMapping, n: int = 5) -> pd.DataFrame:
    """Return the first `n` rows as Realign will read them: one column per mapped field."""
    labels = {f.name: f.label for f in FIELDS[mapping.kind]}
    chosen = mapping.fields()
    out = pd.DataFrame({labels[f]: export.cells[c].head(n) for f, c in chosen.items()})
    out.insert(0, "Row", export.rows[:n])
    return out


def defaults_from_inputs(
    base: ImportDefaults,
    plans: pd.DataFrame,
    *,
    tav_share_pct: float,
    employee_bands: tuple[float, float],
    revenue_bands_musd: tuple[float, float],
    rep_cost: float,
    gap_years: int,
    industry: str,
) -> ImportDefaults:
    """Return the defaults as the page's inputs set them; raise ValueError on an unusable one."""
    if not 0 < employee_bands[0] < employee_bands[1]:
        raise ValueError("the Mid-Market employee count must be below the Enterprise one")
    if not 0 < revenue_bands_musd[0] < revenue_bands_musd[1]:
        raise ValueError("the Mid-Market annual revenue must be below the Enterprise one")
    return replace(
        base.with_plans_table(plans),
        tav_share=tav_share_pct / 100,
        employee_bands=(float(employee_bands[0]), float(employee_bands[1])),
        revenue_bands=(revenue_bands_musd[0] * 1e6, revenue_bands_musd[1] * 1e6),
        rep_cost=float(rep_cost),
        gap_years=int(gap_years),
        industry=industry.strip() or base.industry,
    )


def typed_homes(review: pd.DataFrame, edited: pd.DataFrame) -> pd.DataFrame:
    """Return the homes a person typed: rows edited now, or typed before and kept.

    `review` is the last check's reps table, `edited` the homes table as the
    page holds it (rep_id, home_city, home_state, home_zip), row for row.
    """
    changed = (
        (edited["home_city"].fillna("").to_numpy() != review["home_city"].fillna("").to_numpy())
        | (edited["home_state"].fillna("").to_numpy() != review["home_state"].fillna("").to_numpy())
        | (edited["home_zip"].fillna("").astype(str).str.strip() != "").to_numpy()
        | review["home"].str.startswith("as you typed").to_numpy()
    )
    return edited.loc[changed, HOME_COLUMNS].reset_index(drop=True)


# -- drawing ---------------------------------------------------------------------


@st.cache_data(show_spinner="Reading the file…", max_entries=4)
def _read(name: str, data: bytes, kind: str) -> tuple[Export | None, tuple]:
    return read_export(Upload(name, data), kind)


def _mapping_step(store: Store, export: Export) -> ColumnMapping:
    """Draw the proposed mapping of one export with a selectbox per field; return it as chosen."""
    proposed = propose_mapping(export.kind, export.columns, export.cells)
    remembered = store.mapping(proposed.key)
    if remembered is not None:
        proposed = proposed.remembered(remembered)
    table = mapping_table(export, proposed)
    automatic = sum(1 for c in proposed.choices if c.column is not None)
    st.markdown(
        f"**{export.file_name}**: {count(len(export.cells))} rows, {len(export.columns)} columns; "
        f"{automatic} fields found"
        + (" (remembered from your last import)" if remembered else "")
        + ". Check each choice; change any that is wrong."
    )
    options = [NONE, *export.columns]
    mapping = proposed
    for choice, (_, row) in zip(proposed.choices, table.iterrows(), strict=True):
        left, middle, right = st.columns([2, 3, 5])
        left.markdown(row["Field"])
        picked = middle.selectbox(
            row["Field"],
            options,
            index=options.index(row["Column"]),
            key=f"crm_map_{export.kind}_{proposed.key}_{choice.field}",
            label_visibility="collapsed",
        )
        column = None if picked == NONE else picked
        if column != choice.column:
            mapping = mapping.with_choice(choice.field, column)
            right.caption(
                "chosen by you" + (f" · e.g. {examples(export, column)}" if column else "")
            )
        else:
            right.caption(row["Why"] + (f" · e.g. {row['Examples']}" if row["Examples"] else ""))
    with st.expander(f"Preview of {export.file_name} as Realign reads it"):
        st.dataframe(preview(export, mapping), hide_index=True)
        extra = mapping.extra_columns
        st.caption(
            "Other columns, kept in your file and not used: " + ", ".join(extra)
            if extra
            else "Every column is used."
        )
    return mapping


def _defaults_step() -> ImportDefaults:
    """Draw the editable defaults; return them."""
    base = ImportDefaults()
    with st.expander("Defaults for what the export leaves out", expanded=False):
        st.caption(
            "Size segment from employees, else annual revenue; TAV as a share of annual "
            "revenue, else the segment's; visits and minutes from the segment's call plan."
        )
        plans = st.data_editor(
            base.plans_table(),
            hide_index=True,
            disabled=["Segment"],
            key="crm_plans",
            column_config={"TAV if unknown": st.column_config.NumberColumn(format="$%,.0f")},
        )
        a, b, c = st.columns(3)
        share = a.number_input(
            "TAV, % of annual revenue", 0.01, 100.0, base.tav_share * 100, key="crm_tav_share"
        )
        mid_emp = b.number_input(
            "Mid-Market from (employees)", 1, 10**7, int(base.employee_bands[0]), key="crm_emp_mid"
        )
        ent_emp = c.number_input(
            "Enterprise from (employees)", 2, 10**7, int(base.employee_bands[1]), key="crm_emp_ent"
        )
        mid_rev = a.number_input(
            "Mid-Market from (revenue, $M)",
            0.1,
            1e6,
            base.revenue_bands[0] / 1e6,
            key="crm_rev_mid",
        )
        ent_rev = b.number_input(
            "Enterprise from (revenue, $M)",
            0.2,
            1e7,
            base.revenue_bands[1] / 1e6,
            key="crm_rev_ent",
        )
        cost = c.number_input(
            "A new rep's yearly cost ($)",
            0,
            10**7,
            int(base.rep_cost),
            step=5_000,
            key="crm_rep_cost",
        )
        gap = a.number_input(
            "Years without a deal still counted as a customer (between two with)",
            0,
            5,
            base.gap_years,
            key="crm_gap",
        )
        industry = b.text_input("Industry when empty", base.industry, key="crm_industry")
    try:
        return defaults_from_inputs(
            base,
            plans,
            tav_share_pct=share,
            employee_bands=(mid_emp, ent_emp),
            revenue_bands_musd=(mid_rev, ent_rev),
            rep_cost=cost,
            gap_years=gap,
            industry=industry,
        )
    except ValueError as exc:
        st.error(f"Defaults: {exc}. The standard defaults are used.")
        return base


def _homes_step(crm: CrmReport | None) -> pd.DataFrame | None:
    """Draw the reps made from owners, with editable homes; return the homes typed."""
    if crm is None or crm.reps_review.empty:
        return st.session_state.get(HOMES_KEY)
    review = crm.reps_review
    flagged = int(review["review"].sum())
    st.markdown(f"**Reps from the owners** ({count(len(review))}; {count(flagged)} homes to check)")
    st.caption(
        "Type a city and state, or a ZIP code, for any home that is wrong, then check again. "
        f"New reps get {crm.defaults.rep_capacity:g} FTE and ${crm.defaults.rep_cost:,.0f} a year."
    )
    typed = st.session_state.get(HOMES_KEY)
    table = review.assign(home_zip="")
    if typed is not None and len(typed):
        keep = typed.set_index("rep_id")
        for column in ("home_city", "home_state", "home_zip"):
            hit = table["rep_id"].isin(keep.index)
            table.loc[hit, column] = table.loc[hit, "rep_id"].map(keep[column])
    edited = st.data_editor(
        table[["rep_id", "name", "accounts", "home_city", "home_state", "home_zip", "home"]].rename(
            columns={
                "rep_id": "Rep",
                "name": "Name",
                "accounts": "Accounts",
                "home_city": "Home city",
                "home_state": "State",
                "home_zip": "ZIP",
                "home": "Home is",
            }
        ),
        hide_index=True,
        disabled=["Rep", "Name", "Accounts", "Home is"],
        key="crm_homes",
    )
    homes = edited.rename(
        columns={
            "Rep": "rep_id",
            "Home city": "home_city",
            "State": "home_state",
            "ZIP": "home_zip",
        }
    )
    return typed_homes(review, homes)


def _potential(dataset: Dataset) -> pd.Series | None:
    """Return the new data's potential per account, or None when it cannot be forecast."""
    from engine.forecast import forecast_accounts

    try:
        with st.spinner("Forecasting the new data, to compare it with the plan of record…"):
            return forecast_accounts(dataset).potential()
    except ValueError:  # nothing to learn from (no history): the spread is measured on TAV
        return None


def _plan(store: Store) -> tuple[pd.DataFrame | None, str]:
    plan_id = store.plan_of_record()
    record = store.scenario(plan_id) if plan_id else None
    if record is None:
        return None, ""
    return record.assignments[["account_id", "rep_id"]], plan_id


def _show_checks(crm: CrmReport) -> None:
    for check in crm.checks:
        if check.passed:
            st.caption(f":material/check: **{check.name}**: {check.detail}")
        else:
            st.warning(f"**{check.name}**: {check.detail}", icon=":material/warning:")
    if crm.notes:
        st.markdown("**Filled by the defaults**")
        st.markdown("\n".join(f"- {n}" for n in crm.notes))


def _show_diff(diff: ImportDiff) -> None:
    st.markdown("**What this import changes**")
    st.markdown("\n".join(f"- {line}" for line in diff.summary()))
    for title, frame in (
        ("New accounts", diff.accounts_new),
        ("Accounts gone", diff.accounts_gone),
        ("Changed accounts", diff.accounts_changed),
        ("Proposed owners for new accounts without one", diff.proposals),
    ):
        if len(frame):
            with st.expander(f"{title} ({count(len(frame))})"):
                st.dataframe(frame.rename(columns=CHANGE_LABELS), hide_index=True)


def draw_crm_import(
    store: Store,
    info: DatasetInfo | None,
    current: Dataset,
    show_report: Callable[[ImportReport], None],
    clear_cache: Callable[[], None],
) -> None:
    """Draw the CRM import: files, mapping, defaults, homes, check, changes and the Import button."""
    st.caption(
        "An accounts report from Salesforce, HubSpot or another CRM, and optionally its "
        "closed-won opportunities (or invoices): account, close date, amount. No reps file "
        "is needed: the reps are the account owners. Replaces accounts, reps and history."
    )
    done = st.session_state.pop(DONE_KEY, None)
    if done is not None:
        st.success(f"Imported {done[1]}. The data version is now {done[0]}.")
    left, middle, right = st.columns(3)
    accounts_file = left.file_uploader("CRM accounts export", type=FILE_TYPES, key="crm_accounts")
    deals_file = middle.file_uploader(
        "Won opportunities or invoices (optional)", type=FILE_TYPES, key="crm_deals"
    )
    reps_file = right.file_uploader(
        "Reps file (optional)",
        type=FILE_TYPES,
        key="crm_reps",
        help="In Realign's own reps columns. Without one, the reps are the account owners.",
    )
    if accounts_file is None:
        st.session_state.pop(REPORT_KEY, None)
        return
    exports = []
    for upload, kind in ((accounts_file, "accounts"), (deals_file, "opportunities")):
        if upload is None:
            continue
        export, problems = _read(upload.name, upload.getvalue(), kind)
        if export is None:
            for problem in problems:
                st.error(problem.message)
            return
        exports.append(export)
    st.markdown("**Columns**")
    mappings = [_mapping_step(store, export) for export in exports]
    defaults = _defaults_step()
    crm: CrmReport | None = st.session_state.get(REPORT_KEY)
    homes = _homes_step(crm)
    if st.button("Check the export", type="secondary", key="crm_check"):
        bar = st.progress(0.0, text="Checking…")
        crm = validate_crm_import(
            exports[0],
            mappings[0],
            opportunities=exports[1] if len(exports) > 1 else None,
            deal_mapping=mappings[1] if len(mappings) > 1 else None,
            defaults=defaults,
            homes=homes,
            reps=Upload(reps_file.name, reps_file.getvalue()) if reps_file is not None else None,
            current=current if info is not None else None,
            current_version=info.data_version if info is not None else None,
            progress=lambda share, text: bar.progress(share, text=text),
        )
        bar.empty()
        st.session_state[REPORT_KEY] = crm
        st.session_state[HOMES_KEY] = homes
        diff = None
        if crm.ok and info is not None:
            plan, plan_id = _plan(store)
            diff = import_diff(
                current,
                crm.report.dataset,
                plan=plan,
                plan_id=plan_id,
                potential=_potential(crm.report.dataset) if plan is not None else None,
            )
        st.session_state[DIFF_KEY] = diff
        st.rerun()
    if crm is None:
        return
    show_report(crm.report)
    _show_checks(crm)
    diff: ImportDiff | None = st.session_state.get(DIFF_KEY)
    if diff is not None:
        _show_diff(diff)
    confirmed = True
    if crm.failed_checks:
        confirmed = st.checkbox(
            "I looked at the failed checks above; import anyway", key="crm_confirm"
        )
    give = (
        diff is not None
        and len(diff.proposals)
        and st.checkbox(
            f"Give the {count(len(diff.proposals))} new accounts without an owner their proposed owner",
            value=True,
            key="crm_give_owners",
        )
    )
    if st.button(
        "Import the CRM export",
        type="primary",
        disabled=not (crm.ok and confirmed),
        key="crm_import",
    ):
        if give:
            dataset = with_owners(crm.report.dataset, diff.proposals)
            crm = replace(crm, report=replace(crm.report, dataset=dataset))
        try:
            with st.spinner("Importing in one transaction…"):
                version = apply_crm_import(store, crm, confirmed=confirmed)
        except (RuntimeError, ValueError) as exc:
            st.error(str(exc))
            return
        clear_cache()
        for key in (REPORT_KEY, DIFF_KEY, HOMES_KEY):
            st.session_state.pop(key, None)
        st.session_state[DONE_KEY] = (version, ", ".join(crm.report.files))
        st.rerun()
