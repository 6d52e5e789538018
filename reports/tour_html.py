"""A 观摩会 tour as one self-contained HTML file: Leaflet, styles, data and the stops inside.

Copy it to a USB stick and open it on any laptop: it makes no request at all (no
tiles — the admin outlines are the base map). Next/previous with the buttons,
the arrow keys, Space, or a presenter clicker's PageUp/PageDown; Home/End jump
to the first/last stop; F or the 全屏 button asks the browser for full screen.
The map flies to each stop without reloading and outlines the stop's record.

Keys typed into a text field, text area, select box or editable element are
never taken. Embedded in the app page (``listen_parent``), the tour also hears
keys pressed on the app page — only while presenting, and it stops listening
when the embedding frame goes away.

A tour of more than :data:`TOUR_MAX_POINTS` projects draws them as on the large-data
map: below zoom 12 one label per 开发区 (its parks counted in it: 项目数 and 签约/开工/
投产), at the zone's representative point, moved off the parks' names (the zone's
own name label gives way to it, as it names the zone); from zoom 12 the circles.

Every text from the data is escaped in Python (tooltips) or set with
``textContent`` in the page (titles, notes, figures); the JSON is embedded with
``<`` escaped so no string can close the script element.
"""

from __future__ import annotations

import json
import math
from html import escape

import numpy as np
import pandas as pd
import shapely

from domain.labels import label, stage_label
from domain.tours import Tour
from geodata.dataset import Dataset
from geodata.query import zone_family
from geodata.schema import SCHEMAS
from geodata.tours import stop_bounds, stop_figures
from layers.assets import asset_text
from layers.pick import PROJECT_ZOOM
from layers.styles import CITY_LINE, COUNTY_LINE, HIGHLIGHT, PIPELINE_COLORS, STAGE_COLORS, ZONE_TYPE_COLORS
from stats.mapsummary import by_zone, figures_text, top_zone

MARGIN_DEG = 0.3
TOUR_MAX_SHAPES = 4000  # parcels one stop may draw; a stop whose view holds more shows zones and projects only
SCREEN_PX = (1920, 1080)  # the largest projector the tour is made for: what a stop with a zoom can show
TOUR_MAX_POINTS = 300
"""Projects a tour draws as circles at every zoom; with more, below :data:`layers.pick.PROJECT_ZOOM` each 开发区
shows one summary label instead (see :func:`project_summaries`). A zone stop shows a zone and its parks on one
screen, at zoom 10–11 for a zone of the 综改区's size: its projects sit within a few hundred pixels of their parks,
and a few hundred 18-pixel circles there already cover each other into a mat, where no single project can be
told apart (the 100 000-parcel data puts 2 097 in the 综改区's tour). The sample's tour (34 projects) and tours
of a few zones of real data stay below it and keep their circles at every zoom."""


def stop_view_box(bounds: list, zoom: int | None):
    """What a stop shows: its bounds widened by a quarter, or a 1920×1080 screen around their centre at ``zoom``."""
    (s, w), (n, e) = bounds
    if zoom is None:
        dx, dy = (e - w) * 0.25, (n - s) * 0.25
        return shapely.box(w - dx, s - dy, e + dx, n + dy)
    cx, cy = (w + e) / 2, (s + n) / 2
    dx = 360.0 / (256 * 2**zoom) * SCREEN_PX[0] / 2  # Web Mercator: longitude degrees per pixel …
    dy = 360.0 / (256 * 2**zoom) * math.cos(math.radians(cy)) * SCREEN_PX[1] / 2  # … latitude ones shrink by cos φ
    return shapely.box(cx - dx, cy - dy, cx + dx, cy + dy)


def tour_parcels(parcels: pd.DataFrame, views: list) -> tuple[pd.DataFrame, list[int]]:
    """The parcels the tour draws and, per stop, how many are in its view when too many to draw (else 0).

    Up to :data:`TOUR_MAX_SHAPES` parcels everything is kept (the file stays as it always was).
    Above, only the parcels in the views of stops that hold at most that many: a zone stop
    of a province-size dataset outlines the zones and shows the projects, and the parcels
    appear at the stops that zoom in, so the file and the presenter's laptop stay light.
    """
    if len(parcels) <= TOUR_MAX_SHAPES:
        return parcels, [0] * len(views)
    tree = shapely.STRtree(np.asarray(parcels.geometry.values))
    keep: set[int] = set()
    crowded = []
    for box in views:
        hits = tree.query(box)
        crowded.append(len(hits) if len(hits) > TOUR_MAX_SHAPES else 0)
        if len(hits) <= TOUR_MAX_SHAPES:
            keep.update(hits.tolist())
    return parcels.iloc[sorted(keep)], crowded


SUMMARY_NOTE = f"{PROJECT_ZOOM} 级以下每个开发区（含园区）一个标签：项目数及各阶段个数；放大显示各项目"


def project_summaries(zones: pd.DataFrame, projects: pd.DataFrame) -> list[dict]:
    """One label per top-level 开发区 of ``zones`` holding projects (its parks' projects counted in it, as on the
    large-data map: :func:`stats.mapsummary.by_zone`): the zone's id, short name, representative point, the
    项目 line (``2,097个项目``) and ``[stage word, colour, count]`` per stage; most projects first."""
    none = pd.DataFrame({"zone_id": pd.Series(dtype=object), "area_mu": pd.Series(dtype=float)})  # 项目 only
    table = by_zone(zones, none, projects).set_index("key").sort_values("projects", ascending=False, kind="stable")
    stages = projects.groupby([projects["zone_id"].map(top_zone(zones)), "stage"]).size()  # the same top zones
    return [
        {
            "zone": str(key),
            "name": str(row["name"]),
            "lat": round(float(row["lat"]), 6),
            "lng": round(float(row["lng"]), 6),
            "text": figures_text(row),
            "stages": [[stage_label(s), c, f"{int(stages.get((key, s), 0)):,}"] for s, c in STAGE_COLORS.items()],
        }
        for key, row in table.iterrows()
    ]


def _features(frame: pd.DataFrame, layer: str, tip, decimals: int, extra=()) -> list[dict]:
    geoms = shapely.transform(np.asarray(frame.geometry.values), lambda xy: np.round(xy, decimals))
    out = []
    for geom, rec in zip(geoms, frame.drop(columns="geometry").to_dict("records"), strict=True):
        props = {"layer": layer, "tip": tip(rec)} | {k: rec.get(k) for k in extra}
        out.append({"type": "Feature", "properties": props, "geometry": geom.__geo_interface__})
    return out


def tour_data(tour: Tour, data: Dataset) -> dict:
    """Everything the page needs: stops (bounds, zoom, texts, figures) and the layers around them."""
    stops = []
    views = []
    zone_ids: set[str] = set()
    for stop in tour.stops:
        rec_zone = stop.ref if stop.layer == "zones" else _zone_of(data, stop)
        zone_ids |= zone_family(data.zones, (rec_zone,))
        frame = data.layer(stop.layer)
        shape = frame.loc[frame[SCHEMAS[stop.layer].key] == stop.ref, "geometry"].iloc[0]
        bounds = stop_bounds(stop, data)
        views.append(stop_view_box(bounds, stop.zoom))
        stops.append(
            {
                "title": stop.title,
                "name": str(frame.loc[frame[SCHEMAS[stop.layer].key] == stop.ref, "name"].iloc[0]),
                "shape": shapely.set_precision(shape, 1e-6).__geo_interface__,
                "note": stop.note,
                "layer": label(stop.layer),
                "kind": stop.layer,
                "bounds": bounds,
                "zoom": stop.zoom,
                "show": list(stop.show),
                "figures": stop_figures(stop, data),
            }
        )
    zones = data.zones[data.zones["zone_id"].isin(zone_ids)]
    parents = set(zones["parent_id"].dropna())  # a parent's outline wraps its parks: the parks are named
    zones = zones.assign(label=zones["short_name"].fillna(zones["name"]).where(~zones["zone_id"].isin(parents), ""))
    parcels, crowded = tour_parcels(data.parcels[data.parcels["zone_id"].isin(zone_ids)], views)
    for stop, many in zip(stops, crowded, strict=True):
        stop["hint"] = f"此站范围内有 {many:,} 宗地块，只显示开发区边界与项目；地块在放大的站点显示" if many else ""
        if many:
            stop["show"] = [k for k in stop["show"] if k != "parcels"]
    projects = data.projects[data.projects["zone_id"].isin(zone_ids)]
    sums = project_summaries(zones, projects) if len(projects) > TOUR_MAX_POINTS else []
    w, s, e, n = zones.total_bounds if len(zones) else (110.2, 34.5, 114.6, 40.8)
    view = shapely.box(w - MARGIN_DEG, s - MARGIN_DEG, e + MARGIN_DEG, n + MARGIN_DEG)
    admin = data.admin[data.admin["level"].isin(["city", "county"]) & data.admin.intersects(view)]
    return {
        "title": tour.title,
        "stops": stops,
        "admin": _features(admin, "admin", lambda r: escape(r["name"]), 4, ("level",)),
        "zones": _features(zones, "zones", lambda r: escape(r["name"]), 6, ("zone_id", "zone_type", "label")),
        "parcels": _features(parcels, "parcels", _parcel_tip, 5 if any(crowded) else 6, ("pipeline_stage",)),
        "projects": _features(
            projects, "projects", lambda r: f"{escape(r['name'])}<br>{stage_label(r['stage'])}", 6, ("stage",)
        ),
        "summaries": {"zoom": PROJECT_ZOOM, "rows": sums, "note": SUMMARY_NOTE} if sums else None,
        "styles": {
            "zone": ZONE_TYPE_COLORS,
            "parcel": PIPELINE_COLORS,
            "stage": STAGE_COLORS,
            "city": CITY_LINE,
            "county": COUNTY_LINE,
            "current": HIGHLIGHT | {"interactive": False},
        },
        "legend": {
            "parcel": [[label(k), c] for k, c in PIPELINE_COLORS.items()],
            "stage": [[stage_label(k), c] for k, c in STAGE_COLORS.items()],
        },
    }


def _parcel_tip(r: dict) -> str:
    return f"{escape(r['name'])}<br>{r['area_mu']:,.2f} 亩 · {label(r['pipeline_stage'])}"


def _zone_of(data: Dataset, stop) -> str:
    frame = data.layer(stop.layer)
    key = "parcel_id" if stop.layer == "parcels" else "project_id"
    return str(frame.loc[frame[key] == stop.ref, "zone_id"].iloc[0])


def _json_for_script(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace("\u2028", "\\u2028")


PAGE_CSS = """
html, body { margin: 0; height: 100%; font-family: "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Microsoft YaHei",
  "PingFang SC", sans-serif; background: #10202f; }
#map { position: absolute; inset: 0; background: #eef1f4; }
#panel { position: absolute; left: 2vw; top: 2vh; max-width: 38vw; z-index: 1000; background: rgba(16,32,47,.88);
  color: #fff; padding: 1.6vh 1.6vw; border-radius: 8px; box-shadow: 0 2px 12px rgba(0,0,0,.4); }
#tour-title { font-size: clamp(14px, 1.6vw, 28px); opacity: .8; margin: 0 0 .6vh; }
#stop-title { font-size: clamp(22px, 2.8vw, 52px); font-weight: 700; margin: 0 0 1vh; line-height: 1.25; }
#stop-note { font-size: clamp(15px, 1.5vw, 28px); opacity: .9; margin: 0 0 1vh; }
#figures { display: grid; grid-template-columns: auto auto; gap: .6vh 1.2vw; font-size: clamp(16px, 1.7vw, 32px); }
#stop-hint { font-size: clamp(12px, 1vw, 18px); opacity: .75; margin-top: 1vh; }
#stop-hint:empty { display: none; }
#figures .k { opacity: .75; } #figures .v { font-weight: 700; }
#nav { position: absolute; right: 2vw; bottom: 3vh; z-index: 1000; display: flex; gap: 1vw; align-items: center; }
#nav button { font: inherit; font-size: clamp(16px, 1.6vw, 30px); padding: .8vh 1.4vw; border: 0; border-radius: 6px;
  background: #1e88e5; color: #fff; cursor: pointer; } #nav button:disabled { background: #7b8a97; }
#nav #full { background: #455a64; }
#stop-counter { color: #10202f; background: rgba(255,255,255,.9); padding: .6vh 1vw; border-radius: 6px;
  font-size: clamp(16px, 1.6vw, 30px); font-weight: 700; }
#legend { position: absolute; left: 2vw; bottom: 3vh; z-index: 1000; background: rgba(255,255,255,.94);
  padding: 1vh 1vw; border-radius: 6px; font-size: clamp(15px, 1.45vw, 28px); line-height: 1.5; max-width: 60vw; }
#legend i { display: inline-block; width: 1em; height: .8em; margin: 0 .3em 0 .8em; border: 1px solid #444; }
.leaflet-tooltip { font-size: clamp(13px, 1.1vw, 20px); }
.leaflet-tooltip.zm-zone-label { font-size: clamp(14px, 1.3vw, 26px); font-weight: 700; color: #1f4e8c;
  background: rgba(255,255,255,.8); border: 0; box-shadow: none; padding: 0 .3em; }
.leaflet-tooltip.zm-stop-label { font-size: clamp(16px, 1.6vw, 32px); font-weight: 700; color: #10202f;
  background: rgba(255,255,255,.92); border: 2px solid #00bcd4; }
.leaflet-tooltip.zm-zone-label::before, .leaflet-tooltip.zm-stop-label::before { display: none; }
.zm-tour-sum-icon { background: none; border: 0; }
.zm-tour-sum { position: absolute; left: 0; top: 0; transform: translate(-50%, -50%); white-space: nowrap;
  text-align: center; font-size: clamp(14px, 1.25vw, 24px); line-height: 1.3; color: #10202f;
  background: rgba(255,255,255,.94); border: 2px solid #10202f; border-radius: 6px; padding: .2em .6em;
  box-shadow: 0 2px 8px rgba(0,0,0,.35); pointer-events: none; }
.zm-tour-sum b, .zm-tour-sum span { display: block; }
.zm-tour-sum b { color: #1f4e8c; } .zm-tour-sum .n { font-weight: 700; font-size: 1.2em; }
.zm-tour-sum .st { font-size: .9em; }
.zm-tour-sum i, #legend .zm-tour-sum-key i { display: inline-block; width: .7em; height: .7em; border: 0;
  border-radius: 50%; margin: 0 .2em 0 .5em; }
#legend .zm-tour-sum-note { font-size: .8em; }
#legend .zm-tour-sum-key { display: inline-block; border: 2px solid #10202f; border-radius: 4px; padding: 0 .3em;
  margin-right: .4em; font-weight: 700; }
"""

PAGE_JS = """
const D = JSON.parse(document.getElementById('tour-data').textContent);
const map = L.map('map', {zoomSnap: 0.25, preferCanvas: true, attributionControl: false, zoomControl: false});
window.zmMap = map;  // reachable for tests and tools, like folium's map_div
L.control.zoom({position: 'topright', zoomInTitle: '放大', zoomOutTitle: '缩小'}).addTo(map);  // Chinese tooltips
L.control.scale({imperial: false, position: 'topright'}).addTo(map);
const S = D.styles;
const admin = L.geoJSON(D.admin, {style: f => f.properties.level === 'city' ? S.city : S.county,
  onEachFeature: (f, l) => f.properties.level === 'county' && l.bindTooltip(f.properties.tip)}).addTo(map);
const layers = {
  zones: L.geoJSON(D.zones, {style: f => ({color: S.zone[f.properties.zone_type] || '#888', weight: 3,
    dashArray: '8 5', fillOpacity: .08})}),
  parcels: L.geoJSON(D.parcels, {style: f => ({color: '#333', weight: 1, fillOpacity: .8,
    fillColor: S.parcel[f.properties.pipeline_stage] || '#bbb'})}),
  points: L.geoJSON(D.projects, {pointToLayer: (f, ll) => L.circleMarker(ll, {radius: 9, color: '#fff',
    weight: 2, fillOpacity: 1, fillColor: S.stage[f.properties.stage] || '#888'})}),
};
for (const k in layers) layers[k].eachLayer(l => l.bindTooltip(l.feature.properties.tip));
function textOf(t) { const e = document.createElement('span'); e.textContent = t; return e; }  // never HTML
function el(tag, cls, text) { const e = document.createElement(tag); if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text; return e; }
// zone names at presentation size, on the zones' layer (shown with it)
const zoneNames = L.layerGroup(), nameOf = {};
layers.zones.eachLayer(l => { const t = l.feature.properties.label; if (!t) return;
  const b = l.getBounds();
  nameOf[l.feature.properties.zone_id] = L.tooltip({permanent: true, direction: 'top', className: 'zm-zone-label',
    interactive: false}).setLatLng([b.getNorth(), b.getCenter().lng]).setContent(textOf(t));
  zoneNames.addLayer(nameOf[l.feature.properties.zone_id]); });
// Many projects (D.summaries): below its zoom the projects' layer is one label per 开发区 (parks counted in it,
// as on the large-data map), from that zoom the circles. A zone's own name label gives way to its summary,
// which names it; a summary moves off the parks' names (and hides those it cannot avoid).
const sumPane = map.createPane('zmTourSums'); sumPane.style.zIndex = 640; sumPane.style.pointerEvents = 'none';
const sums = L.layerGroup((D.summaries ? D.summaries.rows : []).map(r => {
  const d = el('div', 'zm-tour-sum'); d.appendChild(el('b', '', r.name)); d.appendChild(el('span', 'n', r.text));
  const st = el('span', 'st');
  for (const [word, color, n] of r.stages) { const i = el('i'); i.style.background = color; st.appendChild(i);
    st.appendChild(document.createTextNode(word + ' ' + n)); }
  d.appendChild(st);
  return L.marker([r.lat, r.lng], {pane: 'zmTourSums', interactive: false, keyboard: false,
    icon: L.divIcon({html: d, className: 'zm-tour-sum-icon', iconSize: [0, 0]})});
}));
const circles = layers.points; delete layers.points;
layers.projects = L.layerGroup([circles]);
let summed = false;
const summedZone = {}; for (const r of (D.summaries ? D.summaries.rows : [])) summedZone[r.zone] = true;
function fitSums() {  // largest first: a label overlapping a name or a larger label moves a little, if it can
  for (const id in nameOf) { const e = nameOf[id].getElement(); if (e) e.style.visibility = ''; }
  if (!summed || !map.hasLayer(layers.projects)) return;
  const named = map.hasLayer(zoneNames), kept = [];
  for (const id in nameOf) { const t = nameOf[id], e = t.getElement();
    if (named && e && zoneNames.hasLayer(t)) kept.push({r: e.getBoundingClientRect(), e: e}); }
  const box = map.getContainer().getBoundingClientRect(), parks = [];  // rather beside the parks than over them
  if (map.hasLayer(layers.zones)) layers.zones.eachLayer(l => { if (summedZone[l.feature.properties.zone_id]) return;
    const b = l.getBounds(), a = map.latLngToContainerPoint(b.getNorthWest()),
      c = map.latLngToContainerPoint(b.getSouthEast());
    parks.push({left: box.left + a.x, top: box.top + a.y, right: box.left + c.x, bottom: box.top + c.y}); });
  const chrome = ['panel', 'legend', 'nav'].map(id => document.getElementById(id).getBoundingClientRect());
  const stop = document.querySelector('.zm-stop-label');
  if (stop) kept.push({r: stop.getBoundingClientRect()});
  const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const at = (r, d) => ({left: r.left + d[0], right: r.right + d[0], top: r.top + d[1], bottom: r.bottom + d[1]});
  sums.eachLayer(mk => {
    const e = mk.getElement() && mk.getElement().firstChild; if (!e) return;
    e.style.visibility = ''; e.style.transform = '';
    const r = e.getBoundingClientRect(), w = r.width * 0.55, h = r.height * 0.6, moves = [[0, 0]];
    for (const k of [1, 2, 3]) for (const [x, y] of [[0, -1], [0, 1], [-1, 0], [1, 0], [-1, -1], [1, -1], [-1, 1],
      [1, 1]]) moves.push([x * k * w, y * k * h]);
    const free = (m, ...others) => !kept.some(k => hit(at(r, m), k.r)) &&
      !others.some(o => o.some(p => hit(at(r, m), p)));
    let d = moves.find(m => free(m, chrome, parks)) || moves.find(m => free(m, chrome)) || moves.find(m => free(m));
    if (!d) {  // nowhere free: under a larger label or the stop's name it hides, else the names under it do
      d = [0, 0];
      if (kept.some(k => !k.e && hit(r, k.r))) { e.style.visibility = 'hidden'; return; }
      for (const k of kept) if (k.e && hit(r, k.r)) k.e.style.visibility = 'hidden';
    }
    if (d[0] || d[1]) e.style.transform = 'translate(-50%, -50%) translate(' + d[0] + 'px, ' + d[1] + 'px)';
    kept.push({r: at(r, d)});
  });
}
function summarise() {  // circles or summaries by the zoom; a summarised zone's own name gives way
  const want = !!D.summaries && map.getZoom() < D.summaries.zoom;
  if (want !== summed) {
    summed = want;
    layers.projects.removeLayer(want ? circles : sums); layers.projects.addLayer(want ? sums : circles);
  }
  const merged = summed && map.hasLayer(layers.projects);  // the summary names the zone: one label, not two
  for (const id in summedZone) { const t = nameOf[id]; if (!t) continue;
    if (merged) zoneNames.removeLayer(t); else zoneNames.addLayer(t); }
  fitSums();
}
map.on('zoom', () => { if (!!D.summaries && (map.getZoom() < D.summaries.zoom) !== summed) summarise(); });
map.on('zoomend', summarise);
function clear() {
  // the room the stop card, the legend and the buttons leave: the stop's features are fitted into it
  const box = id => document.getElementById(id).getBoundingClientRect(), m = map.getContainer().getBoundingClientRect();
  const panel = box('panel'), legend = box('legend'), nav = box('nav'), gap = 24;
  return {topLeft: [Math.max(gap, panel.right - m.left + gap), gap],
          bottomRight: [gap, Math.max(gap, m.bottom - Math.min(legend.top, nav.top) + gap)]};
}
window.zmClear = clear;
const legend = document.getElementById('legend');
const sketch = document.createElement('div'); sketch.textContent = '开发区边界、地块形状与项目位置为示意';
legend.appendChild(sketch);
for (const [name, list] of [['地块', D.legend.parcel], ['项目', D.legend.stage]]) {
  const row = document.createElement('div'); const b = document.createElement('b'); b.textContent = name;
  row.appendChild(b);
  for (const [text, color] of list) { const i = document.createElement('i'); i.style.background = color;
    row.appendChild(i); row.appendChild(document.createTextNode(text)); }
  legend.appendChild(row);
}
if (D.summaries) {  // what the summary labels say, while the circles are too many to tell apart
  const row = el('div', 'zm-tour-sum-note'), key = el('span', 'zm-tour-sum-key', '项目汇总');
  for (const [, color] of D.legend.stage) { const i = el('i'); i.style.background = color; key.appendChild(i); }
  row.appendChild(key);
  row.appendChild(document.createTextNode(D.summaries.note));
  legend.appendChild(row);
}
document.getElementById('tour-title').textContent = D.title;
let current = -1, outline = null;
function show(n) {
  n = Math.max(0, Math.min(D.stops.length - 1, n));
  if (n === current) return;
  const first = current < 0; current = n;
  const s = D.stops[n];
  document.getElementById('stop-title').textContent = s.title;
  document.getElementById('stop-note').textContent = s.note || '';
  document.getElementById('stop-note').style.display = s.note ? '' : 'none';
  const fig = document.getElementById('figures'); fig.replaceChildren();
  for (const [k, v] of s.figures) { for (const [cls, t] of [['k', k], ['v', v]]) {
    const d = document.createElement('div'); d.className = cls; d.textContent = t; fig.appendChild(d); } }
  document.getElementById('stop-hint').textContent = s.hint || '';
  document.getElementById('stop-counter').textContent = (n + 1) + ' / ' + D.stops.length;
  document.getElementById('prev').disabled = n === 0;
  document.getElementById('next').disabled = n === D.stops.length - 1;
  for (const k in layers) { if (s.show.includes(k)) layers[k].addTo(map); else layers[k].remove(); }
  if (s.show.includes('zones')) zoneNames.addTo(map); else zoneNames.remove();
  if (outline) outline.remove();
  outline = L.geoJSON(s.shape, {style: () => S.current, interactive: false,
    pointToLayer: (f, ll) => L.circleMarker(ll, Object.assign({radius: 16}, S.current))}).addTo(map);
  if (s.kind !== 'zones' && s.name) {  // the stop's parcel or project named at presentation size, below it
    const sb = outline.getBounds();
    outline.addLayer(L.tooltip({permanent: true, direction: 'bottom', offset: [0, 10], className: 'zm-stop-label',
      interactive: false}).setLatLng([sb.getSouth(), sb.getCenter().lng]).setContent(textOf(s.name)));
  }
  summarise();  // again when the flight ends (zoomend)
  const b = L.latLngBounds(s.bounds), pad = clear();
  const opts = {duration: first ? 0 : 1.2, animate: !first};
  if (s.zoom) {  // the stop's centre in the middle of the free room, at the stop's zoom
    const shift = L.point((pad.topLeft[0] - pad.bottomRight[0]) / 2, (pad.topLeft[1] - pad.bottomRight[1]) / 2);
    map.flyTo(map.unproject(map.project(b.getCenter(), s.zoom).subtract(shift), s.zoom), s.zoom, opts);
  } else {
    map.flyToBounds(b, Object.assign({maxZoom: 16, paddingTopLeft: pad.topLeft, paddingBottomRight: pad.bottomRight},
      opts));
  }
  if (first) map.whenReady(summarise);  // the first view adds the layers on load, after its zoomend
  window.zmStop = n;
}
function fullScreen() {
  // the app page when embedded (same origin), else this page; browsers may refuse without a click
  let doc = document;
  try { if (window.parent !== window && window.parent.document) doc = window.parent.document; } catch (e) {}
  const el = doc.documentElement;
  if (doc.fullscreenElement) doc.exitFullscreen().catch(() => {});
  else if (el.requestFullscreen) el.requestFullscreen().catch(() => {});
}
document.getElementById('prev').onclick = () => show(current - 1);
document.getElementById('next').onclick = () => show(current + 1);
document.getElementById('full').onclick = fullScreen;
function typing(e) {
  const t = (e.composedPath && e.composedPath()[0]) || e.target;
  if (!t || !t.tagName) return false;
  return /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) || t.isContentEditable;
}
function onKey(e) {
  if (e.defaultPrevented || e.ctrlKey || e.altKey || e.metaKey || typing(e)) return;
  const next = ['ArrowRight', 'ArrowDown', 'PageDown', ' ', 'Enter'], prev = ['ArrowLeft', 'ArrowUp', 'PageUp'];
  if (next.includes(e.key)) { show(current + 1); e.preventDefault(); }
  else if (prev.includes(e.key)) { show(current - 1); e.preventDefault(); }
  else if (e.key === 'Home') { show(0); e.preventDefault(); }
  else if (e.key === 'End') { show(D.stops.length - 1); e.preventDefault(); }
  else if (e.key === 'f' || e.key === 'F') { fullScreen(); e.preventDefault(); }
}
document.addEventListener('keydown', onKey);
if (D.listenParent) {
  try {
    const host = window.parent.document;
    if (window.parent !== window) {
      host.addEventListener('keydown', onKey);
      window.addEventListener('pagehide', () => host.removeEventListener('keydown', onKey));
    }
  } catch (e) { /* another origin: keys work once the tour has focus */ }
}
show(0);
"""


def tour_html(tour: Tour, data: Dataset, listen_parent: bool = False) -> str:
    """The tour as one HTML document that needs nothing else (see module doc).

    ``listen_parent``: embedded in the app while presenting, also page with keys pressed on the app page.
    """
    payload = _json_for_script(tour_data(tour, data) | {"listenParent": listen_parent})
    return (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(tour.title)}</title>"
        f"<style>{asset_text('leaflet', 'leaflet.css')}</style><style>{PAGE_CSS}</style></head><body>"
        "<div id='map'></div>"
        "<div id='panel'><div id='tour-title'></div><div id='stop-title'></div><div id='stop-note'></div>"
        "<div id='figures'></div><div id='stop-hint'></div></div>"
        "<div id='legend'></div>"
        "<div id='nav'><button id='prev' type='button'>‹ 上一站</button><span id='stop-counter'></span>"
        "<button id='next' type='button'>下一站 ›</button>"
        "<button id='full' type='button' title='全屏（F）'>全屏</button></div>"
        f"<script>{asset_text('leaflet', 'leaflet.js')}</script>"
        f"<script type='application/json' id='tour-data'>{payload}</script>"
        f"<script>{PAGE_JS}</script></body></html>"
    )
