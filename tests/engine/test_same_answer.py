"""Same question, same answer: solves end on work limits, so load never changes a result."""

from __future__ import annotations

import json
import threading
from dataclasses import replace

import pytest

from engine.jobs import safety_net_seconds
from engine.rebalance import rebalance
from engine.rebalance.settings import RebalanceSettings
from engine.scenario import (
    FORMER_SETTINGS,
    ScenarioSpec,
    locked_mask,
    rebalance_settings,
    scenario_id,
    today_alignment,
)
from engine.store import data_version, read_csv_dir
from engine.summary import ScenarioSummary


@pytest.fixture(scope="module")
def sample():
    dataset = read_csv_dir("sample_data")
    today = today_alignment(dataset, data_version(dataset), None)
    return dataset, today.view


def _solve(sample, spec: ScenarioSpec, settings: RebalanceSettings | None = None):
    dataset, view = sample
    accounts = view.assign(locked=locked_mask(view, spec))
    return rebalance(accounts, dataset.reps, settings or rebalance_settings(spec))


def test_the_same_spec_alone_and_among_six_parallel_solves_gives_the_same_assignment(
    sample,
) -> None:
    spec = ScenarioSpec(count_band=0.15)
    alone = _solve(sample, spec)
    others = [
        spec,
        ScenarioSpec(),
        ScenarioSpec(max_km=400.0),
        ScenarioSpec(keep_vs_compact=0.2),
        spec,
        ScenarioSpec(potential_band=0.08),
    ]
    results: dict[int, object] = {}

    def run(k: int, s: ScenarioSpec) -> None:
        results[k] = _solve(sample, s)

    threads = [threading.Thread(target=run, args=(k, s)) for k, s in enumerate(others)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for k in (0, 4):
        busy = results[k]
        assert busy.status == alone.status != "incomplete"
        assert busy.assignment["rep_id"].tolist() == alone.assignment["rep_id"].tolist()
        assert busy.objective == alone.objective


def test_a_run_the_safety_net_stops_is_marked_incomplete(sample) -> None:
    spec = ScenarioSpec()
    settings = replace(rebalance_settings(spec), time_limit_s=1e-3)
    result = _solve(sample, spec, settings)
    assert result.status == "incomplete"
    assert not ScenarioSummary(status=result.status).complete
    assert not ScenarioSummary(status="time_limit").complete  # saved by an earlier version
    assert ScenarioSummary(status="feasible").complete


def test_the_safety_net_is_read_from_the_environment(monkeypatch) -> None:
    monkeypatch.delenv("REALIGN_SAFETY_NET_S", raising=False)
    assert safety_net_seconds() == 600.0
    monkeypatch.setenv("REALIGN_SAFETY_NET_S", "90")
    assert rebalance_settings(ScenarioSpec()).time_limit_s == 90.0
    for bad in ("0", "soon"):
        monkeypatch.setenv("REALIGN_SAFETY_NET_S", bad)
        with pytest.raises(ValueError, match="REALIGN_SAFETY_NET_S"):
            safety_net_seconds()


def test_a_spec_keeps_the_id_it_had_when_it_carried_a_time_limit() -> None:
    spec = ScenarioSpec(max_km=300.0)
    # The JSON (and so the id) the earlier version wrote, with its 20 s limit in it.
    assert '"time_limit_s":20.0' in spec.to_json()
    assert json.loads(spec.to_json())["time_limit_s"] == FORMER_SETTINGS["time_limit_s"]
    assert scenario_id(ScenarioSpec(), "v1") == "c65f5962d1"  # as the earlier version had it
    # A link or saved spec from then opens as today's spec.
    assert ScenarioSpec.from_json(spec.to_json()) == replace(spec, name="Rebalance")
