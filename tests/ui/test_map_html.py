"""The standalone map page loads nothing from the internet and keeps uploaded names inert."""

from __future__ import annotations

import json
import re

from test_maps import make_shapes, territories, view_and_reps

from ui import maps
from ui.map_html import standalone_html

EVIL = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"


def _page(basemap: bool = True) -> str:
    view, reps = view_and_reps()
    view.loc[0, "name"] = EVIL
    deck = maps.territory_map(
        view, reps, shapes=make_shapes(), counties=territories(), basemap=basemap
    )
    return standalone_html(deck, title="Plan <b>B</b>")


def _deck_json(page: str) -> dict:
    found = re.search(r"jsonInput: (\{.*?\}),\n  tooltip:", page, re.S)
    assert found, "the page carries the deck's JSON"
    return json.loads(found.group(1))


def test_nothing_is_loaded_from_another_machine():
    page = _page()
    tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", page[: page.index("<script>")])
    tags += re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", page[page.index("</head>") :])
    assert tags and not [t for t in tags if re.search(r"\b(?:src|href)\s*=", t)]
    assert not re.search(r"""<script[^>]*\bsrc\s*=\s*["']?https?:""", page)
    assert not re.search(r"""<link[^>]*\bhref\s*=\s*["']?https?:""", page)
    assert "createDeck" in page  # the deck.gl bundle itself is embedded


def test_the_street_basemap_is_replaced_by_opaque_land():
    deck = _deck_json(_page(basemap=True))
    assert "mapStyle" not in deck and "mapProvider" not in deck
    states = next(layer for layer in deck["layers"] if layer["id"] == "states")
    assert {tuple(f["properties"]["fill"]) for f in states["data"]["features"]} == {maps.LAND}


def test_an_uploaded_name_cannot_end_the_script_or_inject_markup():
    page = _page()
    assert page.count("</script>") == 2  # the bundle's and the page's own, nothing from the data
    assert "<img src=x" not in page.split("</head>")[1]
    accounts = next(layer for layer in _deck_json(page)["layers"] if layer["id"] == "accounts")
    titles = [row["title"] for row in accounts["data"]]
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img" in titles[0]
    assert "<title>Plan &lt;b&gt;B&lt;/b&gt;</title>" in page
