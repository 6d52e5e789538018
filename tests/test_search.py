"""The overview's search (#26): names and every identifier users have, which field matched, fast at 100 000 parcels."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from geodata.dataset import load_dataset
from geodata.query import Hit, search
from geodata.store import create_gpkg
from testing.factory import frames
from tests.apptest import open_page

CODE = "140781001001GB00003"  # 宗地代码 of P3
SUPERVISION = "1407812021B00123"  # 电子监管号 of P2


def identified_frames() -> dict[str, pd.DataFrame]:
    f = frames()
    parcels, projects = f["parcels"], f["projects"]
    parcels["parcel_code"] = [None, None, CODE, None]
    parcels["supervision_no"] = ["J1-2021", SUPERVISION, None, None]  # P1's holds a project's number
    projects["enterprise"] = ["Longi 隆基绿能", None, None, "山西美锦氢能有限公司", None]
    return f


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return load_dataset(create_gpkg(tmp_path_factory.mktemp("s") / "ids.gpkg", identified_frames()))


def found(data, text):
    return [(h.layer, h.record_id, h.field) for h in search(data, text)]


def test_names_and_short_names(data):
    assert search(data, "介休") == [Hit("zones", "Z2", "介休经济技术开发区", "short_name", "介休")]
    assert ("parcels", "P3", "name") in found(data, "地块p")
    assert search(data, "  ") == [] and search(data, "不存在的名字") == []


def test_parcel_code_exact_or_contained_in_any_case(data):
    assert search(data, CODE) == [Hit("parcels", "P3", "地块P3", "parcel_code", CODE)]
    assert found(data, " gb00003 ") == [("parcels", "P3", "parcel_code")]


def test_supervision_number_parcel_id_project_id_and_enterprise(data):
    assert found(data, "2021b001") == [("parcels", "P2", "supervision_no")]
    assert found(data, "p3") == [("parcels", "P3", "parcel_id")]  # the identifier, not the name 地块P3
    assert {field for layer, _, field in found(data, "p") if layer == "parcels"} == {"parcel_id"}  # id before name
    assert found(data, "j4") == [("projects", "J4", "project_id")]
    assert found(data, "美锦") == [("projects", "J4", "enterprise")]
    assert found(data, "LONGI") == [("projects", "J1", "enterprise")]


def test_exact_matches_come_before_contained_ones(data):
    # J1 is a project's number exactly; P1's 电子监管号 J1-2021 only contains it, and parcels come first in layer order
    assert found(data, "j1") == [("projects", "J1", "project_id"), ("parcels", "P1", "supervision_no")]
    assert found(data, "z1")[0] == ("zones", "Z1", "zone_id")


class _Layers:
    def __init__(self, **layers):
        self.layers = layers

    def layer(self, name):
        return self.layers[name]


def test_fast_at_100_000_parcels():
    n = 100_000
    ids = np.char.add("P", np.arange(n).astype(str))
    parcels = pd.DataFrame({"parcel_id": ids, "name": np.char.add("地块", ids), "parcel_code": np.char.add("1407", ids),
                            "supervision_no": np.where(np.arange(n) % 2, None, ids)})  # fmt: skip
    empty = {"zones": pd.DataFrame(columns=["zone_id", "name", "short_name"]),
             "projects": pd.DataFrame(columns=["project_id", "name", "enterprise"])}  # fmt: skip
    data = _Layers(parcels=parcels, **empty)
    started = time.perf_counter()
    hits = search(data, "p999")
    took = time.perf_counter() - started
    assert hits[0] == Hit("parcels", "P999", "地块P999", "parcel_id", "P999") and len(hits) == 20
    assert search(data, "1407P54321") == [Hit("parcels", "P54321", "地块P54321", "parcel_code", "1407P54321")]
    print(f"search of 100 000 parcels: {took:.2f} s")
    assert took < 3, f"search of 100 000 parcels took {took:.1f} s"


def test_overview_finds_a_parcel_by_its_code_and_opens_it(tmp_path, monkeypatch):
    create_gpkg(tmp_path / "ids.gpkg", identified_frames())
    monkeypatch.setenv("ZONEMAP_DATA", str(tmp_path / "ids.gpkg"))
    monkeypatch.setenv("ZONEMAP_ACCOUNTS", str(tmp_path / "none.toml"))
    at = open_page("pages/overview.py")
    at.sidebar.text_input(key="search_q").input("gb00003").run()
    [results] = [s for s in at.sidebar.selectbox if s.label == "搜索结果"]
    assert results.options == [f"地块｜地块P3（宗地代码：{CODE}）"]
    results.select("parcels:P3").run()
    assert not at.exception
    assert at.subheader[0].value == "详情" and "地块P3" in [t.value for t in at.text]
