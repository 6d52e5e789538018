"""What a shared link carries: the selection and the map view, encoded and decoded; filters bound to the URL."""

from __future__ import annotations

import pytest

from layers.controls import SELECTION_PARAM, VIEW_PARAM, UrlSelection, UrlView
from ui.urlstate import decode_selection, decode_view, encode_selection, encode_view


def test_selection_round_trips_and_rejects_anything_else():
    for sel in [("parcels", "JK-56GW"), ("zones", "SXZG-JZ"), ("projects", "S:1")]:
        assert decode_selection(encode_selection(sel)) == sel
    assert encode_selection(None) is None
    for bad in [None, "", "parcels", "parcels:", "admin:140000", "evil:<x>", 5, ":P1"]:
        assert decode_selection(bad) is None, bad


def test_view_round_trips_rounded_to_a_metre():
    text = encode_view(37.686123456, 112.731849, 13.5)
    assert text == "37.68612,112.73185,13.5"
    assert decode_view(text) == (37.68612, 112.73185, 13.5)
    assert encode_view(37.5, 112.0, 12.0) == "37.50000,112.00000,12"


@pytest.mark.parametrize(
    "bad", [None, "", "37.6,112.7", "a,b,c", "37.6,112.7,13,1", "91,112,10", "37,181,10", "37,112,-3", "nan,1,1"]
)
def test_malformed_views_are_ignored(bad):
    assert decode_view(bad) is None


def test_view_zoom_is_clamped_to_what_the_map_can_show():
    assert decode_view("37,112,40")[2] == 19 and decode_view("37,112,0")[2] == 3


def test_the_map_writes_the_same_parameters_and_format():
    view = UrlView()
    assert view.param == VIEW_PARAM == "view"
    import folium

    fmap = folium.Map()
    view.add_to(fmap)
    UrlSelection(encode_selection(("parcels", "P1"))).add_to(fmap)
    UrlSelection(None).add_to(fmap)
    html = fmap.get_root().render()
    assert 'c.lat.toFixed(5) + "," + c.lng.toFixed(5)' in html  # encode_view's 5 decimals
    assert f'zmSetParam("{SELECTION_PARAM}", "parcels:P1")' in html
    assert f'zmSetParam("{SELECTION_PARAM}", null)' in html  # nothing selected: the parameter goes
    assert "replaceState" in html and "pushState" not in html  # no history entry per pan


def test_a_link_opens_the_page_with_its_filters_and_selection():
    from streamlit.testing.v1 import AppTest

    from tests.apptest import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"flt_chain": "光伏", "flt_city": "晋中市", SELECTION_PARAM: "zones:SXZG-JZ"})
    at.run()
    assert not at.exception
    assert at.sidebar.multiselect(key="flt_chain").value == ["光伏"]
    assert at.sidebar.multiselect(key="flt_city").value == ["140700"]
    assert at.session_state["selected"] == ("zones", "SXZG-JZ")
    assert "山西综改示范区晋中新兴产业园区" in [t.value for t in at.text]  # the detail panel shows it
    rows = at.table[0].value.iloc[:, 0].to_dict()
    assert rows["所属开发区"] == "山西转型综合改革示范区"  # the parent by name, not "SXZG"


def test_a_link_to_a_record_that_does_not_exist_selects_nothing():
    from streamlit.testing.v1 import AppTest

    from tests.apptest import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({SELECTION_PARAM: "parcels:NOPE", "flt_chain": "不存在的链"})
    at.run()
    assert not at.exception
    assert "selected" not in at.session_state or at.session_state["selected"] is None
    assert at.sidebar.multiselect(key="flt_chain").value == []
