"""Pages run under Streamlit's AppTest (no browser)."""

from streamlit.testing.v1 import AppTest

from geodata.dataset import load_dataset
from geodata.store import SAMPLE_PATH, GpkgStore, create_gpkg
from testing.factory import frames
from tests.apptest import APP, open_page
from tests.sql import rows, value

HOSTILE = "<img src=x onerror=alert(1)>开发区"


def metric(at, title):
    return next(m for m in at.metric if m.label == title)


def sql(path, query: str) -> str:
    """One figure counted in SQL, as the page shows it: counts as they are, 亿元 to two places, thousands separated."""
    found = value(path, query)
    return f"{found:,.2f}" if isinstance(found, float) else str(found)


# The overview's figures counted in SQL, independently of geodata.query; the values are today's sample.
OVERVIEW = {
    "开发区（个）": ("SELECT count(*) FROM zones", "30"),
    "地块（宗）": ("SELECT count(*) FROM parcels", "195"),
    "其中标准地（宗）": ("SELECT count(*) FROM parcels WHERE is_standard_land", "133"),
    "三个一批项目（个）": ("SELECT count(*) FROM projects", "142"),
    "项目总投资（亿元）": ("SELECT sum(investment_yi) FROM projects", "2,057.27"),
}
# 光伏: its parcels and projects, and the zones that lead the chain or hold one of them.
SOLAR = {
    "开发区（个）": (
        "SELECT count(*) FROM zones WHERE ';' || leading_chains || ';' LIKE '%;光伏;%' OR zone_id IN"
        " (SELECT zone_id FROM parcels WHERE chain = '光伏' UNION SELECT zone_id FROM projects WHERE chain = '光伏')",
        "6",
    ),
    "地块（宗）": ("SELECT count(*) FROM parcels WHERE chain = '光伏'", "19"),
    "其中标准地（宗）": ("SELECT count(*) FROM parcels WHERE chain = '光伏' AND is_standard_land", "8"),
    "三个一批项目（个）": ("SELECT count(*) FROM projects WHERE chain = '光伏'", "17"),
    "项目总投资（亿元）": ("SELECT sum(investment_yi) FROM projects WHERE chain = '光伏'", "715.54"),
}


def test_the_expected_figures_are_the_samples():
    """The SQL above gives today's sample figures (so a wrong query cannot pass by agreeing with a wrong page)."""
    for figures in (OVERVIEW, SOLAR):
        assert {label: sql(SAMPLE_PATH, q) for label, (q, _) in figures.items()} == {
            label: value for label, (_, value) in figures.items()
        }


def test_overview_runs_on_the_sample(sample_copy):
    at = open_page()
    assert at.title[0].value == "总览地图"
    assert {m.label: m.value for m in at.metric} == {label: sql(sample_copy, q) for label, (q, _) in OVERVIEW.items()}
    assert any("边界为示意" in c.value or "示意" in c.value for c in at.caption)


def test_overview_shows_the_province_published_figures_with_sources(sample_copy):
    at = open_page()
    [panel] = [e for e in at.expander if e.label == "全省公开数据（与本数据对照）"]
    table = panel.dataframe[0].value.set_index("指标")
    zones = table.loc["全省开发区"]
    assert list(zones["数值"]) == ["88 家（工业类 69、现代农业类 12、生态文旅类 7）", "93 家"]
    standard = table.loc["全省开发区出让“标准地”"]
    assert standard["数值"] == "45 宗，4844.89 亩；新增工业用地全部以“标准地”形式出让"
    assert standard["时点"] == "截至2024年3月底" and standard["来源"].startswith(
        "《项目建设向“新”突破 改革能级持续提升》，科学导报"
    )
    assert table.loc["承诺制项目占可实行承诺制项目比例", "数值"] == "93.41%"
    assert table.loc["全代办服务办理项目数占符合领办代办项目数比例", "数值"] == "89.32%"
    data = load_dataset(GpkgStore(sample_copy))
    top = int(data.zones["parent_id"].isna().sum())
    assert zones["本数据"].iloc[0].startswith(f"{top} 家") and top < 88
    assert any("只含公开报道点名的开发区" in c.value for c in panel.caption)


def test_chain_filter_changes_the_summary(sample_copy):
    at = open_page()
    before = metric(at, "三个一批项目（个）").value
    at.sidebar.multiselect(key="flt_chain").select("光伏").run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric} == {label: sql(sample_copy, q) for label, (q, _) in SOLAR.items()}
    assert metric(at, "三个一批项目（个）").value != before


def test_search_opens_the_detail_panel(sample_copy):
    at = open_page()
    at.sidebar.text_input[0].input("晶科").run()
    [results] = [s for s in at.sidebar.selectbox if s.label == "搜索结果"]
    hits = rows(
        sample_copy,
        "SELECT 'zones', zone_id, name FROM zones WHERE name LIKE '%晶科%' OR short_name LIKE '%晶科%' UNION ALL"
        " SELECT 'parcels', parcel_id, name FROM parcels WHERE name LIKE '%晶科%' UNION ALL"
        " SELECT 'projects', project_id, name FROM projects WHERE name LIKE '%晶科%'",
    )
    assert hits == [
        ("parcels", "JK-56GW", "晶科能源56GW垂直一体化大基地用地"),
        ("projects", "S-JK", "晶科能源年产56GW垂直一体化大基地项目"),
    ]
    assert sorted(option.split("｜")[-1] for option in results.options) == sorted(name for *_, name in hits)
    for layer, rid, name in hits:
        results.select(f"{layer}:{rid}").run()
        assert not at.exception
        assert name in [t.value for t in at.text]
        assert at.subheader[0].value == "详情"


def test_hostile_names_are_text_not_markup(tmp_path, monkeypatch):
    f = frames()
    f["zones"].loc[2, "name"] = HOSTILE
    path = tmp_path / "hostile.gpkg"
    create_gpkg(path, f)
    monkeypatch.setenv("ZONEMAP_DATA", str(path))
    at = open_page()
    at.sidebar.text_input[0].input("onerror").run()
    [results] = [s for s in at.sidebar.selectbox if s.label == "搜索结果"]
    results.select("zones:Z2").run()
    assert not at.exception
    assert HOSTILE in [t.value for t in at.text]  # shown by st.text, which never renders HTML
    assert all(HOSTILE not in m.value for m in at.markdown)


def test_missing_data_file_gives_a_chinese_message(tmp_path, monkeypatch):
    monkeypatch.setenv("ZONEMAP_DATA", str(tmp_path / "nope.gpkg"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert any("无法读取数据" in e.value and "数据文件不存在" in e.value for e in at.error)
