import pytest

from geodata.dataset import load_dataset
from geodata.query import Filters, apply_filters, summarize, zone_family
from geodata.store import create_gpkg
from testing.factory import frames


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    store = create_gpkg(tmp_path_factory.mktemp("q") / "tiny.gpkg", frames())
    return load_dataset(store)


def ids(frame, key):
    return sorted(frame[key])


def test_derived_columns(data):
    p = data.parcels.set_index("parcel_id")
    assert p.loc["P1", "readiness"] == "seven_plus_one"
    assert p.loc["P2", "readiness"] == "three_plus_one"
    assert p.loc["P4", "readiness"] == "not_ready"
    assert p.loc["P2", "city_adcode"] == "140100" and p.loc["P3", "zone_name"] == "介休"
    assert data.zones.set_index("zone_id").loc["Z2", "county_name"] == "介休市"


def test_no_filter_shows_everything(data):
    view = apply_filters(data, Filters())
    s = summarize(view)
    assert (s["zones"], s["parcels"], s["projects"]) == (3, 4, 5)
    assert s["parcels_mu"] == pytest.approx(100 + 50.5 + 870 + 36.25)
    assert (s["standard_parcels"], s["standard_mu"]) == (3, pytest.approx(186.75))
    assert s["investment_yi"] == pytest.approx(560 + 4 + 1.68 + 10.5)
    assert s["projects_without_investment"] == 1
    assert (s["signed"], s["started"], s["producing"]) == (2, 2, 1)


def test_zone_filter_includes_parks(data):
    assert zone_family(data.zones, ("Z1",)) == {"Z1", "Z1a"}
    view = apply_filters(data, Filters(zone_ids=("Z1",)))
    assert ids(view.zones, "zone_id") == ["Z1", "Z1a"]
    assert ids(view.parcels, "parcel_id") == ["P1", "P2"]
    assert ids(view.projects, "project_id") == ["J1", "J2", "J3"]


def test_city_filter(data):
    view = apply_filters(data, Filters(cities=("140700",)))
    assert ids(view.zones, "zone_id") == ["Z2"]
    assert ids(view.projects, "project_id") == ["J4", "J5"]


def test_chain_filter_drives_every_layer(data):
    view = apply_filters(data, Filters(chains=("光伏",)))
    assert ids(view.parcels, "parcel_id") == ["P1"]
    assert ids(view.projects, "project_id") == ["J1", "J2"]
    assert ids(view.zones, "zone_id") == ["Z1"]  # leads 光伏; Z1a holds none, Z2 neither
    view = apply_filters(data, Filters(chains=("现代医药",)))
    assert ids(view.zones, "zone_id") == ["Z1", "Z1a"]  # Z1 leads it, Z1a holds P2/J3


def test_stage_and_round_narrow_projects_only(data):
    view = apply_filters(data, Filters(stages=("signed",), round_ids=("R2",)))
    assert ids(view.projects, "project_id") == ["J5"]
    assert len(view.parcels) == 4 and len(view.zones) == 3
    s = summarize(view)
    assert (s["projects"], s["investment_yi"]) == (1, pytest.approx(10.5))


def test_filters_combine(data):
    view = apply_filters(data, Filters(cities=("140100",), chains=("氢能",)))
    assert view.zones.empty and view.parcels.empty and view.projects.empty
    assert summarize(view)["investment_yi"] == 0


def test_parcel_filters_stage_readiness_area_and_assessments(data, tmp_path):
    def parcels(**kw):
        return ids(apply_filters(data, Filters(**kw)).parcels, "parcel_id")

    assert parcels(pipeline_stages=("reserve",)) == ["P4"]
    assert parcels(pipeline_stages=("sold", "started")) == ["P1", "P3"]
    assert parcels(readiness=("three_plus_one", "not_ready")) == ["P2", "P3", "P4"]
    assert parcels(area_mu=(50.5, 100.0)) == ["P1", "P2"]  # inclusive
    assert parcels(area_mu=(None, 40.0)) == ["P4"]
    assert parcels(land_uses=("logistics_land",)) == []
    # zones and projects are not narrowed by parcel filters
    assert len(apply_filters(data, Filters(area_mu=(None, 40.0))).projects) == 5

    f = frames()
    f["parcels"].loc[f["parcels"]["parcel_id"] == "P4", "assess_seismic"] = False  # required by default
    f["parcels"].loc[f["parcels"]["parcel_id"] == "P4", "road"] = True
    f["parcels"].loc[f["parcels"]["parcel_id"] == "P4", "leveling"] = True
    other = load_dataset(create_gpkg(tmp_path / "a.gpkg", f))
    p4 = other.parcels.set_index("parcel_id").loc["P4"]
    assert (p4["readiness"], p4["assessments_done"], p4["supply_ready"]) == ("three_plus_one", False, False)
    assert p4["pipeline_stage"] == "reserve"
    assert ids(apply_filters(other, Filters(assessments_done=False)).parcels, "parcel_id") == ["P4"]
    assert len(apply_filters(other, Filters(assessments_done=True)).parcels) == 3


def test_derived_readiness_follows_the_required_assessments_setting(tmp_path, monkeypatch):
    f = frames()
    p4 = f["parcels"]["parcel_id"] == "P4"
    f["parcels"].loc[p4, ["road", "leveling", "assess_seismic"]] = [True, True, False]
    path = create_gpkg(tmp_path / "s.gpkg", f)
    monkeypatch.delenv("ZONEMAP_REQUIRED_ASSESSMENTS", raising=False)
    assert load_dataset(path).parcels.set_index("parcel_id").loc["P4", "pipeline_stage"] == "reserve"
    monkeypatch.setenv("ZONEMAP_REQUIRED_ASSESSMENTS", "区域能评, 区域规划环评")  # 地震安全性评价 not required here
    p = load_dataset(path).parcels.set_index("parcel_id").loc["P4"]
    assert (p["supply_ready"], p["pipeline_stage"]) == (True, "supply_ready")
