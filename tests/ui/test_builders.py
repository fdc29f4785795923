"""Chart builders return drawable objects with the right data; numbers read for people.

The map builders are tested in test_maps.py.
"""

from __future__ import annotations

import json

from tiny_data import make_dataset

from engine.metrics import account_view, rep_loads
from ui import charts
from ui import format as fmt


def test_load_chart_has_band_and_both_measures():
    dataset = make_dataset()
    loads = rep_loads(account_view(dataset), dataset.reps)
    spec = charts.load_vs_band(loads, band=0.1).to_dict()
    layer_data = json.dumps(spec)
    assert '"low": 0.9' in layer_data and '"high": 1.1' in layer_data
    assert "Revenue" in layer_data and "Workload" in layer_data


def test_formatting_for_people():
    assert fmt.money(1_234_567) == "$1.2M"
    assert fmt.money(85_000) == "$85k"
    assert fmt.money(950) == "$950"
    assert fmt.money(-2_500_000) == "-$2.5M"
    assert fmt.money(1234.4, precise=True) == "$1,234"
    assert fmt.pct(0.1234) == "12 %"
    assert fmt.km(1234.6) == "1,235 km"
    assert fmt.ratio(float("inf")) == "∞"
    assert fmt.ratio(2.345) == "2.3×"


def test_basemap_setting_from_the_environment(monkeypatch):
    from ui.state import use_basemap

    monkeypatch.setenv("REALIGN_BASEMAP", "none")
    assert use_basemap() is False
    monkeypatch.setenv("REALIGN_BASEMAP", "carto")
    assert use_basemap() is True


def test_headcount_chart_has_three_panels_with_today_and_the_best_marked():
    import pandas as pd

    from ui.charts import headcount_chart

    sweep = pd.DataFrame(
        {
            "reps": [2, 3, 4],
            "revenue": [9e6, 10e6, 10.5e6],
            "cost": [4e5, 6e5, 8e5],
            "profit": [6.0e6, 6.4e6, 6.55e6],
            "is_today": [False, True, False],
            "is_best": [False, False, True],
        }
    )
    spec = headcount_chart(sweep).to_dict()
    assert len(spec["vconcat"]) == 3
    titles = [panel["layer"][0]["title"] for panel in spec["vconcat"]]
    assert titles[2].startswith("Profit")
    # Today's rule in every panel; the best-profit diamond only on profit.
    assert all(len(panel["layer"]) >= 2 for panel in spec["vconcat"])
    assert len(spec["vconcat"][2]["layer"]) == 3 and len(spec["vconcat"][0]["layer"]) == 2
