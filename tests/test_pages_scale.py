"""Every page under AppTest on a store larger than the draw-everything limit: no exception, tables paged on the
server (search, sort, the map's pick found on its page), never a whole province sent to the browser."""

from __future__ import annotations

import json

import pytest

from geodata.dataset import load_dataset
from geodata.store import GpkgStore
from geodata.synth import write_synth
from layers.tilemap import tile_url
from layers.viewport import LARGE
from tests.apptest import open_page
from ui.tables import PAGE_ROWS

PARCELS = 6000


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "province.gpkg"
    write_synth(path, PARCELS, 600, seed=5)
    return path


@pytest.fixture
def env(big, tmp_path, monkeypatch):
    monkeypatch.setenv("ZONEMAP_DATA", str(big))
    monkeypatch.setenv("ZONEMAP_ACCOUNTS", str(tmp_path / "none.toml"))
    return big


def table_rows(at) -> list[int]:
    return [len(df.value) for df in at.dataframe]


@pytest.mark.parametrize("page", ["overview", "supply", "tracker", "idle", "tour", "data"])
def test_every_page_runs_on_province_size_data(env, page):
    assert PARCELS > LARGE
    at = open_page(f"pages/{page}.py")
    assert not at.exception and not at.error
    assert max(table_rows(at), default=0) <= PAGE_ROWS + 1  # a page of rows (+ a 合计 row), never every parcel


def test_the_supply_table_is_searched_sorted_and_paged_on_the_server(env):
    parcels = load_dataset(GpkgStore(env)).parcels
    at = open_page("pages/supply.py")
    assert any(f"共 {PARCELS:,} 条" in c.value for c in at.caption)
    assert len(at.dataframe[0].value) == PAGE_ROWS
    at.selectbox(key="supply_table_sort").select("面积（亩）").run()
    at.toggle(key="supply_table_desc").set_value(True).run()
    first = at.dataframe[0].value
    assert first.index[0] == parcels.loc[parcels["area_mu"].idxmax(), "parcel_id"]  # the largest of all 6 000
    name = parcels["name"].iloc[4321]
    at.text_input(key="supply_table_find").input(name).run()
    hits = parcels["name"].str.contains(name, regex=False) | parcels["parcel_id"].str.contains(name, regex=False)
    assert set(at.dataframe[0].value["名称"]) == set(parcels.loc[hits, "name"])
    assert any(f"共 {int(hits.sum()):,} 条" in c.value for c in at.caption)


def test_a_parcel_picked_on_the_map_is_shown_on_its_page(env):
    parcels = load_dataset(GpkgStore(env)).parcels
    far = parcels["parcel_id"].iloc[PARCELS - 10]  # on the last page, not the first
    at = open_page("pages/supply.py", supply_selected=("parcels", far))
    assert at.number_input(key="supply_table_page").value == -(-(PARCELS - 9) // PAGE_ROWS)
    assert far in set(at.dataframe[0].value.index)


def map_script(at) -> str:
    """The folium script of the page's map component (its ``script`` argument)."""
    scripts = [json.loads(e.proto.json_args).get("script", "") for e in at.get("component_instance")]
    return next(s for s in scripts if "zmTiles" in s)


def test_the_tile_map_carries_the_filters_and_version_and_a_click_selects(env, monkeypatch):
    import ui.bigmap

    monkeypatch.setattr(ui.bigmap, "vectorgrid_ready", lambda: True)  # as after `make setup`
    data = load_dataset(GpkgStore(env))
    city = data.parcels["city_adcode"].value_counts().index[0]
    at = open_page("pages/overview.py")
    at.multiselect[0].select(city).run()
    script = map_script(at)
    v = tile_url("parcels", data.version, {})[-16:]  # the version's hash ends the unfiltered address
    assert f"v={v}\\u0026city_adcode={city}" in script or f"v={v}&city_adcode={city}" in script
    target = data.parcels[data.parcels["city_adcode"] == city].iloc[7]
    point = target.geometry.representative_point()
    at.session_state["overview_map"] = {"last_clicked": {"lat": point.y, "lng": point.x, "zoom": 11}}
    at.run()
    assert at.session_state["selected"] == ("parcels", target["parcel_id"])
    shown_zones = data.zones[data.zones["city_adcode"] == city].geometry.union_all()
    hidden = data.parcels[~data.parcels.geometry.intersects(shown_zones)].iloc[0]  # in no zone the filter keeps
    other = hidden.geometry.representative_point()
    at.session_state["overview_map"] = {"last_clicked": {"lat": other.y, "lng": other.x, "zoom": 11}}
    at.run()  # a parcel the filter hides is never selected: the selection stays
    assert at.session_state["selected"] == ("parcels", target["parcel_id"])
