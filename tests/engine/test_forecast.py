"""The forecast's public door, account potential, segment fits and the backtest.

The sBG retention model is tested in test_forecast_sbg.py, the simulator in
test_forecast_simulate.py.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny_data import make_dataset

from engine import forecast as fc
from engine.forecast import (
    ForecastSettings,
    backtest,
    discounted_potential,
    fit_models,
    fit_sbg,
    forecast_accounts,
)
from engine.store import SAMPLE_DIR, Dataset, conform, read_csv_dir

# -- helpers ---------------------------------------------------------------------------------


def simulated_book(
    n: int,
    alpha: float,
    beta: float,
    seed: int,
    window: range = range(2021, 2027),
    first_won: int = 2008,
    segment: tuple[str, str] = ("Retail", "SMB"),
) -> Dataset:
    """A book of one segment won since `first_won`, seen only in `window` (left-truncated)."""
    rng = np.random.default_rng(seed)
    first = rng.integers(first_won, window[-1] + 1, n)
    lost_at = first + rng.geometric(rng.beta(alpha, beta, n))  # the first inactive year
    visible = lost_at > window[0]  # accounts lost before the window never reach the data
    first, lost_at = first[visible], lost_at[visible]
    ids = [f"S{i:06d}" for i in range(len(first))]
    rows = [
        (ids[i], year, 100.0 if year < lost_at[i] else 0.0, bool(year < lost_at[i]))
        for i in range(len(first))
        for year in window
        if year >= first[i]
    ]
    history = pd.DataFrame(rows, columns=["account_id", "year", "revenue", "active"])
    return _dataset(ids, first, history, segment)


def _dataset(
    ids: list[str],
    first: np.ndarray | list,
    history: pd.DataFrame,
    segment: tuple[str, str] = ("Retail", "SMB"),
    tav: float = 1000.0,
) -> Dataset:
    n = len(ids)
    accounts = pd.DataFrame(
        {
            "account_id": ids,
            "name": ids,
            "industry": [segment[0]] * n,
            "size_segment": [segment[1]] * n,
            "tav": [tav] * n,
            "visits_per_year": [1.0] * n,
            "minutes_per_visit": [30.0] * n,
            "first_year": list(first),
        }
    )
    reps = make_dataset().reps
    return Dataset(
        accounts=conform("accounts", accounts),
        reps=reps,
        history=conform("account_history", history),
    )


@pytest.fixture(scope="module")
def sample() -> Dataset:
    return read_csv_dir(SAMPLE_DIR)


@pytest.fixture(scope="module")
def sample_forecast(sample: Dataset) -> fc.Forecast:
    return forecast_accounts(sample)


# -- the package's door and its version -----------------------------------------------------

# Every public name `engine.forecast` had as one module: they must all stay importable from it.
PUBLIC_NAMES = (
    "Backtest",
    "Forecast",
    "ForecastSettings",
    "MAX_PROPENSITY",
    "PARAM_CEILING",
    "PARAM_FLOOR",
    "SBGFit",
    "SPREAD_QUANTILES",
    "SegmentModels",
    "SurvivalCounts",
    "backtest",
    "brier",
    "discounted_potential",
    "fit_models",
    "fit_sbg",
    "fit_sbg_cohorts",
    "fit_sbg_counts",
    "forecast_accounts",
    "log_loss",
    "wape",
)
REPO = Path(__file__).resolve().parents[2]


def run_python(code: str, root: Path) -> str:
    """Run `code` in a fresh interpreter that imports `engine` from `root`; return its output."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def copy_of_the_package(root: Path) -> Path:
    """Copy `engine/__init__.py` and the forecast package under `root`; return the copy's folder."""
    (root / "engine").mkdir()
    shutil.copy(REPO / "engine" / "__init__.py", root / "engine" / "__init__.py")
    target = root / "engine" / "forecast"
    shutil.copytree(
        REPO / "engine" / "forecast", target, ignore=shutil.ignore_patterns("__pycache__")
    )
    return target


def test_every_public_name_of_the_old_module_comes_from_the_door():
    for name in PUBLIC_NAMES:
        assert name in fc.__all__
        assert getattr(fc, name) is not None
    assert fc.Forecast.__name__ == "Forecast" and callable(fc.backtest)
    assert set(fc.__all__) == {*PUBLIC_NAMES, "MODEL_VERSION", "simulate_customers"}
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        fc.nothing_here  # noqa: B018 - the look-up is the test


def test_model_version_is_a_hash_that_is_the_same_in_every_process():
    assert len(fc.MODEL_VERSION) == 16 and int(fc.MODEL_VERSION, 16) >= 0
    code = "import engine.forecast as f; print(f.MODEL_VERSION)"
    first, second = run_python(code, REPO), run_python(code, REPO)
    assert first == second == fc.MODEL_VERSION


def test_model_version_changes_when_the_models_source_changes(tmp_path):
    package = copy_of_the_package(tmp_path)
    code = "import engine.forecast as f; print(f.MODEL_VERSION)"
    assert run_python(code, tmp_path) == fc.MODEL_VERSION  # the copy is the same source
    (package / "__pycache__").mkdir(exist_ok=True)
    (package / "notes.txt").write_text("not source")
    assert run_python(code, tmp_path) == fc.MODEL_VERSION  # only the .py files count
    fit = package / "fit.py"
    fit.write_text(fit.read_text().replace("MAX_PROPENSITY = 0.99", "MAX_PROPENSITY = 0.98"))
    changed = run_python(code, tmp_path)
    assert changed != fc.MODEL_VERSION
    (package / "extra.py").write_text("")
    assert run_python(code, tmp_path) not in (changed, fc.MODEL_VERSION)  # a new module counts


def test_reading_the_model_version_does_not_load_the_model():
    # A page that only looks up a cached forecast must not wait for scipy to import.
    code = (
        "import sys, engine.forecast as f; f.MODEL_VERSION; "
        "print(any(m.split('.')[0] == 'scipy' for m in sys.modules))"
    )
    assert run_python(code, REPO) == "False"


# -- account potential ------------------------------------------------------------------------


def test_potential_of_an_account_that_cannot_churn_is_its_discounted_revenue():
    revenue = np.array([[100.0, 110.0, 121.0]])
    value = discounted_potential(np.ones((1, 3)), revenue, 0.10)
    assert value[0] == pytest.approx(100 / 1.1 + 110 / 1.1**2 + 121 / 1.1**3)
    assert discounted_potential(np.ones((1, 3)), revenue, 0.0)[0] == pytest.approx(331.0)


def test_tiny_book_without_churn_forecasts_its_discounted_revenue_stream(tiny_dataset):
    # The tiny book never churned: retention is the bounded "no churn" fit, so each
    # customer's potential is its revenue path discounted, to within 1e-6.
    result = forecast_accounts(tiny_dataset, ForecastSettings(horizon_years=3))
    accounts = result.accounts.set_index("account_id")
    assert accounts.loc[["A1", "A2", "A3"], "status"].tolist() == ["customer"] * 3
    assert accounts.loc["A4", "status"] == "prospect"
    assert accounts.loc["A1", "tenure"] == 6 and accounts.loc["A3", "tenure"] == 4
    assert "no churn" in result.models.book_retention.note
    p_cols = ["p_active_1", "p_active_2", "p_active_3"]
    assert np.allclose(accounts.loc[["A1", "A2", "A3"], p_cols], 1.0, atol=1e-6)

    # Trend and whitespace come from the segment table; rebuild A1's path by hand.
    seg = result.models.table.set_index(["industry", "size_segment"]).loc[("Retail", "SMB")]
    g, pi, tav = seg["growth"], seg["propensity"], 500.0
    revenue, path = 100.0, []
    for _ in range(3):
        grown = min(tav, g * revenue)
        revenue = grown + pi * (tav - grown)
        path.append(revenue)
    expected = sum(r / 1.1 ** (h + 1) for h, r in enumerate(path))
    assert accounts.loc["A1", "potential"] == pytest.approx(expected, rel=1e-6)
    assert accounts.loc["A1", "expected_revenue"] + accounts.loc[
        "A1", "expansion"
    ] == pytest.approx(path[0], rel=1e-6)
    # Nothing was ever won during the history, so the prospect's win rate is 0.
    assert accounts.loc["A4", "potential"] == 0.0
    assert accounts.loc["A4", "potential_p90"] == 0.0


def test_yearly_table_adds_up_to_the_potential(sample_forecast):
    yearly = sample_forecast.yearly
    pv = (yearly["expected_revenue"] * yearly["discount"]).groupby(yearly["account_id"]).sum()
    potential = sample_forecast.potential()
    assert np.allclose(pv.reindex(potential.index), potential, rtol=1e-9)
    assert len(yearly) == 3 * len(potential)


def test_sample_forecast_is_sane(sample, sample_forecast):
    accounts = sample_forecast.accounts
    assert len(accounts) == len(sample.accounts) and accounts["account_id"].is_unique
    numeric = accounts.select_dtypes("number")
    assert np.isfinite(numeric.to_numpy(dtype=float, na_value=0.0)).all()
    assert (accounts["potential"] >= 0).all()
    assert (accounts["potential_p10"] <= accounts["potential_p90"] + 1e-9).all()
    assert (accounts["potential_p10"] >= 0).all()
    by_status = accounts.groupby("status")["potential"].sum()
    assert by_status["customer"] > by_status["prospect"] > 0
    assert by_status["lapsed"] == 0  # the sample history shows no win-backs
    customers = accounts[accounts["status"] == "customer"]
    p = customers[["p_active_1", "p_active_2", "p_active_3"]].to_numpy()
    assert np.all(np.diff(p, axis=1) <= 1e-12)
    # Older customers of a segment are more likely to stay: the point of the sBG model.
    smb = customers[(customers["size_segment"] == "SMB") & (customers["industry"] == "Retail")]
    by_tenure = smb.groupby("tenure")["p_active_3"].mean()
    assert by_tenure.is_monotonic_increasing


def test_higher_discount_rate_lowers_potential(sample):
    low = forecast_accounts(sample, ForecastSettings(discount_rate=0.0)).potential()
    high = forecast_accounts(sample, ForecastSettings(discount_rate=0.25)).potential()
    assert (high <= low + 1e-9).all() and high.sum() < low.sum()


def test_the_same_settings_give_the_same_forecast(tiny_dataset):
    a = forecast_accounts(tiny_dataset, ForecastSettings(seed=3)).accounts
    b = forecast_accounts(tiny_dataset, ForecastSettings(seed=3)).accounts
    pd.testing.assert_frame_equal(a, b)


@st.composite
def small_books(draw) -> Dataset:
    n_years = draw(st.integers(2, 4))
    years = list(range(2023, 2023 + n_years))
    n = draw(st.integers(1, 6))
    ids, first, rows = [], [], []
    for i in range(n):
        ids.append(f"A{i}")
        kind = draw(st.sampled_from(["customer", "prospect"]))
        if kind == "prospect":
            first.append(None)
            continue
        won = draw(st.integers(2015, years[-1]))
        lost = draw(st.integers(won + 1, years[-1] + 2))
        first.append(won)
        for year in years:
            if year >= won:
                active = year < lost
                revenue = draw(st.floats(0, 2000)) if active else 0.0
                rows.append((f"A{i}", year, revenue, active))
    # One account seen renewing, so there is something to learn from.
    ids.append("Z")
    first.append(years[0])
    rows += [("Z", y, 100.0, True) for y in years]
    history = pd.DataFrame(rows, columns=["account_id", "year", "revenue", "active"])
    segment = draw(st.sampled_from([("Retail", "SMB"), ("Energy", "Enterprise")]))
    return _dataset(ids, first, history, segment, tav=draw(st.floats(1.0, 5000.0)))


@settings(deadline=None, max_examples=40)
@given(small_books(), st.integers(1, 5), st.floats(0.0, 0.3))
def test_potential_is_finite_and_non_negative_for_any_small_book(book, horizon, rate):
    result = forecast_accounts(
        book, ForecastSettings(horizon_years=horizon, discount_rate=rate, simulations=20)
    )
    accounts = result.accounts
    values = accounts[["potential", "potential_p10", "potential_p90", "potential_sd"]]
    assert np.isfinite(values.to_numpy()).all() and (values.to_numpy() >= 0).all()
    p = accounts[[f"p_active_{h}" for h in range(1, horizon + 1)]].to_numpy()
    assert np.all((p >= 0) & (p <= 1))


def test_an_amount_below_a_cent_is_read_as_no_revenue():
    # A near-zero float (2.2e-313) made a log residual of about 700, so an infinite noise
    # band and NaN P10/P90 for the whole segment.
    from engine.forecast.book import _make_book

    rows = [("A0", 2023, 2.2250738585e-313, True), ("A0", 2024, 0.004, True)]
    rows += [("A0", 2025, 27.25, True)] + [("Z", y, 100.0, True) for y in (2023, 2024, 2025)]
    history = pd.DataFrame(rows, columns=["account_id", "year", "revenue", "active"])
    book = _make_book(_dataset(["A0", "Z"], [2020, 2023], history))
    assert book.revenue[0].tolist() == [0.0, 0.0, 27.25]
    assert book.revenue[1].tolist() == [100.0, 100.0, 100.0]


# -- segments, pooling and shrinkage ----------------------------------------------------------


def _with_tiny_flighty_segment(sample: Dataset) -> Dataset:
    """The sample plus 12 Aerospace SMB accounts, all lost at their first renewal."""
    ids = [f"X{i:03d}" for i in range(12)]
    extra = _dataset(
        ids,
        [2024] * 12,
        pd.DataFrame(
            [
                (i, y, 1000.0 if y == 2024 else 0.0, y == 2024)
                for i in ids
                for y in (2024, 2025, 2026)
            ],
            columns=["account_id", "year", "revenue", "active"],
        ),
        segment=("Aerospace", "SMB"),
    )
    return Dataset(
        accounts=pd.concat([sample.accounts, extra.accounts], ignore_index=True),
        reps=sample.reps,
        history=pd.concat([sample.history, extra.history], ignore_index=True),
    )


def test_a_segment_of_twelve_accounts_takes_its_parents_curve(sample):
    models = fit_models(_with_tiny_flighty_segment(sample))
    row = models.table.set_index(["industry", "size_segment"]).loc[("Aerospace", "SMB")]
    assert row["accounts"] == 12 and row["churned"] == 12 and row["pooled"]
    assert models.retention[("Aerospace", "SMB")] == models.size_retention["SMB"]


def test_without_pooling_a_small_segment_is_shrunk_toward_its_parent(sample):
    data = _with_tiny_flighty_segment(sample)
    models = fit_models(data, ForecastSettings(min_segment_size=0, prior_weight=100))
    own = fit_sbg([12, 0])  # its own history alone: everyone churns
    parent = models.size_retention["SMB"].mean_churn
    shrunk = models.retention[("Aerospace", "SMB")].mean_churn
    assert own.mean_churn > 0.99
    assert parent < shrunk < parent + 0.25  # pulled most of the way back to SMB
    # A large segment mostly keeps its own history.
    big = models.table.set_index(["industry", "size_segment"]).loc[("Manufacturing", "SMB")]
    assert not big["pooled"] and big["accounts"] > 300


def test_fit_models_recovers_a_left_truncated_book():
    # 60,000 accounts won since 2008 but seen only from 2021: the data hold survivors.
    data = simulated_book(60_000, 1.2, 3.0, seed=11)
    models = fit_models(data, ForecastSettings(min_segment_size=0, prior_weight=0))
    fit = models.retention[("Retail", "SMB")]
    assert fit.alpha == pytest.approx(1.2, rel=0.10)
    assert fit.beta == pytest.approx(3.0, rel=0.10)
    assert fit.mean_churn == pytest.approx(1.2 / 4.2, rel=0.03)


def test_win_rate_counts_wins_against_the_prospect_pool():
    # 2 prospects; one account won in 2025 (in the pool 2024 and 2025), one won in 2026.
    history = pd.DataFrame(
        [
            ("W1", 2025, 10.0, True),
            ("W1", 2026, 11.0, True),
            ("W2", 2026, 5.0, True),
            ("Z", 2024, 1.0, True),
            ("Z", 2025, 1.0, True),
            ("Z", 2026, 1.0, True),
        ],
        columns=["account_id", "year", "revenue", "active"],
    )
    data = _dataset(["P1", "P2", "W1", "W2", "Z"], [None, None, 2025, 2026, 2020], history)
    table = fit_models(data, ForecastSettings(min_segment_size=0, prior_weight=0)).table
    # Prospect-years: 2 prospects × 3 years + W1 2 years + W2 3 years = 11; wins: 2.
    assert table.loc[0, "win_rate"] == pytest.approx(2 / 11)


def test_settings_are_checked():
    with pytest.raises(ValueError, match="horizon"):
        ForecastSettings(horizon_years=0)
    with pytest.raises(ValueError, match="discount"):
        ForecastSettings(discount_rate=-0.9)
    with pytest.raises(ValueError, match="simulations"):
        ForecastSettings(simulations=1)


def test_no_history_is_a_clear_error(tiny_dataset):
    empty = Dataset(tiny_dataset.accounts, tiny_dataset.reps, tiny_dataset.history.iloc[:0])
    with pytest.raises(ValueError, match="no account history"):
        forecast_accounts(empty)
    one_year = tiny_dataset.history[tiny_dataset.history["year"] == 2026]
    with pytest.raises(ValueError, match="no renewal"):
        forecast_accounts(Dataset(tiny_dataset.accounts, tiny_dataset.reps, one_year))


# -- backtest --------------------------------------------------------------------------------


@pytest.mark.parametrize("holdout", [1, 2, 3])
def test_model_beats_the_naive_baseline_on_the_sample_data(sample, holdout):
    result = backtest(sample, ForecastSettings(holdout_years=holdout))
    scores = result.scores.set_index(["measure", "level"])
    assert result.held_out_years == tuple(range(2027 - holdout, 2027))
    for (measure, level), row in scores.iterrows():
        assert row["model"] < row["baseline"], (measure, level, row["model"], row["baseline"])
    assert scores.loc[("Churn log-loss", "account × year"), "model"] < 0.6
    assert scores.loc[("Revenue WAPE", "segment × year"), "model"] < 0.08


def test_backtest_hides_the_held_out_years(sample):
    result = backtest(sample, ForecastSettings(holdout_years=2))
    assert result.cutoff_year == 2024 and result.models.last_year == 2024
    accounts = result.accounts
    assert set(accounts["year"]) == {2025, 2026}
    # The baseline churn per segment uses only transitions up to the cutoff.
    assert (result.models.table["baseline_churn"].between(0.0, 0.5)).all()
    by_size = result.by_size.set_index(["size_segment", "year"])
    start = by_size.xs(2024, level="year")
    assert (start["revenue"] == start["revenue_model"]).all()
    curves = result.survival
    assert set(curves["source"]) == {"fitted", "actual, fitting years", "actual, held-out years"}


def test_backtest_needs_enough_history(tiny_dataset):
    with pytest.raises(ValueError, match="at least 4 years"):
        backtest(tiny_dataset, ForecastSettings(holdout_years=2))


def test_scores_by_hand():
    assert fc.brier(np.array([0.8, 0.2]), np.array([1, 0])) == pytest.approx(0.04)
    assert fc.log_loss(np.array([0.8, 0.2]), np.array([1, 0])) == pytest.approx(-math.log(0.8))
    assert fc.wape(np.array([90.0, 30.0]), np.array([100.0, 20.0])) == pytest.approx(20 / 120)
    assert math.isnan(fc.wape(np.array([1.0]), np.array([0.0])))
