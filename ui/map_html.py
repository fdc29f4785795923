"""A territory map as one standalone HTML page that opens offline (pure, no Streamlit).

pydeck's own `to_html` loads deck.gl, the basemap library and its stylesheets
from the internet, so the file it writes shows nothing on a laptop without a
connection, in a meeting room or on a plane. This page embeds the deck.gl
bundle that ships inside the installed pydeck package (the same JavaScript its
notebook widget runs) and draws the offline basemap, the states as land,
instead of street tiles: it loads nothing from anywhere.

The data is the deck's JSON, with the characters that could end the script
(`<`, `>`, `&`) written as JSON escapes, and every tooltip field HTML-escaped:
Streamlit escapes them when it draws the map, the bundle does not.
"""

from __future__ import annotations

import functools
import html
import json
from pathlib import Path

import pydeck as pdk

from ui.maps import LAND

BUNDLE = Path(pdk.__file__).parent / "nbextension" / "static" / "index.js"
TOOLTIP_FIELDS = ("title", "detail")

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ margin: 0; padding: 0; overflow: hidden; font-family: sans-serif; background: #fff; }}
#deck-container {{ width: 100vw; height: 100vh; }}
#deck-container canvas {{ z-index: 1; }}
#map-title {{ position: absolute; top: 8px; left: 8px; z-index: 2; background: rgba(255,255,255,.85);
  padding: 4px 8px; border-radius: 4px; font-size: 14px; }}
</style>
<script>{bundle}</script>
</head>
<body>
<div id="deck-container"></div>
<div id="map-title">{title}</div>
<script>
const deckInstance = createDeck({{
  container: document.getElementById("deck-container"),
  jsonInput: {deck},
  tooltip: {tooltip},
  customLibraries: null,
  configuration: null,
}});
</script>
</body>
</html>
"""


@functools.cache
def _bundle() -> str:
    """Return pydeck's deck.gl bundle, checked to be safe inside a script element."""
    text = BUNDLE.read_text(encoding="utf-8")
    for marker in ("</script", "<!--"):  # either would end or derail the script element
        if marker in text.lower():
            raise ValueError(f"{BUNDLE} contains {marker!r} and cannot be embedded in a page")
    return text


def _script_json(value: object) -> str:
    """Return JSON that cannot end or open a tag inside a <script> element."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _escape_tooltips(node: object) -> object:
    """Return the deck JSON with every tooltip field's text HTML-escaped."""
    if isinstance(node, dict):
        return {
            k: html.escape(v) if k in TOOLTIP_FIELDS and isinstance(v, str) else _escape_tooltips(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_escape_tooltips(v) for v in node]
    return node


def _offline(deck: dict) -> dict:
    """Return the deck JSON without the street basemap, the states drawn as opaque land."""
    deck = {k: v for k, v in deck.items() if k not in ("mapProvider", "mapStyle")}
    for layer in deck.get("layers", []):
        if layer.get("id") == "states" and isinstance(layer.get("data"), dict):
            for feature in layer["data"].get("features", []):
                feature.setdefault("properties", {})["fill"] = list(LAND)
    return deck


def standalone_html(deck: pdk.Deck, title: str = "Realign map") -> str:
    """Return the map as one HTML page that embeds everything it needs and opens offline."""
    spec = _escape_tooltips(_offline(json.loads(deck.to_json())))
    return PAGE.format(
        title=html.escape(title),
        bundle=_bundle(),
        deck=_script_json(spec),
        tooltip=_script_json(deck._tooltip),
    )
