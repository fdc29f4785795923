"""Every link the app shows or reads: built and parsed here, ids checked once.

A link carries ids and view choices only, never session state, so a link pasted
in a meeting chat shows everyone the same thing. Each page's link is a frozen
dataclass: `*_link(view)` builds the relative URL a page shows, `parse_*`
reads `st.query_params` (any mapping of strings) back into the same view, with
the ids that cannot be followed dropped and said in `LinkProblem`s.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from engine.schema import TODAY_ALIGNMENT

TODAY = TODAY_ALIGNMENT
# Scenario and quota plan ids are the first ten hex digits of a SHA-256 (engine.scenario,
# engine.quota): anything else in a link is cut short or made up.
SAVED_ID = re.compile(r"[0-9a-f]{10}")  # matched whole: no line break after it either
STATE_CODE = re.compile(r"[A-Z]{2}")  # a two-letter US state code, as accounts carry it
COMPARE_MEASURES = ("potential", "workload_hours", "revenue")
MAX_EXTRA = 2  # Compare's KPI table holds the two sides and up to two more


def is_saved_id(value: str | None) -> bool:
    """Return True when `value` has the form of a scenario or quota plan id."""
    return value is not None and SAVED_ID.fullmatch(value) is not None


@dataclass(frozen=True)
class LinkProblem:
    """An id in a link that cannot be followed: malformed, or naming nothing saved."""

    value: str
    noun: str  # "scenario", "quota plan", "state", "rep" or "week"
    role: str = ""  # which of the link's ids: "left", "right", "extra"; "" when it has one
    malformed: bool = False

    @property
    def text(self) -> str:
        """Return the problem as a sentence fragment for a page's warning."""
        if self.noun == "region":
            if self.malformed:
                return f"`{self.value[:40]}` is too long for a region name"
            return f"no rep is in the region `{self.value}`; showing every region"
        if self.noun == "rep":
            return f"the alignment has no rep `{self.value[:40]}`; showing its first rep"
        if self.noun == "week":
            return f"`{self.value[:40]}` is not a week written like 2027-W01; showing next week"
        if self.noun == "state":
            if self.malformed:
                return f"`{self.value[:40]}` is not a two-letter state code"
            return f"no account is in the state `{self.value}`; showing every state"
        role = f" {self.role}" if self.role else ""
        if self.malformed:
            return f"the{role} {self.noun} id `{self.value[:40]}` is not a {self.noun} id"
        where = f" (the {self.role})" if self.role else ""
        return f"no saved {self.noun} has the id `{self.value}`{where}; it may be deleted"


def _href(page: str, params: Mapping[str, str | None]) -> str:
    """Return a relative link to a page: plain, so it works however the app is reached."""
    kept = {k: v for k, v in params.items() if v}
    return f"{page}?{urlencode(kept, safe=',')}" if kept else page


def _checked(
    value: str | None,
    known: Collection[str] | None,
    noun: str,
    role: str,
    problems: list[LinkProblem],
) -> str | None:
    """Return a saved id from a link, or None (saying why) when it cannot be followed.

    `known` is the ids the store holds; None checks the form only.
    """
    if not value:
        return None
    if not is_saved_id(value):
        problems.append(LinkProblem(value, noun, role, malformed=True))
        return None
    if known is not None and value not in known:
        problems.append(LinkProblem(value, noun, role))
        return None
    return value


def _alignment(
    value: str | None,
    known: Collection[str] | None,
    role: str,
    problems: list[LinkProblem],
) -> str | None:
    """Return an alignment reference from a link: "today", a saved scenario id, or None."""
    if value == TODAY:
        return TODAY
    return _checked(value, known, "scenario", role, problems)


def parse_state(
    params: Mapping[str, str], known: Collection[str] | None = None
) -> tuple[str | None, list[LinkProblem]]:
    """Return the state a link zooms to (None for every state), and why one was dropped.

    `known` is the states the accounts are in; a code in lower case is read in upper case.
    """
    value = (params.get("state") or "").strip()
    if not value:
        return None, []
    code = value.upper()
    if not STATE_CODE.fullmatch(code):
        return None, [LinkProblem(value, "state", malformed=True)]
    if known is not None and code not in known:
        return None, [LinkProblem(code, "state")]
    return code, []


REGION_MAX = 80  # characters: longer is not a region name a link carries


def parse_region(
    params: Mapping[str, str], known: Collection[str] | None = None
) -> tuple[str | None, list[LinkProblem]]:
    """Return the region a link keeps (None for every region), and why one was dropped.

    `known` is the regions the reps are in (`engine.regions.regions`); a region
    is matched as written, after trimming.
    """
    value = (params.get("region") or "").strip()
    if not value:
        return None, []
    if len(value) > REGION_MAX:
        return None, [LinkProblem(value, "region", malformed=True)]
    if known is not None and value not in known:
        return None, [LinkProblem(value, "region")]
    return value, []


def state_link(page: str, state: str | None) -> str:
    """Return the link to a page with only a state chosen (every state when None)."""
    return _href(page, {"state": state})


# -- Scenario builder -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RebalanceLink:
    """The Scenario builder's view: the scenario shown, or the one whose settings to copy."""

    scenario: str | None = None
    clone: str | None = None
    state: str | None = None
    region: str | None = None

    def params(self) -> dict[str, str]:
        """Return the query parameters that carry this view (empty choices left out)."""
        body = {
            "scenario": self.scenario, "clone": self.clone, "state": self.state,
            "region": self.region,
        }  # fmt: skip
        return {k: v for k, v in body.items() if v}


def rebalance_link(view: RebalanceLink = RebalanceLink()) -> str:
    """Return the link to the Scenario builder showing (or cloning) a scenario."""
    return _href("rebalance", view.params())


def open_scenario_link(scenario: str) -> str:
    """Return the link that opens a saved scenario in the Scenario builder."""
    return rebalance_link(RebalanceLink(scenario=scenario))


def clone_link(scenario: str) -> str:
    """Return the link that starts a new scenario from a saved one's settings."""
    return rebalance_link(RebalanceLink(clone=scenario))


def parse_rebalance(
    params: Mapping[str, str],
    known: Collection[str] | None = None,
    states: Collection[str] | None = None,
) -> tuple[RebalanceLink, list[LinkProblem]]:
    """Return the Scenario builder's view a link asks for, and the ids it could not follow."""
    problems: list[LinkProblem] = []
    state, state_problems = parse_state(params, states)
    region, region_problems = parse_region(params)
    view = RebalanceLink(
        scenario=_checked(params.get("scenario"), known, "scenario", "", problems),
        clone=_checked(params.get("clone"), known, "scenario", "copied", problems),
        state=state,
        region=region,
    )
    return view, problems + state_problems + region_problems


# -- Compare --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompareLink:
    """Compare's view: two alignments, up to two more for the KPIs, a measure, a rep, two plans."""

    a: str = TODAY
    b: str | None = None
    more: tuple[str, ...] = ()
    measure: str = "potential"
    rep: str | None = None
    qa: str | None = None
    qb: str | None = None
    state: str | None = None
    region: str | None = None
    changes_only: bool = False

    def params(self) -> dict[str, str]:
        """Return the query parameters that carry this view (empty and default choices left out)."""
        body = {
            "a": self.a,
            "b": self.b,
            "more": ",".join(self.more),
            "measure": None if self.measure == "potential" else self.measure,
            "rep": self.rep,
            "qa": self.qa,
            "qb": self.qb,
            "state": self.state,
            "region": self.region,
            "changes": "only" if self.changes_only else None,
        }
        return {k: v for k, v in body.items() if v}


def compare_link(view: CompareLink) -> str:
    """Return the link to Compare showing this view."""
    return _href("compare", view.params())


def compare_with_today(scenario: str) -> str:
    """Return the link that compares a saved scenario with today's territories."""
    return compare_link(CompareLink(a=TODAY, b=scenario))


def compare_plans(qa: str, qb: str | None = None) -> str:
    """Return the link that compares two saved quota plans (or opens one on the left)."""
    return _href("compare", {"qa": qa, "qb": qb})


def parse_compare(
    params: Mapping[str, str],
    scenarios: Collection[str] | None = None,
    plans: Collection[str] | None = None,
    states: Collection[str] | None = None,
) -> tuple[CompareLink, list[LinkProblem]]:
    """Return the comparison a link asks for, and the ids it could not follow.

    `scenarios` and `plans` are the saved ids; an unknown or malformed one is
    dropped (the left side falls back to today), an unknown measure falls back
    to potential, and a repeated extra is kept once.
    """
    problems: list[LinkProblem] = []
    a = _alignment(params.get("a", TODAY), scenarios, "left", problems) or TODAY
    b = _alignment(params.get("b"), scenarios, "right", problems)
    more: list[str] = []
    for value in (params.get("more") or "").split(","):
        found = _alignment(value, scenarios, "extra", problems) if value else None
        if found and found not in (a, b, *more):
            more.append(found)
    measure = params.get("measure", "potential")
    state, state_problems = parse_state(params, states)
    region, region_problems = parse_region(params)
    problems += state_problems + region_problems
    view = CompareLink(
        a=a,
        b=b,
        more=tuple(more[:MAX_EXTRA]),
        measure=measure if measure in COMPARE_MEASURES else "potential",
        rep=params.get("rep") or None,
        qa=_checked(params.get("qa"), plans, "quota plan", "left", problems),
        qb=_checked(params.get("qb"), plans, "quota plan", "right", problems),
        state=state,
        region=region,
        changes_only=params.get("changes") == "only",
    )
    return view, problems


# -- Quotas ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuotaLink:
    """The Quotas page's view: the alignment quotas are split over, and a saved plan."""

    scenario: str = TODAY
    plan: str | None = None
    state: str | None = None
    region: str | None = None

    def params(self) -> dict[str, str]:
        """Return the query parameters that carry this view (today's alignment is the default)."""
        scenario = None if self.scenario == TODAY else self.scenario
        body = {"scenario": scenario, "plan": self.plan, "state": self.state, "region": self.region}
        return {k: v for k, v in body.items() if v}


def quota_link(view: QuotaLink = QuotaLink()) -> str:
    """Return the link to the Quotas page on an alignment, or reopening a saved plan."""
    return _href("quota", view.params())


def open_plan_link(plan: str) -> str:
    """Return the link that reopens a saved quota plan with its settings."""
    return quota_link(QuotaLink(plan=plan))


def parse_quota(
    params: Mapping[str, str],
    scenarios: Collection[str] | None = None,
    plans: Collection[str] | None = None,
    states: Collection[str] | None = None,
) -> tuple[QuotaLink, list[LinkProblem]]:
    """Return the Quotas view a link asks for; an alignment it cannot follow falls back to today."""
    problems: list[LinkProblem] = []
    scenario = _alignment(params.get("scenario", TODAY), scenarios, "", problems) or TODAY
    plan = _checked(params.get("plan"), plans, "quota plan", "", problems)
    state, state_problems = parse_state(params, states)
    region, region_problems = parse_region(params)
    link = QuotaLink(scenario=scenario, plan=plan, state=state, region=region)
    return link, problems + state_problems + region_problems


# -- Routes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoutesLink:
    """The Routes page's view: the alignment, the rep and the week (`YYYY-Www`) planned."""

    scenario: str = TODAY
    rep: str | None = None
    week: str | None = None

    def params(self) -> dict[str, str]:
        """Return the query parameters that carry this view (today's alignment is the default)."""
        scenario = None if self.scenario == TODAY else self.scenario
        body = {"scenario": scenario, "rep": self.rep, "week": self.week}
        return {k: v for k, v in body.items() if v}


def routes_link(view: RoutesLink = RoutesLink()) -> str:
    """Return the link to the Routes page for an alignment, a rep and a week."""
    return _href("routes", view.params())


def parse_routes(
    params: Mapping[str, str],
    scenarios: Collection[str] | None = None,
    reps: Collection[str] | None = None,
) -> tuple[RoutesLink, list[LinkProblem]]:
    """Return the Routes view a link asks for; what it cannot follow is dropped and said.

    An unknown scenario falls back to today; a rep the alignment does not have,
    or a week not written `YYYY-Www`, is dropped (the page picks its default).
    """
    problems: list[LinkProblem] = []
    scenario = _alignment(params.get("scenario", TODAY), scenarios, "", problems) or TODAY
    rep = (params.get("rep") or "").strip() or None
    if rep is not None and reps is not None and rep not in reps:
        problems.append(LinkProblem(rep, "rep"))
        rep = None
    raw = (params.get("week") or "").strip()
    week = raw.upper() or None
    if week is not None:
        from engine.routes.settings import week_start

        try:
            week_start(week)
        except ValueError:
            problems.append(LinkProblem(raw, "week", malformed=True))
            week = None
    return RoutesLink(scenario=scenario, rep=rep, week=week), problems
