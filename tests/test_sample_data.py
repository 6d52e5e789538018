"""The committed sample is what the builder makes, and it holds the seeds' facts."""

import datetime as dt
import itertools

import pandas as pd
import pytest
import shapely

from domain.units import geodesic_area_mu
from geodata.io.validate import validate_dataset
from geodata.schema import SAMPLE_SOURCE, SCHEMAS, split_list
from geodata.store import SAMPLE_PATH, GpkgStore, create_gpkg
from tools.sample.build import build_frames


@pytest.fixture(scope="module")
def data():
    return GpkgStore(SAMPLE_PATH).read_all()


def test_builder_reproduces_the_committed_sample(data, tmp_path):
    rebuilt = GpkgStore(create_gpkg(tmp_path / "rebuilt.gpkg", build_frames()).path).read_all()
    assert list(rebuilt) == list(data)
    for name, frame in data.items():
        other = rebuilt[name]
        attrs = [c for c in frame.columns if c != "geometry"]
        pd.testing.assert_frame_equal(other[attrs], frame[attrs], obj=name)
        if SCHEMAS[name].geometry:
            same = shapely.equals_exact(other.geometry.values, frame.geometry.values, tolerance=1e-12)
            assert same.all(), f"{name}: geometry differs"


def test_valid_and_referentially_intact(data):
    assert validate_dataset(data) == []


def test_chains_taxonomy(data):
    chains = data["chains"]
    key = chains[chains["kind"] == "key_chain"]
    assert len(key) == 16
    assert {"特钢材料", "合成生物", "新型储能", "装配式建筑"} <= set(key["name"])
    strategic = {"信息技术应用创新", "半导体", "光电", "光伏", "碳基新材料", "通用航空", "节能环保"}
    assert strategic <= set(chains["name"])
    assert len(chains) == 16 + 14 - 2  # 光伏 and 碳基新材料 are in both lists


def test_rounds_figures_exact(data):
    r = data["rounds"].set_index("round_id")
    q = r.loc["P2021-Q1-3"]
    assert (q.signed_count, q.signed_invest_yi, q.signed_then_started_count) == (1059, 4969.4, 849)
    assert (q.started_count, q.started_invest_yi, q.started_completed_invest_yi) == (964, 2973.3, 475.4)
    assert (q.started_then_producing_count, q.producing_count, q.producing_invest_yi) == (549, 696, 1385.0)
    assert q.efficiency_pct == 98.1
    y = r.loc["P2021"]
    assert (y.signed_count, y.signed_invest_yi, y.started_count, y.started_invest_yi) == (1427, 5805.0, 1607, 5029.8)
    assert (y.producing_count, y.producing_invest_yi) == (1345, 2133.4)
    f = r.loc["R2022-01"]
    assert (f.date_start, f.ordinal, f.signed_count, f.started_count, f.producing_count) == (
        "2022-02-26",
        7,
        347,
        323,
        315,
    )
    assert (r.loc["R2021-01"].signed_count, r.loc["R2021-01"].signed_invest_yi) == (413, 2800.0)
    assert (r.loc["P2023-2024Q1"].signed_invest_yi, r.loc["P2023-2024Q1"].strategic_share_pct) == (4572.27, 97.19)


SEED_ZONES = [
    "山西综改示范区",
    "阳泉高新区",
    "晋城开发区",
    "长治高新区",
    "襄垣开发区",
    "洪洞开发区",
    "盐湖高新区",
    "朔州开发区",
    "新荣开发区",
    "介休开发区",
    "交城开发区",
    "高平开发区",
    "运城经开区",
    "阳城开发区",
    "临汾开发区",
    "兴县开发区",
    "忻州开发区",
    "闻喜开发区",
    "沁水开发区",
    "襄汾开发区",
    "吉县示范区",
    "杏花村开发区",
    "武乡示范区",
    "唐槐园区",
    "阳曲园区",
]


def test_zones_named_in_the_seeds_and_in_their_counties(data):
    zones, admin = data["zones"], data["admin"].set_index("adcode")
    assert len(zones) >= 25
    assert set(SEED_ZONES) <= set(zones["short_name"])
    parents = set(zones["parent_id"].dropna())
    for z in zones.itertuples():
        county = admin.geometry[z.county_adcode]
        assert admin.loc[z.county_adcode, "city_adcode"] == z.city_adcode, z.name
        assert z.outline_source == "schematic" and "边界为示意" in z.note
        if z.zone_id in parents:  # spans counties: drawn as the union of its parks, one of them in its county
            parks = zones[zones["parent_id"] == z.zone_id]
            assert (parks["county_adcode"] == z.county_adcode).any()
            continue
        assert z.geometry.representative_point().within(county), z.name
        assert z.geometry.within(county.buffer(1e-9)), z.name


def test_zones_do_not_overlap(data):
    zones = data["zones"]
    lone = zones[~zones["zone_id"].isin(set(zones["parent_id"].dropna()))]
    for a, b in itertools.combinations(lone.itertuples(), 2):
        assert a.geometry.intersection(b.geometry).area < 1e-12, (a.name, b.name)


def test_parcels_inside_zones_and_disjoint(data):
    zones = data["zones"].set_index("zone_id").geometry
    parcels = data["parcels"]
    for p in parcels.itertuples():
        assert p.geometry.within(zones[p.zone_id].buffer(1e-9)), p.name
        assert p.area_mu == pytest.approx(geodesic_area_mu(p.geometry), abs=0.005)
    tree = shapely.STRtree(parcels.geometry.values)
    left, right = tree.query(parcels.geometry.values, predicate="intersects")
    pairs = [(i, j) for i, j in zip(left, right, strict=True) if i < j]
    assert pairs == []


@pytest.mark.parametrize(
    ("name_part", "area_mu"),
    [
        ("127.38亩", 127.38),
        ("395.78亩", 395.78),
        ("36.25亩", 36.25),
        ("231.55亩", 231.55),
        ("55.16亩", 55.16),
        ("脱硝石膏", 22.57),
        ("大宗固废", 155.0),
        ("晶科能源", 2300.0),
    ],
)
def test_seed_parcel_areas(data, name_part, area_mu):
    parcels = data["parcels"]
    [geom] = parcels[parcels["name"].str.contains(name_part, regex=False)].geometry
    assert abs(geodesic_area_mu(geom) - area_mu) < 0.01


SEED_PROJECTS = [
    # name fragment, zone short name, investment 亿元 (None = not given), stage
    ("尊特智能", "阳泉高新区", None, "producing"),
    ("晶科能源", "晋中新兴产业园区", 560.0, "started"),
    ("年产60万吨高性能玻璃纤维", "阳曲园区", None, "started"),
    ("生物基合成弹性纤维", "山西综改示范区", None, "signed"),
    ("联东U谷", "学府园区", 4.0, "started"),
    ("尚宁科技", "唐槐园区", 1.68, "started"),
    ("太重智能高端液压挖掘机", "晋中新兴产业园区", None, "producing"),
    ("亚新科", "运城经开区", 10.5, "producing"),
    ("临宜环保科技产业园", "临汾开发区", 9.4, "producing"),
    ("新联盟", "盐湖高新区", 50.0, "signed"),
    ("宏明空调", "盐湖高新区", 20.0, "signed"),
    ("昌盛20万吨甲醇", "介休开发区", None, "started"),
    ("1GW光伏", "洪洞开发区", None, "signed"),
    ("运达风电", "襄汾开发区", None, "started"),
    ("废反光膜", "吉县示范区", None, "producing"),
    ("汾酒2030", "杏花村开发区", None, "started"),
]


@pytest.mark.parametrize(("part", "zone", "invest", "stage"), SEED_PROJECTS)
def test_seed_projects(data, part, zone, invest, stage):
    projects = data["projects"]
    zones = data["zones"].set_index("zone_id")
    [p] = projects[projects["name"].str.contains(part, regex=False)].itertuples()
    assert zones.loc[p.zone_id, "short_name"] == zone
    assert p.stage == stage and p.source != SAMPLE_SOURCE
    assert (pd.isna(p.investment_yi) and invest is None) or p.investment_yi == invest
    assert p.geometry.within(zones.geometry[p.zone_id].buffer(1e-9))


def test_seed_project_details(data):
    p = data["projects"].set_index("project_id")
    assert (p.loc["S-JK", "signed_date"], p.loc["S-JK", "land_need_mu"]) == ("2023-05-26", 2300.0)
    assert p.loc["S-JK", "parcel_id"] == "JK-56GW"
    assert p.loc["S-XLM", "is_chain_leader"] and p.loc["S-HM", "is_chain_leader"]
    assert p.loc["S-LDUG", "signed_date"].startswith("2021-03")
    assert p.loc["S-LDUG", "started_date"].startswith("2021-10")


def test_everything_invented_is_marked(data):
    for name in ("zones", "parcels", "projects"):
        assert (data[name]["outline_source"] == "schematic").all()
    for name in ("parcels", "projects"):
        frame = data[name]
        seeded = frame[frame["source"] != SAMPLE_SOURCE]
        assert seeded["source"].str.contains(r"20\d\d").all()  # a publication with its date, never a file label
        assert (frame["source"] == SAMPLE_SOURCE).sum() > len(seeded)


def test_sources_name_publications_never_project_files(data):
    for name in ("chains", "rounds", "zones", "parcels", "projects"):
        sources = " ".join(data[name]["source"].dropna())
        assert "DOMAIN" not in sources and ".md" not in sources and "种子" not in sources, name
    assert data["rounds"].set_index("round_id").loc["R2021-01", "source"] == "新华社（太原，2021-01-01）"


def test_seed_records_carry_only_what_the_seeds_say(data):
    parcels = data["parcels"].set_index("parcel_id")
    # 晶科: 征拆、迁改、清表、土方、打桩 — 清表 and 土方 are the levelling; water, power, roads not stated
    jk = parcels.loc["JK-56GW"]
    assert jk["leveling"] and not (jk["water_supply"] or jk["power"] or jk["road"])
    assert not parcels.loc["JX-IDLE", ["water_supply", "power", "road", "leveling"]].any()
    # 唐槐's 912.6 亩 is the park's planned area: a note on the zone, not one producing parcel
    assert not (parcels["area_mu"].round(1) == 912.6).any() and "TH-ZJTX" not in parcels.index
    zones = data["zones"].set_index("zone_id")
    assert "912.6亩" in zones.loc["SXZG-TH", "note"] and "非单宗地块" in zones.loc["SXZG-TH", "note"]
    assert pd.isna(data["projects"].set_index("project_id").loc["S-SN", "parcel_id"])
    # seed 002: 长治国家高新区
    assert zones.loc["CZGX", "level"] == "national" and "长治国家高新区" in zones.loc["CZGX", "note"]


def test_sample_has_every_status_readiness_stage_and_idle_cases(data):
    from domain.readiness import READINESS_FLAGS, readiness_label

    parcels, projects = data["parcels"], data["projects"]
    assert set(parcels["supply_status"]) == set(SCHEMAS["parcels"].column("supply_status").allowed)
    labels = {readiness_label(r) for r in parcels[list(READINESS_FLAGS)].to_dict("records")}
    assert {"seven_plus_one", "five_plus_one", "three_plus_one", "not_ready"} <= labels
    assert set(projects["stage"]) == {"signed", "started", "producing"}
    # idle land of every class on the day the sample was made (the classes move as time passes)
    from domain.idle import FORCE_MAJEURE, GOVERNMENT, IDLE, IDLE_TWO_YEARS, STALLED, classify

    day = dt.date(2026, 11, 22)
    verdicts = [classify(r, day) for r in parcels.drop(columns="geometry").to_dict("records")]
    statuses = [v.status for v in verdicts]
    assert {IDLE, IDLE_TWO_YEARS, GOVERNMENT, FORCE_MAJEURE, STALLED} <= set(statuses)
    # started, < 1/3, stopped ≥ 1 year: idle under 第二条第二款, negotiated (not fined) under 第十二条末款
    assert any(v.status == STALLED and v.basis == "stalled" for v in verdicts)
    assert any(v.status == "not_idle" and v.basis == "stalled" for v in verdicts)  # stopped < 1 year
    assert statuses.count(IDLE) + statuses.count(IDLE_TWO_YEARS) < len(parcels) / 10  # the exception
    chains = set(data["chains"]["name"])
    for value in data["zones"]["leading_chains"]:
        assert set(split_list(value)) <= chains
