"""Alignments: today's territories, or a saved scenario's, as one value every page reads.

An alignment is an owner for every account, the reps who own them (today's
team, or a scenario's roster with its hires and leavers) and the KPIs that
judge it. `resolve_alignment` turns a reference — `"today"` or a scenario id,
as links carry them — into a frozen `Alignment`, computed once: the Scenario
builder, Compare, Quotas, the Library and the Headcount sweep all read the same
value instead of each assembling accounts, owners and reps its own way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from engine.counties import county_territories
from engine.metrics import AlignmentKPIs, MetricSettings, account_view, score_alignment
from engine.roster import HIRED
from engine.schema import TODAY_ALIGNMENT
from engine.store import Dataset, ScenarioRecord, Store
from engine.summary import SavedRoster, ScenarioSummary

TODAY = TODAY_ALIGNMENT
TODAY_COLUMN = "owner_rep_id"  # today's owner, in every account view
SCENARIO_COLUMN = "scenario_rep_id"  # a scenario's owner, beside today's


class AlignmentNotFound(LookupError):
    """No saved scenario has the id an alignment reference names."""


@dataclass(frozen=True)
class Alignment:
    """An owner for every account, the reps who own them, and the KPIs that judge it.

    `view` is the account view (`engine.metrics.account_view`) with today's
    owner in `owner_rep_id` and this alignment's in `owner_col` (the same column
    for today). `reps` are the alignment's reps with a `change` column ("" for a
    rep as today; "added", "placed", "edited", "moved"); `removed` today's reps it
    lets go. `counties` are its `engine.counties.county_territories` (who holds
    each county, split and white space). `kpis` are scored on `data_version`,
    disruption against today's owners. A scenario carries its saved `record`
    and typed `summary`.
    """

    ref: str  # "today" or the scenario id
    name: str
    view: pd.DataFrame
    owner_col: str
    reps: pd.DataFrame
    removed: pd.DataFrame
    counties: pd.DataFrame
    kpis: AlignmentKPIs
    data_version: str  # the data it is scored on
    record: ScenarioRecord | None = None
    summary: ScenarioSummary | None = None

    @property
    def is_today(self) -> bool:
        """Return True for today's territories."""
        return self.ref == TODAY

    @property
    def ran_on(self) -> str:
        """Return the data version the alignment was made on (a scenario may predate today's)."""
        return self.record.data_version if self.record is not None else self.data_version

    @property
    def on_older_data(self) -> bool:
        """Return True when a scenario ran on data imported over since, and is scored anew."""
        return self.ran_on != self.data_version

    @property
    def owners(self) -> pd.Series:
        """Return each account's rep id in this alignment, indexed by account id."""
        return self.view.set_index("account_id")[self.owner_col]

    @property
    def hired(self) -> pd.Series:
        """Return the ids of the reps this alignment adds to today's team."""
        return self.reps.loc[self.reps["change"].isin(HIRED), "rep_id"]

    @property
    def reasons(self) -> pd.Series | None:
        """Return why each account has its rep, by account id (None for today)."""
        if self.record is None:
            return None
        return self.record.assignments.set_index("account_id")["reason"]


def rep_names(dataset: Dataset, *alignments: Alignment) -> pd.Series:
    """Return rep names by id: today's reps, then any rep only the given alignments have."""
    frames = [dataset.reps[["rep_id", "name"]], *(a.reps[["rep_id", "name"]] for a in alignments)]
    names = pd.concat(frames).drop_duplicates("rep_id")
    return names.set_index("rep_id")["name"]


def today_alignment(
    dataset: Dataset,
    data_version: str,
    potential: pd.Series | None,
    settings: MetricSettings | None = None,
    view: pd.DataFrame | None = None,
) -> Alignment:
    """Return today's territories: every account with today's owner, today's team, its KPIs.

    `view` is today's account view when the caller already has one.
    """
    settings = settings or MetricSettings()
    view = account_view(dataset, potential) if view is None else view
    counties = county_territories(view, TODAY_COLUMN)
    return Alignment(
        ref=TODAY,
        name="Today",
        view=view,
        owner_col=TODAY_COLUMN,
        reps=dataset.reps.assign(change=""),
        removed=dataset.reps.iloc[0:0],
        counties=counties,
        kpis=score_alignment(view, dataset.reps, settings=settings, counties=counties),
        data_version=data_version,
    )


def saved_reps(summary: ScenarioSummary, today: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the reps a saved run aligned to, and today's reps it removed.

    A run that changed no rep saved no roster: its reps are today's.
    """
    if summary.roster is None:
        return today.assign(change=""), today.iloc[0:0]
    reps = pd.DataFrame.from_records(list(summary.roster.reps))
    removed = today[today["rep_id"].isin(summary.roster.removed)].reset_index(drop=True)
    return reps, removed


def scenario_alignment(
    today: Alignment,
    ref: str,
    name: str,
    assignments: pd.DataFrame,
    reps: pd.DataFrame,
    removed: pd.DataFrame,
    settings: MetricSettings | None = None,
    record: ScenarioRecord | None = None,
    summary: ScenarioSummary | None = None,
) -> Alignment:
    """Return a scenario's alignment: today's accounts with the scenario's owners and reps.

    `assignments` has `account_id, rep_id`; an account it leaves out has no
    owner in the scenario.
    """
    settings = settings or MetricSettings()
    view = today.view.copy()
    owners = assignments.set_index("account_id")["rep_id"]
    view[SCENARIO_COLUMN] = view["account_id"].map(owners).astype("string")
    counties = county_territories(view, SCENARIO_COLUMN)
    return Alignment(
        ref=ref,
        name=name,
        view=view,
        owner_col=SCENARIO_COLUMN,
        reps=reps,
        removed=removed,
        counties=counties,
        kpis=score_alignment(
            view, reps, owner_col=SCENARIO_COLUMN, settings=settings, counties=counties
        ),
        data_version=today.data_version,
        record=record,
        summary=summary,
    )


def saved_alignment(
    record: ScenarioRecord, today: Alignment, dataset: Dataset, settings: MetricSettings | None
) -> Alignment:
    """Return a saved run's alignment, scored on today's data (whatever data it ran on)."""
    summary = ScenarioSummary.from_dict(record.summary, status=record.status)
    reps, removed = saved_reps(summary, dataset.reps)
    return scenario_alignment(
        today,
        record.scenario_id,
        record.name,
        record.assignments,
        reps,
        removed,
        settings,
        record=record,
        summary=summary,
    )


def resolve_alignment(
    store: Store,
    ref: str,
    dataset: Dataset,
    data_version: str,
    potential: pd.Series | None,
    settings: MetricSettings | None = None,
    today: Alignment | None = None,
) -> Alignment:
    """Return the alignment a reference names: `"today"` or a saved scenario's id.

    Raises `AlignmentNotFound` when no saved scenario has that id. `today` is
    today's alignment when the caller already has it (its view is reused).
    """
    if today is None:
        today = today_alignment(dataset, data_version, potential, settings)
    if ref == TODAY:
        return today
    record = store.scenario(ref)
    if record is None:
        raise AlignmentNotFound(ref)
    return saved_alignment(record, today, dataset, settings)


def owner_column(ref: str) -> str:
    """Return the column that holds an alignment's owners in `side_by_side`."""
    return TODAY_COLUMN if ref == TODAY else f"owner__{ref}"


def side_by_side(alignments: Sequence[Alignment]) -> pd.DataFrame:
    """Return one account view with every alignment's owners in its `owner_column`.

    The alignments must share today's view (as those resolved on one data version do).
    """
    if not alignments:
        raise ValueError("no alignments to put side by side")
    view = alignments[0].view.drop(columns=[SCENARIO_COLUMN], errors="ignore")
    for alignment in alignments:
        if not alignment.is_today:
            view[owner_column(alignment.ref)] = alignment.view[alignment.owner_col].to_numpy()
    return view


def roster_record(reps: pd.DataFrame, removed: pd.DataFrame) -> SavedRoster | None:
    """Return the roster a run saves, or None when its reps are today's unchanged."""
    if not len(removed) and not (reps["change"] != "").any():
        return None
    return SavedRoster.from_frames(reps, removed)
