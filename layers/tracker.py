"""Map layer of the 三个一批 page: projects flagged 三未 ringed in red, clickable like any project.

Both maps follow one rule (#26): a ring shows where its project is drawn as its own marker; where projects are
summarised, so are their 三未. The large-data map's labels count them below :data:`layers.pick.PROJECT_ZOOM`
(layers.tilemap.Summaries); on the small-data map a cluster holding 三未 projects gets a red ring and their number
(:class:`SanweiWithClusters`).
"""

from __future__ import annotations

import folium
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from domain.labels import label
from layers.controls import PIN_LIFT_PX
from layers.features import feature_collection, geojson_layer, tip_html

SANWEI_COLOR = "#e53935"
SANWEI_CLASS = "zm-sanwei"  # the large-data map hides the rings below project zoom (layers.tilemap.Summaries)
RING = {"radius": 12, "color": SANWEI_COLOR, "weight": 3, "fill": False}
# around a project's marker drawn above its point (small data, see layers.controls.PointerFixes)
LIFTED_RING = RING | {"zmLift": PIN_LIFT_PX, "zmStem": False}


def _flag_tip(r) -> str:
    return tip_html(r["name"], f"{label(r['sanwei'])}：{r['reason']}")


def sanwei_layer(judged: pd.DataFrame, lifted: bool = True) -> list[folium.FeatureGroup]:
    """Red rings around projects with a 三未 flag (``judged`` from stats.tracker.judge_projects); ``lifted``
    where the map lifts project markers above their point (small data; the large-data map draws them on it).

    Returned as a list of overlays for ``build_map(extra=...)`` (empty when nothing is flagged).
    """
    flagged = judged[judged["sanwei"].notna()]
    if flagged.empty:
        return []
    group = folium.FeatureGroup(name=f"三未项目（{len(flagged)}）")
    rings = geojson_layer(
        feature_collection(flagged, "projects", _flag_tip),
        "三未项目",
        lambda _f: LIFTED_RING if lifted else RING,
        marker=folium.CircleMarker(radius=12, fill=False, class_name=SANWEI_CLASS),
        control=False,
    ).add_to(group)
    if lifted:
        SanweiWithClusters(rings, flagged["project_id"].astype(str).tolist()).add_to(group)
    return [group]


class SanweiWithClusters(MacroElement):
    """The small-data map's 三未 where its projects are clustered: a ring is on the map only while its project's
    marker is drawn on its own (else it would float beside the cluster and take its clicks), and each cluster
    holding 三未 projects is ringed in red with their number. The ids are the data's, read as JSON; the number is
    set as text."""

    _template = Template(
        """{% macro header(this, kwargs) %}<style>
.zm-sanwei-cluster div{box-shadow:0 0 0 3px {{ this.color }}}
.zm-sanwei-n{position:absolute;right:-8px;top:-8px;min-width:16px;height:16px;padding:0 3px;border-radius:8px;
  background:{{ this.color }};color:#fff;font:700 11px/16px sans-serif;text-align:center}
</style>{% endmacro %}
{% macro script(this, kwargs) %}
(function () {
  var rings = {{ this.rings.get_name() }}, m = {{ this._parent._parent.get_name() }};
  var flagged = new Set({{ this.flagged|tojson }}), marker = {}, all = [], groups = [];
  m.eachLayer(function (g) {
    if (!(L.MarkerClusterGroup && g instanceof L.MarkerClusterGroup)) return;
    groups.push(g);
    g.getLayers().forEach(function (k) { if (k.feature) marker[k.feature.properties.id] = [g, k]; });
    var plain = g.options.iconCreateFunction || L.MarkerClusterGroup.prototype._defaultIconCreateFunction;
    g.options.iconCreateFunction = function (c) {
      var icon = plain.call(g, c), n = c.getAllChildMarkers().filter(function (k) {
        return k.feature && flagged.has(k.feature.properties.id); }).length;
      if (!n) return icon;
      var box = document.createElement('div');
      box.innerHTML = icon.options.html;  // the cluster's own markup (its count), from markercluster
      var badge = document.createElement('b');
      badge.className = 'zm-sanwei-n';
      badge.title = '其中三未项目';
      badge.textContent = n;
      box.appendChild(badge);
      return L.divIcon(L.extend({}, icon.options, {html: box.innerHTML,
        className: icon.options.className + ' zm-sanwei-cluster'}));
    };
    g.refreshClusters();
    g.on('animationend', update);
  });
  rings.eachLayer(function (r) { all.push(r); });
  function update() {
    all.forEach(function (r) {
      var hit = marker[r.feature.properties.id];
      var alone = !hit || !!hit[1]._map;  // drawn on its own (a clustered or off-screen marker is off the map)
      if (alone && !rings.hasLayer(r)) rings.addLayer(r);
      if (!alone && rings.hasLayer(r)) rings.removeLayer(r);
    });
  }
  m.on('moveend', update);
  update();
})();
{% endmacro %}"""
    )

    def __init__(self, rings: folium.GeoJson, flagged: list[str]):
        super().__init__()
        self._name = "SanweiWithClusters"
        self.rings = rings
        self.flagged = flagged
        self.color = SANWEI_COLOR
