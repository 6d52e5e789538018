"""Visitors never see who edited or imported (issue #27): not in any audit view, not in any element of the page."""

from __future__ import annotations

import geopandas as gpd
import pytest

from domain.tours import Stop, Tour
from geodata.edits import Edit
from geodata.store import ImportBatch, create_gpkg
from testing.factory import frames
from tests.apptest import add_account, login, open_page, page_text

PASSWORD = "exposure-password-1"
USER, NAME = "wangxm", "王小明（测试局）"


@pytest.fixture
def store(tmp_path, monkeypatch):
    """An edit and an import by one editor, in a fresh data file."""
    s = create_gpkg(tmp_path / "data.gpkg", frames())
    monkeypatch.setenv("ZONEMAP_DATA", str(s.path))
    add_account(monkeypatch, tmp_path / "accounts.toml", USER, NAME, PASSWORD)
    s.apply_edit(Edit("parcels", "P3", {"plot_ratio": 1.5}, 0, USER, "容积率核实"))
    rows = s.read("parcels").head(1).copy()
    rows["parcel_id"] = "NEW-1"
    summary = {"file": "新地块.zip", "layer": "parcels", "new": 1, "updated": 0, "crs_label": "CGCS2000",
               "encoding": "UTF-8"}  # fmt: skip
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4490")
    s.commit_import(ImportBatch("parcels", frame, ["NEW-1"], [], "新地块.zip", summary, USER))
    s.save_tour(Tour("T-001", "王小明的路线", (Stop("zones", "Z1", "第一站"),)), USER, 0)
    return s


def pages() -> list:
    """标准地供给 with a parcel's 修改记录 open (and 全部修改记录 in its tab), 数据管理 with 导入记录."""
    return [open_page("pages/supply.py", supply_selected=("parcels", "P3")), open_page("pages/data.py")]


def test_visitors_see_neither_the_name_nor_the_account_of_an_editor(store):
    for at in pages():
        text = page_text(at)
        assert "容积率核实" in text or "新地块.zip" in text  # the audit views are on the page…
        assert USER not in text and "王小明（" not in text  # …without who made the change


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/tracker.py", "pages/idle.py", "pages/tour.py"])
def test_no_other_page_names_an_editor_to_visitors(store, page):
    text = page_text(open_page(page))
    assert USER not in text and "王小明（" not in text


def test_signed_in_editors_see_who_edited_and_imported(store):
    supply, data = pages()
    for at in (supply, data):
        login(at, USER, PASSWORD)
    people = [d.value for at in (supply, data) for d in at.dataframe if {"修改人", "导入人"} & set(d.value.columns)]
    assert len(people) == 3  # a parcel's 修改记录, 全部修改记录, 导入记录
    assert all(NAME in set(f.get("修改人", f.get("导入人"))) for f in people)
