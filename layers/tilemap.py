"""The large-data map drawn from the app's own vector tiles: real shapes at every zoom, no rerun on pan or zoom.

:class:`TileMap` adds zones, parcels and projects as ``L.vectorGrid.protobuf``
layers (Leaflet.VectorGrid, vendored by :mod:`layers.assets`) reading
``/ogc/collections/{layer}/tiles/WebMercatorQuad/{z}/{y}/{x}`` from the app
server (see :mod:`ogc.routes`). The address carries the data version (an edit
gives new addresses, so the browser fetches again) and those page filters the
tiles accept (fewer bytes). What is drawn and in which colour follows the page
exactly through a *class table* (:func:`class_table`): for each shown record
its class under the page's 地块着色 (供地阶段, 基础设施配套, 闲置认定 … —
columns the page derives, not stored in the tiles); a record not in the table
is filtered out and not drawn. Ids are front-coded (each id after the first
sends only what differs from the previous one): about 7 bytes a parcel for
sequential ids, 0.7 MB for 100 000 parcels. The table is a file named by its
content (:func:`tables_file`, like the admin base) that the browser fetches
once, so a rerun (a click) does not send it again.

Tile canvases take no pointer events: a click goes to the map, st_folium
returns the point, and :mod:`layers.pick` finds the record on the server.
The map's click handler adds the zoom to the clicked point (``last_clicked``
then carries ``zoom``) so a project marker is picked within its drawn radius.

:class:`Summaries` writes 宗 / 亩 / 项目 per 市 below zoom 9 and per 开发区 from
9 to 11 over the shapes (switched in the browser on zoom), hiding the base
map's own city names while city summaries show (each summary label *is* the
city's name), and hiding labels that would overlap a larger one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from html import escape
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from geodata.atomic import replace_file
from layers import styles
from layers.assets import STATIC_DIR, VECTORGRID_JS
from layers.pick import PROJECT_ZOOM
from stats.mapsummary import figure_lines

CITY_MAX_ZOOM = 8  # summaries by 市 up to here
ZONE_MAX_ZOOM = 11  # by 开发区 from CITY_MAX_ZOOM + 1 to here; none above
MAX_NATIVE_ZOOM = 16  # tiles asked up to this zoom; beyond it they are drawn larger
ABOVE_TILES = "zmSelect"  # the pane over the tiles for the selection's outline and a page's overlays
TILE_PATH = "/ogc/collections/{layer}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}"


def tile_url(layer: str, version: str, filters: Mapping[str, str]) -> str:
    """The tile address template, relative to the app's root: ``f=mvt``, the data version, the filters.

    The version is sent as a short hash: a store's version names its file, which no page shows.
    """
    v = hashlib.sha256(version.encode()).hexdigest()[:16]
    query = urlencode({"f": "mvt", "v": v, **dict(sorted(filters.items()))})
    return TILE_PATH.format(layer=layer) + "?" + query


def front_code(ids: Iterable[str], codes: Iterable[int]) -> list[str]:
    """Sorted ids with a class index each, as ``chr(48 + shared prefix) + rest of id + chr(48 + class)``.

    >>> front_code(["P-10", "P-11", "P-2"], [0, 1, 2])
    ['0P-100', '311', '222']
    """
    out, prev = [], ""
    for rid, code in sorted(zip(ids, codes, strict=True)):
        shared = 0
        for a, b in zip(prev, rid, strict=False):
            if a != b or shared >= 60:
                break
            shared += 1
        out.append(chr(48 + shared) + rid[shared:] + chr(48 + code))
        prev = rid
    return out


def class_table(ids: pd.Series, values: pd.Series | None, palette: Mapping[str, str]) -> dict:
    """What the browser needs to draw exactly these records: ``colors`` (by class index) and the coded ``ids``.

    ``values`` (aligned with ``ids``) are the records' classes; a value not in ``palette`` (or blank) is drawn in
    :data:`layers.styles.MISSING`. ``values`` None: one class (the layer styles itself from tile attributes).
    """
    keys = list(palette)
    colors = [palette[k] for k in keys] + [styles.MISSING]
    if values is None:
        codes = [0] * len(ids)
    else:
        where = {k: i for i, k in enumerate(keys)}
        codes = [where.get(v, len(keys)) if isinstance(v, str) else len(keys) for v in values]
    return {"colors": colors, "ids": front_code([str(i) for i in ids], codes)}


TABLES_URL = "/app/static/data"
TABLE_FILES_KEPT = 64  # older class tables (other filters, older data) are deleted beyond this many


def tables_file(tables: Mapping[str, dict], static_dir: Path = STATIC_DIR) -> str:
    """Write the class tables as a file named by their content (the browser may cache it) and return its URL."""
    body = json.dumps(tables, ensure_ascii=False, separators=(",", ":")).encode()
    name = f"classes-{hashlib.sha256(body).hexdigest()[:20]}.json"
    folder = static_dir / "data"
    path = folder / name
    if not path.exists():
        replace_file(path, lambda tmp: tmp.write_bytes(body))
        old = sorted(folder.glob("classes-*.json"), key=lambda f: f.stat().st_mtime, reverse=True)
        for stale in old[TABLE_FILES_KEPT:]:
            stale.unlink(missing_ok=True)
    return f"{TABLES_URL}/{name}"


class TileMap(JSCSSMixin, MacroElement):
    """Zones, parcels and projects from the app's vector tiles (see the module doc)."""

    _template = Template(
        """{% macro header(this, kwargs) %}<style>
.zm-tiles{pointer-events:none}
</style>{% endmacro %}
{% macro script(this, kwargs) %}
(function () {
  var m = {{ this._parent.get_name() }};
  // Leaflet 1.8 dropped L.DomEvent.fakeStop, which VectorGrid 1.3 still calls on some events
  if (!L.DomEvent.fakeStop) { L.DomEvent.fakeStop = function () { return true; }; }
  // st_folium returns the clicked point: the zoom rides along for the pick radius (layers/pick.py)
  m.on('click', function (e) { e.latlng.zoom = m.getZoom(); });
  var root = window.location.href.split('/component/')[0].replace(/\\/+$/, '');
  if (root.indexOf('http') !== 0) { root = window.location.origin; }
  function decode(t) {
    var byId = new Map(), prev = '';
    t.ids.forEach(function (s) {
      var id = prev.slice(0, s.charCodeAt(0) - 48) + s.slice(1, -1);
      byId.set(id, s.charCodeAt(s.length - 1) - 48);
      prev = id;
    });
    return byId;
  }
  var none = [];
  function pane(name, z) {
    var p = m.getPane(name) || m.createPane(name);
    p.style.zIndex = z;
    p.classList.add('zm-tiles');
    return name;
  }
  function layer(key, url, paneName, style) {
    var options = {rendererFactory: L.canvas.tile, interactive: false, pane: paneName,
      maxNativeZoom: {{ this.max_native }}, vectorTileLayerStyles: {}, fetchOptions: {credentials: 'same-origin'},
      getFeatureId: function (f) { return f.properties.id; }};  // each tile then lists what it drew
    options.vectorTileLayerStyles[key] = style;
    var l = L.vectorGrid.protobuf(root + url, options);
    l.addTo(m);
    return l;
  }
  var zoneColors = {{ this.zone_colors|tojson }};
  var stageColors = {{ this.stage_colors|tojson }};
  pane({{ this.above|tojson }}, 460);
  fetch({{ this.tables_url|tojson }}).then(function (r) { return r.json(); }).then(function (T) {
  var zones = decode(T.zones), parcels = decode(T.parcels), projects = decode(T.projects);
  window.zmTiles = {
    zones: layer('zones', {{ this.urls.zones|tojson }}, pane('zmZones', 410), function (p) {
      if (!zones.has(p.id)) return none;
      var c = zoneColors[p.zone_type] || {{ this.missing|tojson }};
      return {color: c, weight: 2, fill: true, fillColor: c, fillOpacity: 0.12, dashArray: '6 4'};
    }),
    parcels: layer('parcels', {{ this.urls.parcels|tojson }}, pane('zmParcels', 420), function (p, z) {
      var k = parcels.get(p.id);
      if (k === undefined) return none;
      return {color: '#4a4a4a', weight: z >= 13 ? 0.8 : 0.3, opacity: z >= 11 ? 1 : 0.6, fill: true,
              fillColor: T.parcels.colors[k], fillOpacity: 0.75};
    }),
{%- if this.projects %}
    projects: layer('projects', {{ this.urls.projects|tojson }}, pane('zmProjects', 430), function (p, z) {
      if (z < {{ this.project_zoom }} || !projects.has(p.id)) return none;
      return {radius: 7, color: '#ffffff', weight: 1.5, fill: true, fillOpacity: 0.95,
              fillColor: stageColors[p.stage] || {{ this.missing|tojson }}};
    }),
{%- endif %}
  };
  });
})();
{% endmacro %}"""
    )

    def __init__(self, urls: Mapping[str, str], tables_url: str, projects: bool = True):
        super().__init__()
        self._name = "TileMap"
        self.urls = dict(urls)
        self.tables_url = tables_url
        self.projects = projects
        self.zone_colors = styles.ZONE_TYPE_COLORS
        self.stage_colors = styles.STAGE_COLORS
        self.missing = styles.MISSING
        self.max_native = MAX_NATIVE_ZOOM
        self.project_zoom = PROJECT_ZOOM
        self.above = ABOVE_TILES
        self.default_js = [("vectorgrid", VECTORGRID_JS)]  # a JSCSSMixin's: st_folium loads it after Leaflet


SUMMARY_CSS = """
.zm-sum-icon{background:none;border:none}
.zm-sum{position:absolute;left:0;top:0;transform:translate(-50%,-50%);white-space:nowrap;text-align:center;
  font:11px/1.25 sans-serif;color:#1b1b1b;background:rgba(255,255,255,.86);border:1px solid #8a8a8a;
  border-radius:4px;padding:1px 6px;box-shadow:0 1px 3px rgba(0,0,0,.3);pointer-events:none}
.zm-sum b,.zm-sum span{display:block}
.zm-sum b{font-size:12px}
.zm-sum-city .zm-label{display:none}
.zm-below-points .zm-sanwei{display:none}
"""


def summary_labels(frame: pd.DataFrame) -> list[list]:
    """``[lat, lng, html]`` per row of a :mod:`stats.mapsummary` table: the name, then its figures a line each
    (narrow, so that more labels fit side by side); every text escaped."""
    out = []
    for _, r in frame.iterrows():
        lines = "".join(f"<span>{escape(part)}</span>" for part in figure_lines(r))
        out.append([round(float(r["lat"]), 5), round(float(r["lng"]), 5),
                    f'<div class="zm-sum"><b>{escape(str(r["name"]))}</b>{lines}</div>'])  # fmt: skip
    return out


class Summaries(MacroElement):
    """Labels with 宗 / 亩 / 项目: per 市 to :data:`CITY_MAX_ZOOM`, per 开发区 to :data:`ZONE_MAX_ZOOM`, none above."""

    _template = Template(
        """{% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}
{% macro script(this, kwargs) %}
(function () {
  var m = {{ this._parent.get_name() }};
  var p = m.getPane('zmSums') || m.createPane('zmSums');
  p.style.zIndex = 640;
  p.style.pointerEvents = 'none';
  function group(rows) {
    return L.layerGroup(rows.map(function (r) {
      return L.marker([r[0], r[1]], {pane: 'zmSums', interactive: false, keyboard: false,
        icon: L.divIcon({html: r[2], className: 'zm-sum-icon', iconSize: [0, 0]})});
    }));
  }
  var cities = group({{ this.cities|tojson }}), zones = group({{ this.zones|tojson }}), shown = null;
  // Rows come largest first. A label overlapping one already placed is moved a little (up, down, left,
  // right, still over its place) but never past the map's edge (a narrow map cut labels in half); if every
  // position overlaps or leaves the map, it is hidden until the next zoom.
  function declutter(g) {
    var kept = [], box = m.getContainer().getBoundingClientRect();
    g.eachLayer(function (mk) {
      var el = mk.getElement() && mk.getElement().firstChild;
      if (!el) return;
      el.style.visibility = '';
      el.style.transform = '';
      var r = el.getBoundingClientRect(), w = r.width * 0.55, h = r.height * 0.6;
      var moves = [[0, 0], [0, -h], [0, h], [-w, 0], [w, 0], [-w, -h], [w, -h], [-w, h], [w, h],
                   [-2 * w, 0], [2 * w, 0], [0, -2 * h], [0, 2 * h]];
      var free = moves.find(function (d) {
        var inside = r.left + d[0] >= box.left && r.right + d[0] <= box.right && r.top + d[1] >= box.top &&
                     r.bottom + d[1] <= box.bottom;
        return inside && !kept.some(function (k) {
          return r.left + d[0] < k.right && k.left < r.right + d[0] && r.top + d[1] < k.bottom &&
                 k.top < r.bottom + d[1];
        });
      });
      if (!free) { el.style.visibility = 'hidden'; return; }
      if (free[0] || free[1]) {
        el.style.transform = 'translate(-50%,-50%) translate(' + free[0] + 'px,' + free[1] + 'px)';
      }
      kept.push({left: r.left + free[0], right: r.right + free[0], top: r.top + free[1], bottom: r.bottom + free[1]});
    });
  }
  function update() {
    var z = m.getZoom();
    var want = z <= {{ this.city_max }} ? cities : (z <= {{ this.zone_max }} ? zones : null);
    m.getContainer().classList.toggle('zm-sum-city', want === cities);
    // below the zoom where projects are drawn the labels count 三未, the rings (class zm-sanwei) wait
    m.getContainer().classList.toggle('zm-below-points', z < {{ this.point_zoom }});
    m.eachLayer(ring);
    if (want !== shown) {
      if (shown) m.removeLayer(shown);
      if (want) want.addTo(m);
      shown = want;
    }
    if (shown) declutter(shown);
  }
  // 三未 rings drawn on a canvas take no CSS class: they are made transparent below the projects' zoom
  function ring(l) {
    if (l.options && l.options.className === 'zm-sanwei' && l.setStyle) {
      l.setStyle({opacity: m.getZoom() < {{ this.point_zoom }} ? 0 : 1});
    }
  }
  m.on('layeradd', function (e) { ring(e.layer); });
  m.on('zoomend', update);
  m.whenReady(update);
})();
{% endmacro %}"""
    )

    def __init__(self, cities: pd.DataFrame, zones: pd.DataFrame):
        super().__init__()
        self._name = "Summaries"
        self.cities = summary_labels(cities)
        self.zones = summary_labels(zones)
        self.css = SUMMARY_CSS
        self.city_max = CITY_MAX_ZOOM
        self.zone_max = ZONE_MAX_ZOOM
        self.point_zoom = PROJECT_ZOOM
