"""The offline admin base (province, cities, counties) as a file the browser fetches once and caches.

Inline, the outlines are about 1 MB of every map's script; a page that redraws
its map on every pan (see :mod:`layers.viewport`) would send them each time.
:func:`admin_file` writes them once per content into ``static/data/`` (served
by Streamlit at ``/app/static/data/``, localhost only); :class:`AdminFromFile`
draws them from there with the same styles, tooltips and labels as the inline
base in :mod:`layers.overview`.
"""

from __future__ import annotations

import hashlib
import json
from html import escape
from pathlib import Path

import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from geodata.atomic import replace_file
from layers import styles
from layers.assets import STATIC_DIR
from layers.features import ADMIN_DECIMALS, feature_collection, tip_html

URL_PREFIX = "/app/static/data"


def admin_payload(admin: pd.DataFrame) -> dict:
    """Counties (with tooltips), city outlines and city labels, as plain JSON-able data."""
    counties = admin[admin["level"] == "county"]
    cities = admin[admin["level"] == "city"]
    labels = [
        [round(p.y, 4), round(p.x, 4), f'<div class="zm-label">{escape(name)}</div>']
        for name, p in zip(cities["name"], cities.geometry.representative_point(), strict=True)
    ]
    return {
        "counties": feature_collection(counties, "admin", lambda r: tip_html(r["name"]), decimals=ADMIN_DECIMALS),
        "cities": feature_collection(cities, "admin", lambda r: "", decimals=ADMIN_DECIMALS),
        "labels": labels,
    }


def admin_file(admin: pd.DataFrame, static_dir: Path = STATIC_DIR) -> str:
    """Write the admin base (named by its content hash, so browsers may cache it) and return its URL."""
    body = json.dumps(admin_payload(admin), ensure_ascii=False, separators=(",", ":")).encode()
    name = f"admin-{hashlib.sha256(body).hexdigest()[:16]}.json"
    folder = static_dir / "data"
    path = folder / name
    if not path.exists():
        replace_file(path, lambda tmp: tmp.write_bytes(body))
    return f"{URL_PREFIX}/{name}"


_URLS: dict[tuple, str] = {}


def shared_admin_url(admin: pd.DataFrame, static_dir: Path = STATIC_DIR) -> str:
    """:func:`admin_file`, written once per admin content and process: every map of every page shares the file.

    Inline, the admin base is about 1.2 MB of each map's script; as one file the browser fetches it once.
    """
    key = (tuple(admin["adcode"].astype(str)), tuple(round(float(v), 6) for v in admin.total_bounds), str(static_dir))
    url = _URLS.get(key)
    if url is None or not (static_dir / "data" / url.rsplit("/", 1)[-1]).exists():
        if len(_URLS) > 8:
            _URLS.clear()
        url = _URLS[key] = admin_file(admin, static_dir)
    return url


TILE_ERRORS_BEFORE_FALLBACK = 2
TILE_FALLBACK_TEXT = "在线底图无法访问（本机可能未联网或瓦片服务不可达），已改用离线底图（行政区划）。"


class AdminFromFile(MacroElement):
    """Fetch the admin base from ``url`` and draw it under everything else.

    With ``fallback`` the base is drawn only if the map's online tiles fail
    (:data:`TILE_ERRORS_BEFORE_FALLBACK` errors before any tile loaded): the
    tiles are then removed and a Chinese note says why the map looks different.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var m = {{ this._parent.get_name() }};
  function draw() {
    // Drawn on the map's own canvas and sent to the back: under every data layer, yet its county
    // tooltips still answer where no feature lies above (a separate pane's canvas would never get the mouse).
    m._zmPending = (m._zmPending || 0) + 1;  // read by the browser tests: the map is drawn when none is pending
    fetch({{ this.url|tojson }}).then(r => r.json()).then(d => {
      L.geoJson(d.cities, {interactive: false, style: () => ({{ this.city|tojson }})}).addTo(m).bringToBack();
      L.geoJson(d.counties, {style: () => ({{ this.county|tojson }}),
        onEachFeature: (f, l) => l.bindTooltip(f.properties.tip, {sticky: true})}).addTo(m).bringToBack();
      d.labels.forEach(([lat, lng, html]) => L.marker([lat, lng], {interactive: false,
        icon: L.divIcon({html: html, className: 'empty'})}).addTo(m));
    }).finally(() => { m._zmPending -= 1; });
  }
{%- if this.fallback %}
  let loaded = 0, failed = 0, done = false;
  function fallback() {
    done = true;
    m.eachLayer(l => { if (l instanceof L.TileLayer) m.removeLayer(l); });
    const note = L.control({position: 'topleft'});
    note.onAdd = () => { const d = L.DomUtil.create('div', 'zm-tile-note'); d.textContent = {{ this.text|tojson }};
      return d; };
    note.addTo(m);
    draw();
  }
  m.eachLayer(l => {
    if (!(l instanceof L.TileLayer)) return;
    l.on('tileload', () => { loaded++; });
    l.on('tileerror', () => { failed++; if (!done && !loaded && failed >= {{ this.errors }}) fallback(); });
  });
{%- else %}
  draw();
{%- endif %}
})();
{% endmacro %}"""
    )

    def __init__(self, url: str, fallback: bool = False):
        super().__init__()
        self._name = "AdminFromFile"
        self.url = url
        self.fallback = fallback
        self.text = TILE_FALLBACK_TEXT
        self.errors = TILE_ERRORS_BEFORE_FALLBACK
        self.county = styles.COUNTY_LINE
        self.city = styles.CITY_LINE
