"""Map layers: offline assets, escaped tooltips, click-through, basemaps."""

from __future__ import annotations

import json
import re

import folium
import pandas as pd
import pytest
from folium.plugins import MarkerCluster
from shapely.geometry import shape

from geodata.dataset import dataset_from_frames
from geodata.query import Filters, apply_filters
from geodata.schema import SCHEMAS
from geodata.store import coerce
from layers import assets
from layers.basemaps import basemap_options, tile_layers
from layers.controls import PIN_LIFT_PX
from layers.features import feature_collection
from layers.overview import (
    _zone_tip,
    base_map,
    build_map,
    clicked_record,
    data_bounds,
    highlight_group,
)
from testing.factory import frames

HOSTILE = '<script>alert("x")</script>&开发区'


@pytest.fixture
def layers():
    f = frames()
    f["zones"].loc[0, "name"] = HOSTILE
    return apply_filters(typed(f), Filters()).layers()


def typed(f):
    return dataset_from_frames({k: coerce(v, SCHEMAS[k]) for k, v in f.items()})


def render(fmap) -> str:
    return fmap.get_root().render()


def test_assets_are_copied_and_every_url_is_served_by_the_app(tmp_path, layers):
    vendor = assets.ensure_assets(tmp_path)
    css, js = assets.asset_links(build_map(layers))
    assert css and js
    for url in css + js:
        assert url.startswith("/app/static/vendor/"), url
        assert (vendor / url.removeprefix("/app/static/vendor/")).stat().st_size > 500, url
    assert (vendor / "leaflet" / "images" / "marker-icon.png").exists()


def test_offline_map_html_names_no_outside_server(layers):
    fmap = build_map(layers)
    assets.check_offline(fmap)
    html = render(fmap)
    assert re.findall(r"https?://[^\s\"'<>]+", html) == []


def test_online_basemap_is_the_only_outside_url(layers):
    fmap = build_map(layers, basemap="osm")
    urls = set(re.findall(r"https?://[^\s\"'<>]+", render(fmap)))
    assert urls and all("openstreetmap.org" in u for u in urls), urls


def test_check_offline_rejects_cdn_assets():
    import folium

    with pytest.raises(ValueError, match="outside the app"):
        assets.check_offline(folium.Map())  # folium's defaults come from CDNs


def test_tooltips_escape_names(layers):
    fc = feature_collection(layers["zones"], "zones", _zone_tip)
    tip = fc["features"][0]["properties"]["tip"]
    assert "<script>" not in tip and "&lt;script&gt;" in tip and "&amp;开发区" in tip
    html = render(build_map(layers))
    assert "<script>alert" not in html


def test_features_carry_layer_and_id_only_plus_style(layers):
    fc = feature_collection(layers["parcels"], "parcels", lambda r: "t", keep=("supply_status",))
    props = fc["features"][0]["properties"]
    assert set(props) == {"layer", "id", "tip", "supply_status"}
    assert props["layer"] == "parcels" and props["id"] == "P1"


def test_clicked_record_reads_the_feature():
    result = {"last_active_drawing": {"properties": {"layer": "parcels", "id": "P3", "tip": "x"}}}
    assert clicked_record(result) == ("parcels", "P3")
    assert clicked_record({"last_active_drawing": {"properties": {"layer": "admin", "id": "1"}}}) is None
    assert clicked_record({"last_active_drawing": None}) is None
    assert clicked_record(None) is None


def test_data_bounds_cover_features_and_fall_back_to_shanxi(layers):
    (s, w), (n, e) = data_bounds(layers)
    assert (s, w, n, e) == pytest.approx((37.0, 111.9, 37.85, 112.6))
    empty = {k: v.iloc[0:0] for k, v in layers.items()}
    assert data_bounds(empty)[0][0] == pytest.approx(34.57)


def test_highlight_group_outlines_the_selection(layers):
    data = typed(frames())
    assert highlight_group(data, None) is None
    assert highlight_group(data, ("parcels", "nope")) is None
    (outline,) = highlight_group(data, ("parcels", "P1"))._children.values()
    assert isinstance(outline, folium.GeoJson) and outline.marker is None
    (ring,) = highlight_group(data, ("projects", "J1"))._children.values()
    assert isinstance(ring.marker, folium.CircleMarker)


def test_tianditu_only_with_a_token():
    assert "tianditu_vec" not in basemap_options(None)
    assert "tianditu_img" in basemap_options("abc")
    assert tile_layers("tianditu_vec", None) == []
    vec = tile_layers("tianditu_vec", "abc")
    assert len(vec) == 2 and "tk=abc" in vec[0].tiles and "cva_w" in vec[1].tiles
    assert tile_layers("offline") == []


def test_extra_overlays_are_declared_before_the_layer_control(layers):
    import folium

    group = folium.FeatureGroup(name="三未项目")
    html = render(build_map(layers, extra=[group]))
    assert html.index(f"var {group.get_name()} =") < html.index("L.control.layers(")


def test_svg_map_fits_any_extent_and_escapes(layers):
    from layers.styles import IDLE_COLORS
    from layers.svgmap import svg_map

    parcels = layers["parcels"].assign(idle_class="idle")
    parcels.loc[parcels.index[0], "name"] = "<b>&地块"
    svg = svg_map(layers["zones"], parcels, IDLE_COLORS, "idle_class")
    assert svg.startswith("<svg") and "&lt;b&gt;&amp;地块" in svg and IDLE_COLORS["idle"] in svg
    assert "公里" in svg or "米" in svg
    assert svg_map(layers["zones"].iloc[0:0], parcels.iloc[0:0], IDLE_COLORS, "idle_class").startswith("<svg")


def drawn(html: str, layer: folium.GeoJson) -> tuple[dict, dict, str]:
    """What the rendered page hands Leaflet for ``layer``: the FeatureCollection it adds, each feature's style
    (feature id -> style, "default" for the rest) from the styler function, and the script from the layer's
    options to its addTo."""
    name = layer.get_name()
    start = html.index(f"{name}_add({{") + len(f"{name}_add(")
    data, _ = json.JSONDecoder().raw_decode(html, start)
    script = re.search(rf"var {name} = L\.geoJson\(null, {{(.*?)\n\s*}}\);.*?{name}\.addTo\(\w+\);", html, re.S)[0]
    by_feature, ids = {}, []
    body = re.search(rf"function {name}_styler\(feature\) {{\s*switch\(feature.id\) {{(.*?)\n\s*}}\n", html, re.S)
    for line in body[1].splitlines() if body else []:
        ids += re.findall(r'case "([^"]*)":', line)
        ids += ["default"] if "default:" in line else []
        if "return {" in line:
            style = json.loads(line.strip().removeprefix("return ").removesuffix(";"))
            by_feature |= dict.fromkeys(ids, style)
            ids = []
    return data, by_feature, script


def features_of(data: dict) -> dict[str, dict]:
    return {f["id"]: f for f in data["features"]}


def test_a_layer_filtered_to_nothing_still_renders():
    from layers.features import geojson_layer

    fmap = folium.Map()
    layer = geojson_layer({"type": "FeatureCollection", "features": []}, "空", lambda f: {"color": "#123456"})
    layer.add_to(fmap)
    html = fmap.get_root().render()  # folium used to raise here
    data, style, script = drawn(html, layer)
    assert data == {"type": "FeatureCollection", "features": []}
    assert style == {}  # no feature to style
    assert f"{layer.get_name()}.addTo({fmap.get_name()})" in script and "bindTooltip" not in html


def test_parcels_zones_and_projects_are_drawn_in_their_colours_with_escaped_tips(layers):
    """testing/factory.py by hand: P1 sold, P2 listed, P3 started, P4 reserve; every zone industrial; J1/J5 signed,
    J2/J4 started, J3 producing; zone Z1 is named HOSTILE."""
    from layers.overview import _project_layer, parcels_layer, zones_layer

    fmap = folium.Map()
    parcels, zones = parcels_layer(layers["parcels"], "supply_status"), zones_layer(layers["zones"])
    for layer in (parcels, zones):
        layer.add_to(fmap)
    _project_layer(fmap, layers["projects"])
    html = fmap.get_root().render()

    data, style, _ = drawn(html, parcels)
    assert sorted(features_of(data)) == ["parcels:P1", "parcels:P2", "parcels:P3", "parcels:P4"]
    fills = {p: style.get(p, style.get("default"))["fillColor"] for p in features_of(data)}
    assert fills == {"parcels:P1": "#e07b24", "parcels:P2": "#f2b134", "parcels:P3": "#c2372b", "parcels:P4": "#9e9e9e"}
    p2 = features_of(data)["parcels:P2"]
    assert p2["properties"]["tip"] == "<b>地块P2</b><br>标准地 · 50.50 亩<br>已挂牌 · 三通一平"
    assert shape(p2["geometry"]).bounds == (112.505, 37.755, 112.51, 37.76)

    data, style, _ = drawn(html, zones)
    z1 = features_of(data)["zones:Z1"]
    assert z1["properties"]["tip"].startswith("<b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;开发区</b><br>")
    assert '<script>alert("x")' not in html
    assert {s["color"] for s in style.values()} == {"#3b6fb6"}  # industrial

    [cluster] = [c for c in fmap._children.values() if isinstance(c, MarkerCluster)]
    [projects] = [c for c in cluster._children.values() if isinstance(c, folium.GeoJson)]
    data, style, _ = drawn(html, projects)
    colours = {p: style.get(p, style.get("default"))["fillColor"] for p in features_of(data)}
    assert colours == {"projects:J1": "#1e88e5", "projects:J2": "#fb8c00", "projects:J3": "#d81b60",
                       "projects:J4": "#fb8c00", "projects:J5": "#1e88e5"}  # fmt: skip
    assert features_of(data)["projects:J1"]["geometry"] == {"type": "Point", "coordinates": [112.55, 37.8]}


def test_selection_outline_lets_clicks_through(layers):
    data = typed(frames())
    outline = {"color": "#00e5ff", "weight": 5, "fill": False, "opacity": 1, "interactive": False}
    for selection, geometry in (
        (("zones", "Z1"), {"type": "Polygon", "coordinates": [[[112.6, 37.75], [112.6, 37.85], [112.5, 37.85],
                                                               [112.5, 37.75], [112.6, 37.75]]]}),
        (("projects", "J1"), {"type": "Point", "coordinates": [112.55, 37.8]}),
    ):  # fmt: skip
        group = highlight_group(data, selection)
        fmap = folium.Map()
        group.add_to(fmap)
        [layer] = group._children.values()
        drawn_data, style, script = drawn(fmap.get_root().render(), layer)
        assert [f["geometry"] for f in drawn_data["features"]] == [geometry], selection
        lifted = {"zmLift": PIN_LIFT_PX, "zmStem": False} if selection[0] == "projects" else {}
        assert style == {"default": outline | lifted}, selection  # a project's ring is around its lifted marker
        assert re.search(r'"interactive":\s*false', script), selection  # the layer's own option, not just its style
    assert "new L.CircleMarker(latlng, opts)" in fmap.get_root().render()  # the point is a ring, not a pin
    assert highlight_group(data, ("zones", "Z9")) is None and highlight_group(data, None) is None


def test_scale_bar_is_metric_only(layers):
    html = render(build_map(layers))
    assert "imperial: false" in html and "metric: true" in html
    assert "L.control.scale()" not in html  # folium's own, with miles and feet


def test_legend_folds_and_fit_keeps_clear_of_the_controls(layers):
    html = render(build_map(layers, legend_open=False))
    assert "<summary>图例</summary>" in html and "div.open = true" in html and "if (false)" in html
    assert "paddingBottomRight" in html and ".leaflet-right .leaflet-control" in html
    assert html.index("L.control.layers(") < html.index("paddingBottomRight")  # measured after the controls exist


def test_a_shared_view_wins_over_fitting_unless_a_record_is_focused(layers):
    html = render(build_map(layers, view=(37.5, 112.1, 11.5), url_view=True))
    assert "[37.5, 112.1, 11.5]" in html and 'zmSetParam("view"' in html
    html = render(build_map(layers, view=(37.5, 112.1, 11.5), focus_bounds=[[37, 112], [37.1, 112.1]]))
    assert "var view = null" in html
    assert 'zmSetParam("view"' not in render(build_map(layers))


def test_online_tiles_fall_back_to_the_offline_base_with_a_chinese_note(layers):
    from layers.adminbase import TILE_FALLBACK_TEXT

    html = render(build_map(layers, basemap="osm"))
    assert "tileerror" in html and json.dumps(TILE_FALLBACK_TEXT) in html
    offline = render(build_map(layers))
    assert "tileerror" not in offline


def test_maps_share_one_admin_file_instead_of_inlining_it(layers, tmp_path, monkeypatch):
    from layers import adminbase

    monkeypatch.setattr(adminbase, "STATIC_DIR", tmp_path)
    monkeypatch.setattr(adminbase, "_URLS", {})
    url = adminbase.shared_admin_url(layers["admin"], tmp_path)
    assert url.startswith("/app/static/data/admin-") and (tmp_path / "data" / url.rsplit("/", 1)[-1]).exists()
    assert adminbase.shared_admin_url(layers["admin"], tmp_path) == url  # once per content
    html = render(build_map(layers))
    assert "/app/static/data/admin-" in html and "bringToBack" in html
    inline = render(base_map(layers["admin"], inline_admin=True))
    assert "/app/static/data/admin-" not in inline and "县级行政区" not in html


def test_labels_are_placed_without_overlap_or_left_out():
    from layers.svgmap import Label, place_labels, text_box

    crowd = [Label("唐槐园区", 100, 100), Label("武宿综保区", 110, 102), Label("学府园区", 105, 98)]
    placed = place_labels(crowd, 400, 300)
    assert [p[0].text for p in placed] == ["唐槐园区", "武宿综保区"]  # the third has no free place: left out
    spread = place_labels([Label("甲园区", 50, 50), Label("乙园区", 60, 52), Label("丙园区", 200, 200)], 400, 300)
    assert len(spread) == 3
    placed += spread[2:]
    boxes = []
    for lab, x, y, anchor in placed:
        w, h = text_box(lab)
        left = {"middle": x - w / 2, "start": x, "end": x - w}[anchor]
        boxes.append((left, y - h * 0.8, left + w, y + h * 0.2))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    assert place_labels([Label("边上", 1, 1, gap=50)], 40, 40) == []  # no room inside the map: left out
    assert place_labels([Label("被占", 50, 50)], 100, 100, reserved=[(0, 0, 100, 100)]) == []


def test_svg_map_draws_the_admin_base_under_the_data(layers):
    from layers.styles import IDLE_COLORS
    from layers.svgmap import svg_map

    parcels = layers["parcels"].assign(idle_class="idle")
    svg = svg_map(layers["zones"], parcels, IDLE_COLORS, "idle_class", base=layers["admin"])
    admin = layers["admin"][layers["admin"]["level"].isin(["city", "county"])]
    assert any(f">{name}</text>" in svg for name in admin["name"])
    first_data = svg.index('stroke-dasharray="6 4"')
    assert svg.index('stroke="#b0b0b0"') < first_data  # the base is drawn first, underneath


def test_a_parcel_label_is_never_drawn_over_the_project_marker_at_its_centre(layers):
    """#26: the one-pager's stop label sat on the project marker drawn at the parcel's centre."""
    from layers.styles import STAGE_COLORS
    from layers.svgmap import Label, svg_map, text_box

    parcel = layers["parcels"].iloc[[0]].assign(key="started")
    point = parcel.geometry.iloc[0].representative_point()
    project = parcel.assign(geometry=[point], name="项目甲", key="stage:signed")
    shown = pd.concat([parcel, project], ignore_index=True)[["name", "key", "geometry"]]
    colors = {"started": "#c62828", "stage:signed": STAGE_COLORS["signed"]}
    name = str(parcel["name"].iloc[0])
    svg = svg_map(layers["zones"].iloc[0:0], shown, colors, "key", width=1000, height=860, label_names={name},
                  label_size=17)  # fmt: skip
    cx, cy = (float(v) for v in re.search(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="7"', svg).groups())
    placed = rf'<text x="([\d.]+)" y="([\d.]+)" text-anchor="(\w+)"[^>]*>{re.escape(name)}<'
    x, y, anchor = re.search(placed, svg).groups()
    w, h = text_box(Label(name, 0, 0, 17))
    left = {"middle": float(x) - w / 2, "start": float(x), "end": float(x) - w}[anchor]
    text = (left, float(y) - h * 0.8, left + w, float(y) + h * 0.2)
    marker = (cx - 7, cy - 7, cx + 7, cy + 7)
    assert not (text[0] < marker[2] and marker[0] < text[2] and text[1] < marker[3] and marker[1] < text[3]), (
        text,
        marker,
    )
    assert 'font-size="17"' in svg


def test_parcels_waiting_for_review_are_outlined_dashed_and_let_clicks_through():
    from layers.overview import pending_group
    from testing.factory import frames

    parcels = frames()["parcels"]
    assert pending_group(parcels, set()) is None and pending_group(parcels, {"nope"}) is None
    (geo,) = pending_group(parcels, {"P2", "P4"})._children.values()
    (feature,) = geo.data["features"]
    shapes = feature["geometry"]["geometries"]
    expected = parcels.set_index("parcel_id").loc[["P2", "P4"]].geometry
    assert [s["coordinates"][0][0] for s in shapes] == [tuple(g.exterior.coords[0]) for g in expected]
    style = geo.style_function(feature)
    assert style["dashArray"] and style["interactive"] is False and style["fill"] is False


def test_sanwei_rings_are_lifted_only_where_markers_are():
    """Small-data maps draw a project's marker 16 px above its point, the large-data map on it: the ring follows."""
    import pandas as pd
    import shapely

    from layers.tracker import sanwei_layer

    judged = pd.DataFrame({"project_id": ["J1"], "name": ["甲"], "sanwei": ["signed_not_landed"], "reason": ["x"],
                           "geometry": [shapely.Point(112.5, 37.8)]})  # fmt: skip
    for lifted in (True, False):
        (group,) = sanwei_layer(judged, lifted=lifted)
        (layer,) = [c for c in group._children.values() if isinstance(c, folium.GeoJson)]
        style = layer.style_function({"properties": {}})
        assert ("zmLift" in style) is lifted


# Jinja in a record's text: shown as written, never run on the server (layers.inert). The last part would print
# the server's process id if it ran.
TEMPLATE = "{{ 7*7 }}{# c #}{% if true %}Q{% endif %}X{{ cycler.__init__.__globals__.os.getpid() }}Y"


def test_no_text_of_any_field_runs_as_a_template_on_the_server():
    """Every text field of every layer (names, notes, chains, firms, codes others than ids) holds Jinja, and each
    kind of map is drawn: the overview with its tooltips, the large-data summaries, the evaluation's class map."""
    import os

    from layers.evaluation import evaluation_map
    from layers.tilemap import Summaries
    from stats.mapsummary import by_city, by_zone

    f = frames()
    for frame in f.values():
        for column in frame.columns:
            text = column != "geometry" and pd.api.types.is_string_dtype(frame[column])
            if text and not column.endswith(("_id", "adcode")):
                frame.loc[frame.index[0], column] = TEMPLATE
    data = typed(f)
    shown = apply_filters(data, Filters()).layers()
    fmap = base_map(data.admin, inline_admin=True)
    cities, zones = by_city(data.admin, data.parcels, data.projects), by_zone(data.zones, data.parcels, data.projects)
    Summaries(cities, zones).add_to(fmap)
    results = {z: {"grade": "A", "total": 90.0, "rank": 1} for z in data.zones["zone_id"]}
    pages = [render(build_map(shown)), render(fmap), render(evaluation_map(data.admin, data.zones, results, 2025))]
    ran = f"X{os.getpid()}Y"
    for n, html in enumerate(pages):
        text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)  # JSON escapes as text
        assert ran not in text and "49" + "{#" not in text and "QX" not in text
        assert "{{ 7*7 }}" in text, n  # the text as written
