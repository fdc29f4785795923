"""The Scenario builder runs a rebalance, saves it, reopens it by link, and survives bad ids."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from engine.store import REPO_ROOT

PAGE = str(REPO_ROOT / "pages" / "rebalance.py")


def kpi_table(at):
    """Return the KPI table (the team editors are data frames too)."""
    return next(d.value for d in at.dataframe if "KPI" in d.value.columns)


def test_run_save_and_reopen_a_scenario(tiny_store_path):
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception, at.exception
    at.text_input[0].set_value("Even split")
    at.button(key="FormSubmitter:rebalance_spec-Run scenario").click().run()
    assert not at.exception, at.exception
    sid = at.query_params["scenario"]
    assert len(sid) == 10
    assert at.subheader[0].value == "Even split"
    kpis = kpi_table(at)
    assert "Accounts that change rep" in kpis["KPI"].tolist()
    # The same link in a new session shows the same saved run.
    again = AppTest.from_file(PAGE, default_timeout=120)
    again.query_params["scenario"] = sid
    again.run()
    assert not again.exception, again.exception
    assert again.subheader[0].value == "Even split"
    assert kpi_table(again).equals(kpis)


def test_unknown_scenario_id_says_so_and_the_page_works(tiny_store_path):
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["scenario"] = "nosuchid00"
    at.run()
    assert not at.exception, at.exception
    assert any("No saved scenario has the id `nosuchid00`" in w.value for w in at.warning)
    assert at.button(key="FormSubmitter:rebalance_spec-Run scenario") is not None


def _save_roster_scenario(path, roster):
    from engine.scenario import ScenarioSpec, run_rebalance
    from engine.store import open_store

    store = open_store(path, seed_dir=None)
    info, dataset = store.snapshot()
    spec = ScenarioSpec(name="Team change", potential_band=0.3, workload_band=0.5, roster=roster)
    run = run_rebalance(dataset, info.data_version, None, spec)
    store.save_scenario(run.record)
    store.close()
    return run.record.scenario_id


def test_a_scenario_with_a_new_hire_and_a_departure_shows_both(tiny_store_path):
    from engine.roster import NewRep, Roster

    hire = NewRep(name="Sam Hale", city="Salina", state="KS", lat=38.84, lon=-97.61)
    sid = _save_roster_scenario(tiny_store_path, Roster(added=(hire,), removed=("R2",)))
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["scenario"] = sid
    at.run()
    assert not at.exception, at.exception
    team = next(m.value for m in at.markdown if m.value.startswith("**Team changes**"))
    assert "Sam Hale" in team and "joins in Salina, KS" in team and "50 %" in team
    assert "Lee Park** (R2) leaves" in team
    kpis = kpi_table(at).set_index("KPI")
    assert kpis.at["Reps", "Today"] == "2" and kpis.at["Reps", "Scenario"] == "2"


def test_clone_prefills_the_form_with_the_saved_settings(tiny_store_path):
    from engine.roster import Roster

    sid = _save_roster_scenario(tiny_store_path, Roster(removed=("R2",)))
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["clone"] = sid
    at.run()
    assert not at.exception, at.exception
    assert "clone" not in at.query_params
    assert at.text_input(key="rb_name").value == "Team change (copy)"
    assert at.slider(key="rb_potential_band").value == 30
    assert at.session_state["rb_base_roster"] == Roster(removed=("R2",))
    team = next(d.value for d in at.dataframe if "Keep" in d.value.columns)
    assert team["Keep"].tolist() == [True, False]


def test_a_renamed_or_deleted_scenario_shows_as_it_is_now(tiny_store_path):
    from engine.roster import Roster
    from engine.store import open_store

    sid = _save_roster_scenario(tiny_store_path, Roster())
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["scenario"] = sid
    at.run()
    assert at.subheader[0].value == "Team change"
    store = open_store(tiny_store_path, seed_dir=None)
    store.rename_scenario(sid, "Renamed in the library")
    store.close()
    at.run()
    assert at.subheader[0].value == "Renamed in the library"
    store = open_store(tiny_store_path, seed_dir=None)
    store.delete_scenario(sid)
    store.close()
    at.run()
    assert not at.exception, at.exception
    assert any(f"No saved scenario has the id `{sid}`" in w.value for w in at.warning)


def test_delete_asks_first_and_only_the_yes_deletes(tiny_store_path):
    from engine.roster import Roster
    from engine.store import open_store

    sid = _save_roster_scenario(tiny_store_path, Roster())

    def saved() -> list[str]:
        store = open_store(tiny_store_path, seed_dir=None)
        try:
            return store.scenarios()["scenario_id"].tolist()
        finally:
            store.close()

    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["scenario"] = sid
    at.run()
    at.button(key="rb_delete").click().run()
    assert not at.exception, at.exception
    assert any("Delete “Team change" in w.value for w in at.warning)
    assert saved() == [sid]  # the first click only asks
    at.button(key="rb_delete_no").click().run()
    assert not any("Delete “" in w.value for w in at.warning) and saved() == [sid]
    at.button(key="rb_delete").click().run()
    at.button(key="rb_delete_yes").click().run()
    assert not at.exception, at.exception
    assert saved() == [] and "scenario" not in at.query_params


def test_routed_driving_joins_the_kpi_table_on_request(tiny_store_path):
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.button(key="FormSubmitter:rebalance_spec-Run scenario").click().run()
    assert not at.exception, at.exception
    labels = kpi_table(at)["KPI"].tolist()
    assert "Routed driving a week (km)" not in labels
    at.button(key="rb_route_week").click().run()
    assert not at.exception, at.exception
    table = kpi_table(at).set_index("KPI")
    for label in ("Routed driving a week (km)", "Routed drive time a week (h)"):
        assert label in table.index
        assert table.loc[label, "Reading"] in {"better", "worse", "same"}
    assert any("Open the routes" in c.value for c in at.caption)


def _saved_count(at) -> int:
    """Return the number in the page's "Saved scenarios (N)" expander."""
    label = next(e.label for e in at.expander if e.label.startswith("Saved scenarios"))
    return int(label.split("(")[1].rstrip(")"))


def test_a_run_the_safety_net_stops_is_shown_not_saved_and_a_full_run_is(
    tiny_store_path, monkeypatch
):
    monkeypatch.setenv("REALIGN_SAFETY_NET_S", "0.000001")
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.button(key="FormSubmitter:rebalance_spec-Run scenario").click().run()
    assert not at.exception, at.exception
    assert any("safety net" in w.value and "not saved" in w.value for w in at.warning)
    assert "scenario" not in at.query_params
    assert _saved_count(at) == 0
    # With room to finish, the same question is solved in full and kept.
    monkeypatch.setenv("REALIGN_SAFETY_NET_S", "600")
    at.button(key="FormSubmitter:rebalance_spec-Run scenario").click().run()
    assert not at.exception, at.exception
    assert len(at.query_params["scenario"]) == 10
    assert _saved_count(at) == 1


def test_a_run_saved_at_an_old_time_limit_is_solved_again_and_replaced(tiny_store_path):
    from dataclasses import replace

    from ui.state import get_store

    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.button(key="FormSubmitter:rebalance_spec-Run scenario").click().run()
    sid = at.query_params["scenario"]
    store = get_store()  # the page's own store: the cache is shared in this process
    full = store.scenario(sid)
    store.save_scenario(replace(full, status="time_limit"))  # as an earlier version saved it
    again = AppTest.from_file(PAGE, default_timeout=120).run()
    again.button(key="FormSubmitter:rebalance_spec-Run scenario").click().run()
    assert not again.exception, again.exception
    assert any("earlier version" in i.value for i in again.info)
    assert again.query_params["scenario"] == sid
    assert store.scenario(sid).status == full.status != "time_limit"


def _count_curves(monkeypatch) -> list[int]:
    """Count the trade-off curves the page actually solves (not the ones it finds kept)."""
    import ui.scenario_run

    solved = [0]
    real = ui.scenario_run.tradeoff_curve

    def counting(*args, **kwargs):
        solved[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(ui.scenario_run, "tradeoff_curve", counting)
    return solved


def test_the_trade_off_curve_is_solved_once_and_shared_with_the_next_session(
    tiny_store_path, monkeypatch
):
    solved = _count_curves(monkeypatch)
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.button(key="FormSubmitter:rebalance_spec-Run scenario").click().run()
    sid = at.query_params["scenario"]
    charts_before = len(at.get("vega_lite_chart"))
    at.toggle(key="rb_tradeoff").set_value(True).run()
    assert not at.exception, at.exception
    assert solved[0] == 1
    assert not any("safety net" in w.value for w in at.warning)
    assert len(at.get("vega_lite_chart")) == charts_before + 1, "no trade-off chart drawn"
    # Another person opening the same scenario sees the same curve without five more solves.
    other = AppTest.from_file(PAGE, default_timeout=120)
    other.query_params["scenario"] = sid
    other.run()
    other.toggle(key="rb_tradeoff").set_value(True).run()
    assert not other.exception, other.exception
    assert solved[0] == 1
    assert len(other.get("vega_lite_chart")) == charts_before + 1


def test_a_trade_off_curve_the_safety_net_cuts_short_is_shown_with_a_warning_not_kept(
    tiny_store_path, monkeypatch
):
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.button(key="FormSubmitter:rebalance_spec-Run scenario").click().run()
    solved = _count_curves(monkeypatch)
    monkeypatch.setenv("REALIGN_SAFETY_NET_S", "0.000001")
    at.toggle(key="rb_tradeoff").set_value(True).run()
    assert not at.exception, at.exception
    assert any("safety net" in w.value and "not kept" in w.value for w in at.warning)
    at.run()  # drawn again on the next run, as it was not kept
    assert solved[0] == 2
