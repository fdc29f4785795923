"""Links: every view survives being built into a URL and parsed back; bad ids are said."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ui.links import (
    COMPARE_MEASURES,
    MAX_EXTRA,
    TODAY,
    CompareLink,
    LinkProblem,
    QuotaLink,
    RebalanceLink,
    clone_link,
    compare_link,
    compare_plans,
    compare_with_today,
    is_saved_id,
    open_plan_link,
    open_scenario_link,
    parse_compare,
    parse_quota,
    parse_rebalance,
    parse_region,
    parse_state,
    quota_link,
    rebalance_link,
    state_link,
)

S1, S2, S3, S4 = "0123456789", "abcdef0123", "fedcba9876", "00000000ff"
P1, P2 = "a1b2c3d4e5", "5e4d3c2b1a"
SCENARIOS = {S1, S2, S3, S4}
PLANS = {P1, P2}
MALFORMED = ["nosuchid00", "abc", "ZZZZZZZZZZ", "ABCDEF0123", "0123456789a", "0123-45678"]


def query(link: str) -> tuple[str, dict[str, str]]:
    """Return a link's page and its parameters, the last value of each as Streamlit keeps it."""
    parts = urlsplit(link)
    return parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()}


def test_the_form_of_a_saved_id():
    assert is_saved_id(S1) and is_saved_id(P2)
    for bad in [*MALFORMED, "", None, TODAY]:
        assert not is_saved_id(bad), bad


def test_an_id_with_a_line_break_after_it_is_not_a_saved_id():
    # A query string can carry "%0A": the id must be the whole value.
    assert not is_saved_id(S1 + "\n")
    view, problems = parse_rebalance({"scenario": S1 + "\n"})
    assert view.scenario is None
    assert [p.malformed for p in problems] == [True]


@pytest.mark.parametrize(
    "view",
    [
        RebalanceLink(),
        RebalanceLink(scenario=S1),
        RebalanceLink(clone=S2),
        RebalanceLink(S1, state="TX"),
    ],
)
def test_a_rebalance_link_parses_back_to_its_view(view):
    page, params = query(rebalance_link(view))
    assert page == "rebalance"
    assert parse_rebalance(params, SCENARIOS) == (view, [])
    assert parse_rebalance(params) == (view, [])  # form check only


def test_open_and_clone_links_name_the_scenario():
    assert query(open_scenario_link(S1)) == ("rebalance", {"scenario": S1})
    assert query(clone_link(S2)) == ("rebalance", {"clone": S2})
    assert rebalance_link() == "rebalance"
    _, params = query(clone_link(S2))
    assert parse_rebalance(params, SCENARIOS) == (RebalanceLink(clone=S2), [])


def test_a_rebalance_link_drops_ids_it_cannot_follow():
    view, problems = parse_rebalance({"scenario": S3, "clone": "nosuchid00"}, known={S1})
    assert view == RebalanceLink()
    unknown, malformed = problems
    assert unknown == LinkProblem(S3, "scenario", "", malformed=False)
    assert malformed == LinkProblem("nosuchid00", "scenario", "copied", malformed=True)
    assert S3 in unknown.text and "no saved scenario" in unknown.text
    assert "nosuchid00" in malformed.text and "copied" in malformed.text


COMPARE_VIEWS = [
    CompareLink(),
    CompareLink(a=S1),
    CompareLink(a=TODAY, b=S1),
    CompareLink(a=S1, b=S2, more=(S3, TODAY), measure="workload_hours", rep="R1"),
    CompareLink(b=S1, more=(S2,), measure="revenue", qa=P1, qb=P2),
    CompareLink(qa=P1),
    CompareLink(a=TODAY, b=S1, state="CA", changes_only=True),
]


@pytest.mark.parametrize("view", COMPARE_VIEWS)
def test_a_compare_link_parses_back_to_its_view(view):
    page, params = query(compare_link(view))
    assert page == "compare"
    assert parse_compare(params, SCENARIOS, PLANS) == (view, [])


def test_the_shortcut_compare_links():
    _, params = query(compare_with_today(S1))
    assert parse_compare(params, SCENARIOS, PLANS) == (CompareLink(a=TODAY, b=S1), [])
    _, params = query(compare_plans(P1, P2))
    assert params == {"qa": P1, "qb": P2}
    assert parse_compare(params, SCENARIOS, PLANS) == (CompareLink(qa=P1, qb=P2), [])
    _, params = query(compare_plans(P1))
    assert parse_compare(params, SCENARIOS, PLANS) == (CompareLink(qa=P1), [])


ids = st.text(alphabet="0123456789abcdef", min_size=10, max_size=10)


@st.composite
def compare_views(draw):
    a = draw(st.one_of(st.just(TODAY), ids))
    b = draw(st.one_of(st.none(), st.just(TODAY), ids))
    more = draw(
        st.lists(
            st.one_of(st.just(TODAY), ids).filter(lambda x: x not in (a, b)),
            unique=True,
            max_size=MAX_EXTRA,
        )
    )
    return CompareLink(
        a=a,
        b=b,
        more=tuple(more),
        measure=draw(st.sampled_from(COMPARE_MEASURES)),
        rep=draw(st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9_ &=+%/.-]{1,8}", fullmatch=True))),
        qa=draw(st.one_of(st.none(), ids)),
        qb=draw(st.one_of(st.none(), ids)),
        state=draw(st.one_of(st.none(), st.sampled_from(["TX", "CA", "NY"]))),
        changes_only=draw(st.booleans()),
    )


@settings(max_examples=100, deadline=None)
@given(view=compare_views())
def test_any_compare_view_survives_its_link(view):
    scenarios = {x for x in (view.a, view.b, *view.more) if x and x != TODAY}
    plans = {x for x in (view.qa, view.qb) if x}
    _, params = query(compare_link(view))
    assert parse_compare(params, scenarios, plans) == (view, [])
    assert parse_compare(params) == (view, [])


@settings(max_examples=100, deadline=None)
@given(
    params=st.dictionaries(
        st.sampled_from(["a", "b", "more", "measure", "rep", "qa", "qb"]),
        st.one_of(
            st.sampled_from([TODAY, S1, S2, S3, "nosuchid00", "", *COMPARE_MEASURES]),
            st.lists(st.sampled_from([S1, S2, S3, S4, TODAY, "abc", ""]), max_size=6).map(",".join),
        ),
    )
)
def test_whatever_a_compare_link_holds_its_view_can_be_shown(params):
    view, problems = parse_compare(params, {S1, S2}, PLANS)
    assert view.a == TODAY or view.a in {S1, S2}
    assert view.b in (None, TODAY, S1, S2)
    assert len(view.more) <= MAX_EXTRA and len(set(view.more)) == len(view.more)
    assert not set(view.more) & {view.a, view.b}
    assert set(view.more) <= {TODAY, S1, S2}
    assert view.measure in COMPARE_MEASURES
    assert view.qa is None and view.qb is None  # no plan id was offered
    for problem in problems:
        assert problem.value and problem.value[:40] in problem.text


def test_a_compare_link_with_ids_it_cannot_follow():
    params = {"a": "nosuchid00", "b": S3, "more": f"{S1},abc", "qa": "ZZZZZZZZZZ", "qb": P2}
    view, problems = parse_compare(params, {S1}, {P1})
    # The left side falls back to today; the rest is dropped.
    assert view == CompareLink(a=TODAY, b=None, more=(S1,))
    by_value = {p.value: p for p in problems}
    assert set(by_value) == {"nosuchid00", S3, "abc", "ZZZZZZZZZZ", P2}
    assert by_value["nosuchid00"] == LinkProblem("nosuchid00", "scenario", "left", malformed=True)
    assert by_value[S3] == LinkProblem(S3, "scenario", "right")
    assert by_value["abc"] == LinkProblem("abc", "scenario", "extra", malformed=True)
    assert by_value["ZZZZZZZZZZ"] == LinkProblem("ZZZZZZZZZZ", "quota plan", "left", True)
    assert by_value[P2] == LinkProblem(P2, "quota plan", "right")
    for value, problem in by_value.items():
        assert value in problem.text
        assert problem.role in problem.text
    assert (
        by_value[S3].text == f"no saved scenario has the id `{S3}` (the right); it may be deleted"
    )
    assert by_value["abc"].text == "the extra scenario id `abc` is not a scenario id"
    assert by_value[P2].text.startswith("no saved quota plan has the id")


def test_an_unknown_left_side_falls_back_to_today():
    view, problems = parse_compare({"a": S4, "b": S1}, {S1})
    assert view.a == TODAY and view.b == S1
    assert problems == [LinkProblem(S4, "scenario", "left")]


def test_an_unknown_measure_falls_back_to_potential():
    view, problems = parse_compare({"measure": "happiness"}, SCENARIOS)
    assert view.measure == "potential" and problems == []
    assert parse_compare({"measure": "revenue"})[0].measure == "revenue"


def test_extras_are_kept_once_and_at_most_max_extra():
    view, _ = parse_compare({"a": S1, "b": S2, "more": f"{S3},{S3},{S1},{S2},,{S3}"}, SCENARIOS)
    assert view.more == (S3,)
    view, _ = parse_compare({"b": S1, "more": f"{S2},{S3},{S4},{S2}"}, SCENARIOS)
    assert view.more == (S2, S3)[:MAX_EXTRA]
    assert len(view.more) == MAX_EXTRA
    view, problems = parse_compare({"more": f"{TODAY},{S1}"}, SCENARIOS)
    assert view.more == (S1,) and problems == []  # today is already the left side


@pytest.mark.parametrize(
    "view",
    [
        QuotaLink(),
        QuotaLink(scenario=S1),
        QuotaLink(plan=P1),
        QuotaLink(S2, P2),
        QuotaLink(state="NY"),
    ],
)
def test_a_quota_link_parses_back_to_its_view(view):
    page, params = query(quota_link(view))
    assert page == "quota"
    assert parse_quota(params, SCENARIOS, PLANS) == (view, [])


def test_the_quota_links():
    assert quota_link() == "quota"  # today's alignment is the default: nothing to carry
    assert query(quota_link(QuotaLink(scenario=TODAY, plan=P1))) == ("quota", {"plan": P1})
    _, params = query(open_plan_link(P1))
    assert parse_quota(params, SCENARIOS, PLANS) == (QuotaLink(plan=P1), [])


def test_a_quota_link_drops_ids_it_cannot_follow():
    view, problems = parse_quota({"scenario": S3, "plan": "abc"}, {S1}, PLANS)
    assert view == QuotaLink(scenario=TODAY, plan=None)
    assert problems == [
        LinkProblem(S3, "scenario", ""),
        LinkProblem("abc", "quota plan", "", malformed=True),
    ]
    assert problems[0].text == f"no saved scenario has the id `{S3}`; it may be deleted"
    assert problems[1].text == "the quota plan id `abc` is not a quota plan id"
    view, problems = parse_quota({"scenario": "ZZZZZZZZZZ"})
    assert view == QuotaLink() and problems[0].malformed


def test_a_long_malformed_id_is_cut_short_in_its_text():
    problem = LinkProblem("x" * 100, "scenario", "left", malformed=True)
    assert "x" * 40 in problem.text and "x" * 41 not in problem.text


# -- the state a link zooms to -----------------------------------------------------------------


def test_a_state_link_names_its_state_and_every_state_is_no_parameter():
    assert state_link("overview", "TX") == "overview?state=TX"
    assert state_link("overview", None) == "overview"
    assert parse_state({"state": "TX"}, {"TX", "CA"}) == ("TX", [])
    assert parse_state({}) == (None, [])


def test_a_state_in_lower_case_is_read_in_upper_case():
    assert parse_state({"state": " tx "}, {"TX"}) == ("TX", [])


def test_a_state_the_link_cannot_follow_is_dropped_and_said():
    state, problems = parse_state({"state": "Texas"}, {"TX"})
    assert state is None and problems[0].malformed
    assert problems[0].text == "`Texas` is not a two-letter state code"
    state, problems = parse_state({"state": "WY"}, {"TX"})
    assert state is None and not problems[0].malformed
    assert problems[0].text == "no account is in the state `WY`; showing every state"
    view, problems = parse_compare({"b": S1, "state": "ZZ"}, SCENARIOS, PLANS, {"TX"})
    assert view == CompareLink(b=S1) and [p.noun for p in problems] == ["state"]


# -- the region a link keeps -------------------------------------------------------------------


def test_a_region_is_read_as_written_and_every_link_carries_it():
    assert parse_region({"region": " West "}, {"West"}) == ("West", [])
    assert parse_region({}) == (None, [])
    for parse, make in (
        (lambda p: parse_compare(p, SCENARIOS, PLANS)[0], lambda: CompareLink(b=S1, region="West")),
        (lambda p: parse_quota(p, SCENARIOS, PLANS)[0], lambda: QuotaLink(region="West")),
        (lambda p: parse_rebalance(p, SCENARIOS)[0], lambda: RebalanceLink(region="West")),
    ):
        link = make()
        assert link.params()["region"] == "West"
        assert parse(link.params()) == link  # the round trip keeps it


def test_a_region_the_link_cannot_follow_is_dropped_and_said():
    region, problems = parse_region({"region": "Atlantis"}, {"West"})
    assert region is None and not problems[0].malformed
    assert problems[0].text == "no rep is in the region `Atlantis`; showing every region"
    region, problems = parse_region({"region": "x" * 200})
    assert region is None and problems[0].malformed
