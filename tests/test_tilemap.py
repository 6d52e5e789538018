"""The vector-tile map's pure parts: summary figures, the click lookup, tile addresses, class tables, the asset.

Figures are worked by hand on a few squares (1 亩 boxes do not matter here: ``area_mu`` is given).
"""

from __future__ import annotations

import json
import logging
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geodata.query import Filters
from layers import assets
from layers.overview import base_map
from layers.pick import PICK_PX, PROJECT_ZOOM, Picker, degrees_per_pixel
from layers.tilemap import Summaries, TileMap, class_table, front_code, summary_labels, tile_url
from stats.mapsummary import by_city, by_zone, figures_text, top_zone

HOSTILE = '<img src=x onerror="alert(1)">'


@pytest.fixture
def admin():
    # two cities side by side: A (0–10° east) and B (10–20°); their representative points fall inside them
    return gpd.GeoDataFrame(
        {"adcode": ["140100", "140200", "140000"], "name": ["太原市", HOSTILE, "山西省"],
         "level": ["city", "city", "province"]},
        geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10), box(0, 0, 20, 10)], crs=4490,
    )  # fmt: skip


@pytest.fixture
def zones():
    # Z1 with its park Z1a inside it (A), Z2 alone (B), Z3 holding nothing
    return gpd.GeoDataFrame(
        {"zone_id": ["Z1", "Z1a", "Z2", "Z3"], "parent_id": [None, "Z1", None, None],
         "name": ["太原高新区", "高新区一园", "大同经开区", "空区"], "short_name": ["高新区", None, "", None],
         "city_adcode": ["140100", "140100", "140200", "140200"], "zone_type": ["industrial"] * 4},
        geometry=[box(1, 1, 5, 5), box(2, 2, 3, 3), box(12, 1, 15, 4), box(16, 6, 17, 7)], crs=4490,
    )  # fmt: skip


@pytest.fixture
def parcels():
    # P1 big in Z1; P2 small inside P1 (in the park); P3 next to P1 (sharing the edge x=4); P4 in Z2
    return gpd.GeoDataFrame(
        {"parcel_id": ["P1", "P2", "P3", "P4"], "zone_id": ["Z1", "Z1a", "Z1", "Z2"],
         "city_adcode": ["140100", "140100", "140100", "140200"], "area_mu": [100.0, 20.5, 40.0, 12_345.0],
         "supply_status": ["sold", "listed", "nonsense", None]},
        geometry=[box(2, 2, 4, 4), box(2.5, 2.5, 3, 3), box(4, 2, 4.5, 4), box(12, 1, 13, 2)], crs=4490,
    )  # fmt: skip


@pytest.fixture
def projects():
    return gpd.GeoDataFrame(
        {"project_id": ["J1", "J2", "J3"], "zone_id": ["Z1a", "Z2", "Z2"],
         "city_adcode": ["140100", "140200", "140200"], "stage": ["signed", "started", "producing"]},
        geometry=[Point(3.5, 3.5), Point(12.5, 1.5), Point(14, 3)], crs=4490,
    )  # fmt: skip


# --- summaries -----------------------------------------------------------------------------------------------------


def test_city_figures_follow_the_records_given(admin, parcels, projects):
    table = by_city(admin, parcels, projects).set_index("key")
    # 太原: P1 + P2 + P3 = 3 宗, 100 + 20.5 + 40 = 160.5 亩, J1 = 1 项目; B: P4 = 1 宗 12 345 亩, J2 + J3 = 2
    assert table.loc["140100", ["parcels", "mu", "projects"]].tolist() == [3, 160.5, 1]
    assert table.loc["140200", ["parcels", "mu", "projects"]].tolist() == [1, 12_345.0, 2]
    assert list(table.index) == ["140200", "140100"]  # most 亩 first (labels kept first when they overlap)
    assert "140000" not in table.index  # the province is not a city
    assert 0 < table.loc["140100", "lng"] < 10 and 10 < table.loc["140200", "lng"] < 20  # inside their own city
    # filtered: only the sold parcel and no projects → 太原 alone, B (nothing left) unlabelled
    only = by_city(admin, parcels[parcels["supply_status"] == "sold"], projects.iloc[:0])
    assert only[["key", "parcels", "mu", "projects"]].values.tolist() == [["140100", 1, 100.0, 0]]


def test_zone_figures_count_parks_with_their_zone(zones, parcels, projects):
    assert top_zone(zones) == {"Z1": "Z1", "Z1a": "Z1", "Z2": "Z2", "Z3": "Z3"}
    table = by_zone(zones, parcels, projects).set_index("key")
    assert sorted(table.index) == ["Z1", "Z2"]  # the park is in Z1's label; Z3 holds nothing
    assert table.loc["Z1", ["name", "parcels", "mu", "projects"]].tolist() == ["高新区", 3, 160.5, 1]
    assert table.loc["Z2", "name"] == "大同经开区"  # a blank short name falls back to the name
    looped = zones.assign(parent_id=["Z1a", "Z1", None, None])  # a cycle in bad data ends, never hangs
    assert set(top_zone(looped)) == {"Z1", "Z1a", "Z2", "Z3"}


def test_the_labels_count_sanwei_and_the_rings_wait_for_project_zoom(admin, zones, parcels, projects):
    """三未 summarised like the rest (#26): J3 (大同, zone Z2) flagged → B: "2个项目 · 三未1个", 太原 none; the rings
    carry the class the map hides below the zoom where projects are drawn."""
    from layers.tracker import SANWEI_CLASS, sanwei_layer

    flagged = pd.Series([False, False, True], index=projects.index)
    cities = by_city(admin, parcels, projects, flagged).set_index("key")
    assert cities["sanwei"].to_dict() == {"140200": 1, "140100": 0}
    assert figures_text(cities.loc["140200"]) == "1宗 · 1.2万亩 · 2个项目 · 三未1个"
    assert by_zone(zones, parcels, projects, flagged).set_index("key").loc["Z2", "sanwei"] == 1
    assert by_city(admin, parcels, projects)["sanwei"].tolist() == [0, 0]  # not given: nothing counted
    judged = projects.assign(name=["甲", "乙", "丙"], sanwei=[None, None, "signed_not_landed"], reason="x")
    (group,) = sanwei_layer(judged, lifted=False)
    (layer,) = group._children.values()
    assert layer.marker.options["className"] == SANWEI_CLASS
    summaries = Summaries(cities.reset_index(), cities.reset_index().iloc[:0])
    assert summaries.point_zoom == PROJECT_ZOOM and f".zm-below-points .{SANWEI_CLASS}" in summaries.css
    fmap = base_map(admin)
    summaries.add_to(fmap)
    script = fmap.get_root().render()
    assert f"className === '{SANWEI_CLASS}'" in script and f"m.getZoom() < {PROJECT_ZOOM} ? 0 : 1" in script


def test_labels_say_the_figures_and_escape_every_name(admin, parcels, projects):
    rows = by_city(admin, parcels, projects)
    assert [figures_text(r) for _, r in rows.iterrows()] == ["1宗 · 1.2万亩 · 2个项目", "3宗 · 160亩 · 1个项目"]
    html = "".join(h for *_, h in summary_labels(rows))
    assert HOSTILE not in html and "&lt;img src=x" in html and "<b>太原市</b>" in html
    only_projects = by_city(admin, parcels.iloc[:0], projects)
    assert [figures_text(r) for _, r in only_projects.iterrows()] == ["2个项目", "1个项目"]


def test_summaries_switch_by_zoom_in_the_browser_script(admin, zones, parcels, projects):
    fmap = base_map(admin, inline_admin=True)
    Summaries(by_city(admin, parcels, projects), by_zone(zones, parcels, projects)).add_to(fmap)
    html = fmap.get_root().render()
    assert "z <= 8 ? cities : (z <= 11 ? zones : null)" in html
    assert HOSTILE not in html


# --- the click ------------------------------------------------------------------------------------------------------


@pytest.fixture
def picker(zones, parcels, projects):
    return Picker(zones, parcels, projects)


def everything(zones, parcels, projects):
    return {"parcels": np.ones(len(parcels), bool), "zones": np.ones(len(zones), bool),
            "projects": np.ones(len(projects), bool)}  # fmt: skip


def test_a_click_selects_the_smallest_filtered_parcel_under_it(picker, zones, parcels, projects):
    shown = everything(zones, parcels, projects)
    assert picker.pick(2.7, 2.7, 10, **shown) == ("parcels", "P2")  # inside P2 inside P1: the smaller one
    assert picker.pick(3.5, 2.2, 10, **shown) == ("parcels", "P1")  # P1 outside P2
    assert picker.pick(3.0, 4.25, 10, **shown) == ("parcels", "P3")  # the neighbour
    hidden = dict(shown, parcels=np.array([True, False, True, True]))  # P2 filtered out: P1 under it answers
    assert picker.pick(2.7, 2.7, 10, **hidden) == ("parcels", "P1")
    assert picker.pick(1.5, 1.5, 10, **shown) == ("zones", "Z1")  # in a zone, in no parcel
    assert picker.pick(2.2, 2.2, 10, **dict(shown, parcels=np.zeros(4, bool))) == ("zones", "Z1a")  # smallest zone
    assert picker.pick(9.0, 9.0, 10, **shown) is None  # in no parcel, no zone
    assert picker.pick(float("nan"), 3.0, 10, **shown) is None
    assert picker.pick("3", 3.0, 10, **shown) is None


def test_a_project_is_picked_within_its_marker_at_detail_zoom_only(picker, zones, parcels, projects):
    shown = everything(zones, parcels, projects)
    step = degrees_per_pixel(PROJECT_ZOOM)
    near = 3.5 + step * (PICK_PX - 2)  # a few pixels east of J1, still inside P1
    assert picker.pick(3.5, near, PROJECT_ZOOM, **shown) == ("projects", "J1")
    assert picker.pick(3.5, 3.5 + step * (PICK_PX + 3), PROJECT_ZOOM, **shown) == ("parcels", "P1")  # beyond the marker
    assert picker.pick(3.5, near, PROJECT_ZOOM - 1, **shown) == ("parcels", "P1")  # markers not drawn below it
    assert picker.pick(3.5, near, None, **shown) == ("parcels", "P1")  # zoom not reported
    gone = dict(shown, projects=np.array([False, True, True]))
    assert picker.pick(3.5, near, PROJECT_ZOOM, **gone) == ("parcels", "P1")  # a filtered-out project is not picked


# --- tile addresses and class tables ---------------------------------------------------------------------------------


def test_tile_url_carries_the_version_and_filters():
    version = "/srv/data/zonemap.gpkg:12:3:2026-12-06T06:00:00Z"
    url = tile_url("parcels", version, {"chain": "光伏", "city_adcode": "140100"})
    assert url.startswith("/ogc/collections/parcels/tiles/WebMercatorQuad/{z}/{y}/{x}?f=mvt&v=")
    assert url.endswith("&chain=%E5%85%89%E4%BC%8F&city_adcode=140100")
    assert "srv" not in url and "gpkg" not in url  # the version's hash, never the file's name
    assert tile_url("parcels", version + "x", {}) != tile_url("parcels", version, {})  # an edit: new addresses


def test_page_filters_reach_tiles_only_as_exact_equivalents():
    from ui.bigmap import tile_filters

    f = Filters(cities=("140100",), chains=("光伏",), stages=("signed", "started"), round_ids=("R1",),
                land_uses=("industrial",), zone_types=("industrial",))  # fmt: skip
    assert tile_filters("parcels", f) == {"city_adcode": "140100", "chain": "光伏", "land_use": "industrial"}
    assert tile_filters("projects", f) == {"city_adcode": "140100", "chain": "光伏", "round_id": "R1"}  # two stages
    assert tile_filters("zones", f) == {"city_adcode": "140100", "zone_type": "industrial"}  # chain: lead or hold


def decode(coded: list[str]) -> dict[str, int]:
    """What the browser's decode() does (layers/tilemap.py)."""
    out, prev = {}, ""
    for s in coded:
        rid = prev[: ord(s[0]) - 48] + s[1:-1]
        out[rid] = ord(s[-1]) - 48
        prev = rid
    return out


def test_class_tables_give_each_shown_record_its_colour():
    ids = pd.Series([f"SYN-P-{i:06d}" for i in (5, 3, 120, 4)] + ["地块-甲", "x" * 90])
    values = pd.Series(["sold", "listed", "sold", None, "bogus", "listed"])
    table = class_table(ids, values, {"listed": "#111111", "sold": "#222222"})
    assert table["colors"] == ["#111111", "#222222", "#bdbdbd"]
    assert decode(table["ids"]) == {"SYN-P-000005": 1, "SYN-P-000003": 0, "SYN-P-000120": 1, "SYN-P-000004": 2,
                                    "地块-甲": 2, "x" * 90: 0}  # fmt: skip
    assert sum(map(len, front_code([f"SYN-P-{i:06d}" for i in range(1000)], [0] * 1000))) < 5 * 1000


def test_tile_map_script_names_only_the_app(admin):
    fmap = base_map(admin, inline_admin=True)
    urls = {k: tile_url(k, "v1", {}) for k in ("zones", "parcels", "projects")}
    TileMap(urls, "/app/static/data/classes-0123.json").add_to(fmap)
    assets.check_offline(fmap)  # Leaflet.VectorGrid from /app/static/vendor
    assert assets.VECTORGRID_JS in assets.asset_links(fmap)[1]
    html = fmap.get_root().render()
    assert re.findall(r"https?://[^\s\"'<>]+", html) == []
    assert json.dumps(urls["parcels"]).replace("&", "\\u0026") in html  # the address, as jinja's tojson writes it
    assert '"/app/static/data/classes-0123.json"' in html  # the class tables: a file, not the script


# --- the vendored plugin ---------------------------------------------------------------------------------------------


def test_vectorgrid_is_copied_when_fetched_and_missing_is_a_warning(tmp_path, caplog):
    npm = tmp_path / "npm"
    static = tmp_path / "static"
    assets._warn_missing.cache_clear()
    with caplog.at_level(logging.WARNING, logger="layers.assets"):
        assets.ensure_assets(static, npm)
    assert not assets.vectorgrid_ready(static) and "leaflet.vectorgrid" in caplog.text
    src = npm / assets.VECTORGRID.folder / assets.VECTORGRID.file
    src.parent.mkdir(parents=True)
    src.write_text("/* vectorgrid */")
    assets.ensure_assets(static, npm)
    assert assets.vectorgrid_ready(static)
    assert (static / "vendor" / assets.VECTORGRID.folder / assets.VECTORGRID.file).read_text() == "/* vectorgrid */"


def test_without_the_plugin_the_map_falls_back_to_cells_with_a_warning(tmp_path, monkeypatch, caplog):
    import ui.bigmap as bigmap

    calls = []
    monkeypatch.setattr(bigmap, "show_tile_map", lambda *a, **k: calls.append("tiles"))
    monkeypatch.setattr(bigmap, "show_cells_map", lambda *a, **k: calls.append("cells"))
    monkeypatch.setattr(bigmap, "vectorgrid_ready", lambda: False)
    bigmap._warn_no_tiles.cache_clear()
    with caplog.at_level(logging.WARNING, logger="ui.bigmap"):
        bigmap.show_view_map(None, None, "m", "supply_status")
    assert calls == ["cells"] and "VectorGrid" in caplog.text
    monkeypatch.setattr(bigmap, "vectorgrid_ready", lambda: True)
    bigmap.show_view_map(None, None, "m", "supply_status")
    monkeypatch.setenv("ZONEMAP_OGC_API", "off")  # tiles switched off: cells again
    bigmap.show_view_map(None, None, "m", "supply_status")
    assert calls == ["cells", "tiles", "cells"]


def test_class_tables_are_a_file_named_by_content_and_old_ones_go(tmp_path, monkeypatch):
    from layers import tilemap

    tables = {"parcels": class_table(pd.Series(["P-1", "P-2"]), pd.Series(["sold", "listed"]), {"sold": "#222222"})}
    url = tilemap.tables_file(tables, tmp_path)
    assert url.startswith("/app/static/data/classes-") and tilemap.tables_file(tables, tmp_path) == url
    assert json.loads((tmp_path / "data" / url.rsplit("/", 1)[-1]).read_text()) == tables
    monkeypatch.setattr(tilemap, "TABLE_FILES_KEPT", 3)
    for i in range(5):
        tilemap.tables_file({"n": i}, tmp_path)
    assert len(list((tmp_path / "data").glob("classes-*.json"))) == 3


def test_overlays_and_the_selection_draw_above_the_tiles_and_the_legend_explains_the_labels():
    import folium

    from layers.styles import legend_html
    from layers.tilemap import ABOVE_TILES
    from ui.bigmap import _above_tiles

    group = folium.FeatureGroup()
    ring = folium.GeoJson({"type": "Point", "coordinates": [112.5, 37.8]}, marker=folium.CircleMarker(radius=12))
    ring.add_to(group)
    _above_tiles(group)
    assert ring.options["pane"] == ABOVE_TILES and ring.marker.options["pane"] == ABOVE_TILES
    assert "汇总标注（宗·亩·项目）" in legend_html("supply_status", summaries=True)
    assert "汇总标注（宗·亩）" in legend_html("idle_class", projects=False, summaries=True)
    assert "汇总标注" not in legend_html("supply_status")
