"""The Forecast page runs, shows potential, retention and the backtest; its charts build."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from engine.forecast import backtest, forecast_accounts
from engine.store import REPO_ROOT, SAMPLE_DIR, read_csv_dir
from ui import charts

PAGE = str(REPO_ROOT / "pages" / "forecast.py")


def test_forecast_page_runs_on_the_sample_data(tmp_path, monkeypatch):
    monkeypatch.setenv("REALIGN_DB", str(tmp_path / "sample.duckdb"))
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Forecast: what each account is worth next"
    metrics = {m.label: m for m in at.metric}
    potential = metrics["Potential, next 3 years"]
    assert potential.value.startswith("$") and potential.value.endswith("M")
    assert "vs last year's revenue" in potential.delta
    assert metrics["Customers kept 3 years"].value.endswith("%")
    headers = [h.value for h in at.subheader]
    assert headers == [
        "Retention by segment",
        "Potential",
        "Where history misleads most",
        "Backtest against the naive rule",
    ]
    segments, more, less, scores = (frame.value for frame in at.dataframe)
    assert len(segments) == 24  # 8 industries × 3 sizes
    assert len(more) == len(less) == 10
    assert (scores["Measure"] == "Churn log-loss").any()
    captions = " ".join(c.value for c in at.caption)
    assert "The model wins on 5 of 5 measures" in captions
    assert "held-out years 2025, 2026" in captions
    assert not at.warning and not at.info


def test_forecast_page_follows_its_controls(tmp_path, monkeypatch):
    monkeypatch.setenv("REALIGN_DB", str(tmp_path / "sample.duckdb"))
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    three_years = at.metric[0].value
    at.slider(key="forecast_horizon").set_value(5).run()
    assert not at.exception, at.exception
    assert at.metric[0].label == "Potential, next 5 years"
    assert at.metric[0].value != three_years
    at.radio(key="forecast_holdout").set_value(3).run()
    assert not at.exception, at.exception
    assert any("held-out years 2024, 2025, 2026" in c.value for c in at.caption)


def test_forecast_page_explains_when_history_is_too_short_to_backtest(tiny_store_path):
    # Two years of history without any churn: a bounded forecast, but nothing to backtest.
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["From prospects"] == "$0"
    assert "Not enough history for a backtest" in at.info[0].value
    assert [h.value for h in at.subheader][-1] == "Backtest against the naive rule"


def test_forecast_charts_build_from_the_engine_results():
    data = read_csv_dir(SAMPLE_DIR)
    result = forecast_accounts(data)
    check = backtest(data)
    named = result.accounts.merge(
        data.accounts[["account_id", "name"]].astype({"account_id": str}), on="account_id"
    )
    survival = charts.survival_curves(check.survival).to_dict()
    assert survival["facet"]["column"]["field"] == "size_segment"
    histogram = charts.potential_histogram(result.accounts)
    counted = histogram.data["accounts"].sum()
    assert counted == (result.accounts["potential"] > 0).sum()
    scatter = charts.potential_vs_history(named, max_points=500).to_dict()
    dots = next(layer for layer in scatter["layer"] if layer["mark"]["type"] == "circle")
    assert dots["encoding"]["y"]["field"] == "ratio"
    revenue = charts.backtest_revenue(check.by_size).to_dict()
    assert revenue["facet"]["column"]["field"] == "size_segment"
