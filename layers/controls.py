"""Map controls written for zonemap: metric scale, collapsible legend, padded fit, the view in the URL.

Each is a folium ``MacroElement`` whose script refers to its parent map only.
Every text placed in the page is either a constant written here or pre-escaped
HTML handed in by the caller (see :func:`layers.styles.legend_html`).
"""

from __future__ import annotations

from branca.element import MacroElement
from jinja2 import Template

from layers import styles

# Room kept clear around fitted features, in CSS pixels, besides the controls measured in the browser.
FIT_MARGIN_PX = 24
FIT_MAX_ZOOM = 16
VIEW_PARAM = "view"  # see ui.urlstate
SELECTION_PARAM = "sel"


class MetricScale(MacroElement):
    """A scale bar in metres and kilometres only (folium's ``control_scale`` adds miles and feet)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
L.control.scale({metric: true, imperial: false, position: "bottomleft"}).addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self):
        super().__init__()
        self._name = "MetricScale"


class SafeTooltips(MacroElement):
    """Sticky tooltips survive a layer removed under the mouse.

    A rerun replaces a feature group (the selection, a page's overlay) while the
    pointer is over one of its features; Leaflet then still delivers that
    feature's mousemove, and a sticky tooltip asks its (now absent) map for the
    pointer position: "Cannot read properties of undefined (reading
    'mouseEventToContainerPoint')". A removed layer's tooltip has nowhere to
    move, so the move is skipped.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var p = L.Layer.prototype;
  if (p._zmSafeTooltips) return;
  var move = p._moveTooltip;
  p._moveTooltip = function (e) { if (this._map) move.call(this, e); };
  p._zmSafeTooltips = true;
})();
{% endmacro %}"""
    )

    def __init__(self):
        super().__init__()
        self._name = "SafeTooltips"


# A project marker is drawn this many CSS pixels above its location, on a stem: a project usually sits at its
# parcel's centre, and a marker there would take the clicks meant for the parcel (#26).
PIN_LIFT_PX = 16


class PointerFixes(MacroElement):
    """Clicks land where they are aimed.

    - Leaflet focuses the map on the first press (keyboard panning) with ``focus()``; inside the component's
      iframe that scrolls the app page until the whole frame is in view, so on a screen shorter than the
      page the map moves under the pointer and the click lands on another feature (250 px at 1366×768).
      The focus is taken with ``preventScroll``.
    - A circle marker with the option ``zmLift`` (pixels) is drawn and hit-tested that far above its point,
      with a stem down to it: the parcel under a project's location stays clickable (see :data:`PIN_LIFT_PX`).
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var m = {{ this._parent.get_name() }}, kb = m.keyboard && m.keyboard.enabled();
  if (kb) m.keyboard.disable();  // the map listens already: again, with the press below
  if (!L._zmPointerFixes && L.Map.Keyboard) {
    L.Map.Keyboard.prototype._onMouseDown = function () {
      if (this._focused) return;
      this._map._container.focus({preventScroll: true});
    };
  }
  if (kb) m.keyboard.enable();
  if (L._zmPointerFixes) return;
  L._zmPointerFixes = true;
  var cm = L.CircleMarker.prototype, project = cm._project, bounds = cm._updateBounds;
  cm._project = function () {
    this._zmFoot = null;
    project.call(this);
    if (!this.options.zmLift) return;
    this._zmFoot = this._point;
    this._point = this._point.subtract([0, this.options.zmLift]);
    this._updateBounds();
  };
  cm._updateBounds = function () {
    bounds.call(this);
    if (this._zmFoot && this._pxBounds) this._pxBounds.extend(this._zmFoot);
  };
  if (L.Canvas) {
    var circle = L.Canvas.prototype._updateCircle;
    L.Canvas.prototype._updateCircle = function (layer) {
      var foot = layer._zmFoot;
      if (foot && this._drawing && !layer._empty() && layer.options.zmStem !== false) {
        var ctx = this._ctx;
        ctx.beginPath();
        ctx.moveTo(foot.x, layer._point.y + layer._radius);
        ctx.lineTo(foot.x, foot.y);
        ctx.lineWidth = 2; ctx.strokeStyle = "#37474f"; ctx.globalAlpha = 0.9; ctx.stroke();
        ctx.beginPath(); ctx.arc(foot.x, foot.y, 2, 0, Math.PI * 2); ctx.fillStyle = "#37474f"; ctx.fill();
      }
      circle.call(this, layer);
    };
  }
})();
{% endmacro %}"""
    )

    def __init__(self):
        super().__init__()
        self._name = "PointerFixes"


class FillFrame(MacroElement):
    """The map takes its frame's whole height (``100vh`` inside the component's iframe).

    streamlit-folium gives the map the height asked for in pixels; a page may size the frame from the
    browser window instead (:data:`ui.chrome.FIT_RESERVES`), and the map follows it (Leaflet redraws on
    the frame's resize). Where the frame keeps its own height nothing changes.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var m = {{ this._parent.get_name() }};
  m.getContainer().style.setProperty("height", "100vh", "important");
  m.invalidateSize(false);
})();
{% endmacro %}"""
    )

    def __init__(self):
        super().__init__()
        self._name = "FillFrame"


class Legend(MacroElement):
    """A bottom-right legend that folds to one "图例" line (``<details>``: no script needed)."""

    _template = Template(
        """{% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}
{% macro script(this, kwargs) %}
(function () {
  var c = L.control({position: "bottomright"});
  c.onAdd = function () {
    var div = L.DomUtil.create("details", "zm-legend");
    if ({{ this.open|tojson }}) div.open = true;
    div.innerHTML = "<summary>图例</summary>" + {{ this.html|tojson }};
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  c.addTo({{ this._parent.get_name() }});
})();
{% endmacro %}"""
    )

    def __init__(self, html: str, open_: bool = True):
        super().__init__()
        self._name = "Legend"
        self.html = html
        self.open = open_
        self.css = styles.LEGEND_CSS


class FitView(MacroElement):
    """Show ``view`` ``(lat, lng, zoom)`` if given, else fit ``bounds`` clear of the map's own controls.

    The padding is measured in the browser: the widest control in the right
    corners (layer list, legend) and in the left ones (zoom buttons) plus
    :data:`FIT_MARGIN_PX`, so fitted features never sit under them. A map
    drawn while hidden (an inactive tab) fits on its first resize.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var m = {{ this._parent.get_name() }};
  var view = {{ this.view|tojson }}, bounds = {{ this.bounds|tojson }}, margin = {{ this.margin }};
  function widest(el, sel) {
    var w = 0; el.querySelectorAll(sel).forEach(function (c) { w = Math.max(w, c.offsetWidth); }); return w;
  }
  function fit() {
    if (view) { m.setView([view[0], view[1]], view[2]); return; }
    var el = m.getContainer(), W = el.clientWidth, H = el.clientHeight;
    var right = Math.min(widest(el, ".leaflet-right .leaflet-control") + margin, W * 0.4);
    var left = Math.min(widest(el, ".leaflet-left .leaflet-control") + margin, W * 0.2);
    var v = Math.min(margin, H * 0.1);
    m.fitBounds(bounds, {paddingTopLeft: [left, v], paddingBottomRight: [right, v], maxZoom: {{ this.max_zoom }}});
  }
  var el = m.getContainer();
  if (el.clientWidth && el.clientHeight) { fit(); }
  else { m.fitBounds(bounds); m.once("resize", fit); }
})();
{% endmacro %}"""
    )

    def __init__(self, bounds: list, view: tuple[float, float, float] | None = None, max_zoom: int = FIT_MAX_ZOOM):
        super().__init__()
        self._name = "FitView"
        self.bounds = [[float(v) for v in corner] for corner in bounds]
        self.view = None if view is None else [float(v) for v in view]
        self.margin = FIT_MARGIN_PX
        self.max_zoom = max_zoom


# Sets (or with null removes) one query parameter of the app page around the map's same-origin frame,
# replacing the current history entry: no reload, no rerun, nothing else in the address changes.
_SET_PARAM_JS = """function zmSetParam(name, value) {
  try {
    var w = window.parent, u = new URL(w.location.href);
    if (value === null) u.searchParams.delete(name); else u.searchParams.set(name, value);
    if (u.toString() !== w.location.href) w.history.replaceState(w.history.state, "", u.toString());
  } catch (e) { /* not embedded in the app page: nothing to keep */ }
}"""


class UrlView(MacroElement):
    """Keep the map's centre and zoom in the page's address (``?view=lat,lng,zoom``) as the user moves it.

    Written from the browser so that panning never reruns the app; :mod:`ui.urlstate`
    reads it back when a shared link is opened (same format as
    :func:`ui.urlstate.encode_view`).
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  {{ this.set_param }}
  var m = {{ this._parent.get_name() }};
  m.on("moveend", function () {
    var c = m.getCenter(), z = Math.round(m.getZoom() * 100) / 100;
    zmSetParam({{ this.param|tojson }}, c.lat.toFixed(5) + "," + c.lng.toFixed(5) + "," + z);
  });
})();
{% endmacro %}"""
    )

    def __init__(self, param: str = VIEW_PARAM):
        super().__init__()
        self._name = "UrlView"
        self.param = param
        self.set_param = _SET_PARAM_JS


class UrlSelection(MacroElement):
    """Put the selected record into the page's address (``?sel=parcels:JK-56GW``), or remove it.

    Added to the selection outline's feature group, whose script the map runs
    each time the selection changes (see :func:`ui.mapview.show_map`). The app
    itself never writes these parameters: a Python-side write would replace the
    address with the server's copy and lose the view the map wrote.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  {{ this.set_param }}
  zmSetParam({{ this.param|tojson }}, {{ this.value|tojson }});
})();
{% endmacro %}"""
    )

    def __init__(self, value: str | None, param: str = SELECTION_PARAM):
        super().__init__()
        self._name = "UrlSelection"
        self.param = param
        self.value = value
        self.set_param = _SET_PARAM_JS
