"""Map and chart builders return drawable objects with the right layers and data."""

from __future__ import annotations

import json

from tiny_data import make_dataset

from engine.metrics import account_view, rep_loads
from ui import charts, maps
from ui import format as fmt


def test_rep_colors_are_distinct_for_a_large_team():
    ids = [f"R{i:02d}" for i in range(60)]
    colors = maps.rep_colors(ids)
    assert len(set(colors.values())) == 60


def test_territory_map_has_accounts_outlines_and_homes():
    dataset = make_dataset()
    view = account_view(dataset)
    deck = maps.territory_map(view, dataset.reps, outline_max_km=None)
    spec = json.loads(deck.to_json())
    ids = [layer["id"] for layer in spec["layers"]]
    assert ids == ["territories", "accounts", "moved", "rep_homes", "removed_reps"]
    # Shaded hulls without a stroke: one WebGL program fewer for the first map.
    assert spec["layers"][0]["@@type"] == "SolidPolygonLayer"
    accounts_layer = next(la for la in spec["layers"] if la["id"] == "accounts")
    assert len(accounts_layer["data"]) == 4
    tooltips = " ".join(d["title"] + " " + d["detail"] for d in accounts_layer["data"])
    assert "Acme" in tooltips and "Rep: Dana Reyes" in tooltips and "Rep: Unassigned" in tooltips


def test_outlines_leave_out_far_accounts():
    dataset = make_dataset()
    view = account_view(dataset)
    # R1 owns three accounts near its home (40, -100) and A3, 850 km east at (40, -90).
    view["owner_rep_id"] = view["owner_rep_id"].astype(object)
    view["owner_rep_id"] = "R1"
    view["lat"] = [40.0, 41.0, 40.0, 40.5]
    view["lon"] = [-101.0, -100.0, -90.0, -99.5]
    near = maps.territory_outlines(view, dataset.reps, max_km=200.0)
    wide = maps.territory_outlines(view, dataset.reps, max_km=None)
    near_lons = sorted(p[0] for p in near.set_index("rep_id").loc["R1", "polygon"])
    wide_lons = sorted(p[0] for p in wide.set_index("rep_id").loc["R1", "polygon"])
    assert near_lons == [-101.0, -100.0, -99.5]
    assert -90.0 in wide_lons


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


def test_basemap_can_be_left_out_for_offline_use():
    dataset = make_dataset()
    view = account_view(dataset)
    online = json.loads(maps.territory_map(view, dataset.reps, basemap=True).to_json())
    offline = json.loads(maps.territory_map(view, dataset.reps, basemap=False).to_json())
    assert "cartocdn" in online["mapStyle"] or online.get("mapProvider") == "carto"
    assert offline["mapStyle"] == "__MAP_STYLE__" and "mapProvider" not in offline


def test_basemap_setting_from_the_environment(monkeypatch):
    from ui.state import use_basemap

    monkeypatch.setenv("REALIGN_BASEMAP", "none")
    assert use_basemap() is False
    monkeypatch.setenv("REALIGN_BASEMAP", "carto")
    assert use_basemap() is True


def test_initial_view_frames_the_accounts():
    import pandas as pd

    us = maps.initial_view(pd.Series([25.5, 48.9]), pd.Series([-123.4, -70.3]))
    # 53° of longitude across 900 px: 512·2^z/360 px per degree gives z ≈ 3.4.
    assert 3.0 < us.zoom < 3.8 and -100 < us.longitude < -93
    city = maps.initial_view(pd.Series([41.8, 42.0]), pd.Series([-87.8, -87.6]))
    assert city.zoom > 8
    empty = maps.initial_view(pd.Series([], dtype=float), pd.Series([], dtype=float))
    assert 3 < empty.zoom < 4


def test_moved_accounts_are_ringed_and_say_where_they_came_from():
    dataset = make_dataset()
    view = account_view(dataset)
    view["plan"] = view["owner_rep_id"].mask(view["account_id"] == "A2", "R2")
    spec = json.loads(
        maps.territory_map(
            view, dataset.reps, owner_col="plan", previous_col="owner_rep_id"
        ).to_json()
    )
    moved = next(la for la in spec["layers"] if la["id"] == "moved")
    assert len(moved["data"]) == 1
    assert "Rep: Lee Park" in moved["data"][0]["detail"]
    assert "Moved from Dana Reyes" in moved["data"][0]["detail"]
    # Plain-text fields: the template holds the markup, Streamlit escapes the values.
    deck = maps.territory_map(view, dataset.reps)
    assert deck._tooltip["html"] == "<b>{title}</b><br/>{detail}"
    assert all("<" not in d["detail"] for la in spec["layers"] for d in la["data"])


def test_a_map_with_no_placed_account_still_draws_the_reps():
    dataset = make_dataset()
    view = account_view(dataset)
    view[["lat", "lon"]] = float("nan")
    spec = json.loads(maps.territory_map(view, dataset.reps).to_json())
    layers = {la["id"]: la for la in spec["layers"]}
    assert layers["accounts"]["data"] == [] and len(layers["rep_homes"]["data"]) == 2


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


def test_map_skeleton_has_the_maps_layers_and_shows_nothing():
    dataset = make_dataset()
    full = json.loads(maps.territory_map(account_view(dataset), dataset.reps).to_json())
    skeleton = json.loads(maps.map_skeleton().to_json())

    def kinds(spec):
        return [(layer["id"], layer["@@type"]) for layer in spec["layers"]]

    # Same layers, so the browser reuses what it prepared for the frame when the data comes.
    assert kinds(skeleton) == kinds(full)
    for layer in skeleton["layers"]:
        assert len(layer["data"]) == 1  # one row: an empty layer is never drawn, so never prepared
        row = layer["data"][0]
        for colour in ("fill", "color", "outline"):
            if colour in row:
                assert row[colour][3] == 0, (layer["id"], colour)
        line = layer.get("getLineColor")  # a fixed colour, or "@@=column"
        if isinstance(line, str):
            line = row[line.removeprefix("@@=")]
        assert line is None or line[3] == 0, layer["id"]
