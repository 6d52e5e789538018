"""观摩会 tours: model and storage, the page (AppTest), the one-pager PNG with Chinese text."""

from __future__ import annotations

import json
import re

import pytest

from domain.tours import Stop, Tour, new_tour_id
from geodata.dataset import load_dataset
from geodata.store import SAMPLE_PATH, GpkgStore
from geodata.tours import stop_figures, stops_frame, tour_from_frame, tour_problems
from reports.tour_html import tour_html
from tests.apptest import add_account, button, login, open_page
from tests.sql import rows
from tools.sample.build import sample_tour

PASSWORD = "tour-editor-password"


@pytest.fixture(scope="module")
def sample():
    return load_dataset(GpkgStore(SAMPLE_PATH))


def test_the_sample_ships_the_seeds_tour(sample):
    (stored,) = GpkgStore(SAMPLE_PATH).list_tours()
    tour = stored.tour
    assert tour == sample_tour() and len(tour.stops) == 8
    assert tour_problems(tour, sample) == []
    assert {s.ref for s in tour.stops} >= {"SXZG", "JK-56GW", "S-JK", "S-TSBX", "S-LDUG"}


def test_figures_are_computed_from_the_store(sample):
    figures = dict(stop_figures(Stop("parcels", "JK-56GW", "晶科"), sample))
    assert figures["面积"] == "2,300.00 亩"
    zone = dict(stop_figures(Stop("zones", "SXZG", "综改区"), sample))
    parcels = sample.parcels
    in_zone = parcels["zone_id"].str.startswith("SXZG")
    ready = parcels[in_zone & (parcels["pipeline_stage"] == "supply_ready")]
    assert zone["具备供地条件"] == f"{ready['area_mu'].sum():,.2f} 亩"
    assert dict(stop_figures(Stop("projects", "S-JK", "晶科"), sample))["总投资"] == "560.00 亿元"


def test_new_ids_skip_taken_ones():
    assert new_tour_id([]) == "T-001"
    assert new_tour_id(["T-001", "T-003", "T-SXZG"]) == "T-002"


def test_table_round_trip_reorders_and_validates(sample):
    tour = sample_tour()
    frame = stops_frame(tour)
    frame.loc[0, "顺序"] = 99  # move the first stop to the end
    frame.loc[1, "显示项目"] = False
    again = tour_from_frame(tour.tour_id, "  新标题 ", frame)
    assert again.title == "新标题" and again.stops[-1] == tour.stops[0] and again.stops[0].show == ("zones", "parcels")
    bad = Tour("X", "", (Stop("parcels", "NOPE", ""), Stop("zones", "SXZG", "ok", zoom=30)))
    problems = tour_problems(bad, sample)
    assert "路线名称不能为空" in problems and any("不存在" in p for p in problems)
    assert any("缩放级别" in p for p in problems) and any("标题不能为空" in p for p in problems)


def test_empty_cells_of_the_stops_table_stay_empty_not_nan():
    """The editor holds an empty cell as None or NaN: a stop titled "nan" was saved before."""
    frame = stops_frame(Tour("T", "路线", (Stop("zones", "SXZG", "一站"),)))
    frame.loc[1] = [2, "地块", "JK-56GW", float("nan"), None, True, True, True, float("nan")]
    frame.loc[2] = [3, "地块", float("nan"), "无编号的行", None, True, True, True, ""]
    tour = tour_from_frame("T", "路线", frame)
    assert [(s.ref, s.title, s.note) for s in tour.stops] == [("SXZG", "一站", ""), ("JK-56GW", "", "")]


def test_exported_html_is_self_contained_and_escapes_data(sample):
    tour = Tour("T", "</script><script>alert(1)</script>", (Stop("zones", "SXZG", "<b>第一站</b>"),))
    html = tour_html(tour, sample)
    assert html.count("<script") == 3  # leaflet, data (JSON), page
    assert "</script><script>alert" not in html and "&lt;/script&gt;" in html
    assert "\\u003c/script>" in html  # inside the JSON data
    # Outside Leaflet's own code (whose attribution link is only followed on a click) nothing points out.
    ours = re.sub(r"<script>.*?</script>", "", html, count=1, flags=re.S)
    assert "Leaflet 1.9" in html and "Leaflet 1.9" not in ours
    assert re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", ours) == []
    assert re.findall(r"url\(\s*[\"']?(?:https?:)?//", ours) == []
    assert "fetch(" not in ours and "XMLHttpRequest" not in ours


@pytest.fixture
def editor_env(sample_copy, tmp_path, monkeypatch):
    add_account(monkeypatch, tmp_path / "accounts.toml", "guide", "讲解员", PASSWORD)
    return sample_copy


def test_page_builds_and_saves_a_tour(editor_env):
    at = open_page("pages/tour.py")
    assert at.title[0].value == "观摩会" and at.selectbox(key="tour_pick").value == "T-SXZG"
    login(at, "guide", PASSWORD)
    at.selectbox(key="tour_pick").set_value("__new__").run()
    at.text_input(key="tour_T-001_0_title").input("介休开发区观摩").run()
    at.text_input(key="tour_T-001_0_q").input("jxjk").run()  # found by its 开发区编号
    button(at, "加入为最后一站").click().run()
    button(at, "保存路线").click().run()
    assert not at.exception, at.exception
    saved = {t.tour.tour_id: t.tour for t in GpkgStore(editor_env).list_tours()}
    assert saved["T-001"].title == "介休开发区观摩" and len(saved["T-001"].stops) == 1
    assert saved["T-001"].stops[0].title == "介休经济技术开发区"  # the name, not the list's 开发区编号 note
    assert any("已保存路线" in s.value for s in at.success)


def _texts(at) -> str:
    return "\n".join(str(e.value) for kind in ("error", "warning", "success") for e in getattr(at, kind))


def test_a_second_editor_sees_the_tour_conflict_with_both_contents(editor_env):
    """Two editors on one tour: the second one's save was dropped without a word (the page took the new version)."""
    at = open_page("pages/tour.py")
    login(at, "guide", PASSWORD)
    (opened,) = GpkgStore(editor_env).list_tours()
    other = Tour(opened.tour.tour_id, "他人改的标题", opened.tour.stops[:2])
    GpkgStore(editor_env).save_tour(other, "lisi", opened.version)  # meanwhile, from another browser
    at.text_input(key=f"tour_T-SXZG_{opened.version}_title").input("我改的标题").run()
    assert "已被他人保存" in _texts(at)  # said before saving too
    button(at, "保存路线").click().run()
    assert not at.exception, at.exception
    assert "已被他人修改" in _texts(at)
    both = at.table[-1].value.to_string()
    assert "他人改的标题" in both and "我改的标题" in both and "（已删除）" not in both
    (now,) = GpkgStore(editor_env).list_tours()
    assert (now.tour.title, now.version) == ("他人改的标题", opened.version + 1)  # nothing overwritten
    button(at, "用我的修改覆盖").click().run()
    (now,) = GpkgStore(editor_env).list_tours()
    assert (now.tour.title, len(now.tour.stops), now.version) == ("我改的标题", 8, opened.version + 2)
    assert any("已保存路线" in s.value for s in at.success)


def test_a_tour_deleted_by_someone_else_stays_in_the_editor_until_saved_or_dropped(editor_env):
    at = open_page("pages/tour.py")
    login(at, "guide", PASSWORD)
    (opened,) = GpkgStore(editor_env).list_tours()
    GpkgStore(editor_env).delete_tour("T-SXZG", "lisi", opened.version)
    at.text_input(key=f"tour_T-SXZG_{opened.version}_title").input("我改的标题").run()
    assert "已被他人删除" in _texts(at) and at.selectbox(key="tour_pick").value == "T-SXZG"
    button(at, "保存路线").click().run()
    assert "（已删除）" in at.table[-1].value.to_string() and GpkgStore(editor_env).list_tours() == []
    button(at, "用我的修改覆盖").click().run()
    assert [t.tour.title for t in GpkgStore(editor_env).list_tours()] == ["我改的标题"]


def test_read_only_visitors_see_no_editor(sample_copy):
    at = open_page("pages/tour.py")
    assert not [b for b in at.button if b.label == "保存路线"]
    assert "__new__" not in at.selectbox(key="tour_pick").options


def offered(at, label: str):
    [found] = [b for b in at.get("download_button") if b.label == label]
    return found


def test_the_tour_downloads_hold_the_stored_route(sample_copy, downloads):
    """The offline tour and a stop's print page, against the route as stored (zonemap_tours, read with sqlite3)."""
    [(title, stops)] = rows(sample_copy, "SELECT title, stops FROM zonemap_tours WHERE tour_id = 'T-SXZG'")
    stops = json.loads(stops)
    assert len(stops) == 8 and stops[0]["note"] == "推动项目签约到开工由238天压缩至58天"
    at = open_page("pages/tour.py")
    at.selectbox(key="tour_pick").set_value("T-SXZG").run()
    at.selectbox(key="tour_page_pick").set_value(0).run()

    tour = downloads.of(offered(at, "下载离线演示文件（单个 HTML，拷到 U 盘即可在任何电脑浏览器打开）"))
    assert tour.filename.startswith(f"{title}_") and tour.filename.endswith(".html")
    data = json.loads(re.search(r"id='tour-data'>(.*?)</script>", tour.content.decode(), re.S)[1])
    assert data["title"] == title
    assert [s["title"] for s in data["stops"]] == [s["title"] for s in stops]
    assert [s["note"] for s in data["stops"]] == [s["note"] for s in stops]

    page = downloads.of(offered(at, "下载打印版 HTML"))
    assert page.filename.startswith(f"{title}_第1站_")
    html = page.content.decode()
    assert re.findall(r"<title>(.*?)</title>", html) == [stops[0]["title"]]
    assert stops[0]["note"] in html and "@page { size: A4 landscape" in html


@pytest.fixture
def own_renderer(monkeypatch):
    """A renderer of this test's own as the server's shared one, closed afterwards."""
    from reports import renderer

    mine = renderer.Renderer()
    monkeypatch.setattr(renderer, "_shared", mine)
    yield mine
    mine.close()


def test_visitors_get_the_printable_html_but_no_rendering(sample_copy, own_renderer):
    at = open_page("pages/tour.py")
    at.selectbox(key="tour_page_pick").set_value(1).run()
    assert not [b for b in at.button if b.label.startswith("生成")] and not [
        r for r in at.radio if r.key == "tour_page_format"
    ]
    assert any("生成 PNG/PDF 需要登录" in c.value for c in at.caption)
    labels = [b.label for b in at.get("download_button")]
    assert "下载打印版 HTML" in labels and "下载离线演示文件（单个 HTML，拷到 U 盘即可在任何电脑浏览器打开）" in labels
    assert own_renderer.launches == 0


@pytest.mark.browser  # the page starts Chromium for the PDF
def test_page_renders_a_stop_to_pdf(editor_env, own_renderer, downloads):
    at = login(open_page("pages/tour.py"), "guide", PASSWORD)
    at.selectbox(key="tour_pick").set_value("T-SXZG").run()
    at.selectbox(key="tour_page_pick").set_value(1).run()
    at.radio(key="tour_page_format").set_value("PDF").run()
    button(at, "生成 PDF").click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    (wanted, pdf) = at.session_state["tour_rendered"]
    assert wanted[1:] == (1, "PDF")
    file = downloads.of(offered(at, "下载 PDF"))
    assert file.content == pdf and file.filename.endswith("_第2站_" + file.filename.rsplit("_", 1)[-1])
    assert file.content.startswith(b"%PDF") and re.findall(rb"/Count (\d+)", file.content) == [b"1"]  # one page
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", file.content)
    assert box and float(box[1]) > float(box[2])  # landscape
    at.selectbox(key="tour_page_pick").set_value(2).run()  # another stop: the old file is not offered
    assert not [b for b in at.get("download_button") if b.label == "下载 PDF"]
    assert own_renderer.launches == 1


def test_a_busy_renderer_says_so_in_chinese(editor_env, monkeypatch):
    from reports import renderer

    full = renderer.Renderer(pages=0, waiting=0)  # every place taken: each render is refused at once
    monkeypatch.setattr(renderer, "_shared", full)
    at = login(open_page("pages/tour.py"), "guide", PASSWORD)
    button(at, "生成 PNG").click().run()
    assert not at.exception and [w.value for w in at.warning] == ["正在生成其他文件，请稍后再试。"]
    assert "tour_rendered" not in at.session_state and full.launches == 0


def test_the_tour_listens_to_the_app_page_only_when_asked_and_never_in_text_fields(sample):
    tour = sample_tour()
    standalone = tour_html(tour, sample)
    assert '"listenParent": false' in standalone
    assert '"listenParent": true' in tour_html(tour, sample, listen_parent=True)
    assert "/^(INPUT|TEXTAREA|SELECT)$/" in standalone and "isContentEditable" in standalone
    assert "removeEventListener('keydown', onKey)" in standalone  # the app page is let go with the frame


def test_every_stop_carries_its_outline(sample):
    data = json.loads(re.search(r"id='tour-data'>(.*?)</script>", tour_html(sample_tour(), sample), re.S)[1])
    assert all(s["shape"]["type"] in ("Polygon", "MultiPolygon", "Point") for s in data["stops"])
    assert data["styles"]["current"]["interactive"] is False


def test_presenting_hides_the_page_around_the_tour(sample_copy):
    at = open_page("pages/tour.py", tour_present=True)
    assert not at.title and not [s for s in at.selectbox if s.key == "tour_pick"]
    assert any("st-key-tour_stage iframe" in m.value for m in at.markdown)
    assert at.toggle(key="tour_present").value is True


def test_the_one_pager_names_records_instead_of_codes(sample):
    from reports.tour_onepager import onepager_html

    html = onepager_html(sample_tour(), 0, sample)
    footer = html[html.index("<footer>") :]
    assert "SXZG" not in footer and "zonemap" not in footer and "山西转型综合改革示范区" in footer
    assert "县" in html  # the admin base is named


def test_a_province_size_tour_draws_parcels_only_where_a_stop_zooms_in():
    import shapely

    from geodata.dataset import dataset_from_frames
    from geodata.query import zone_family
    from geodata.synth import synth_frames
    from geodata.tours import stop_bounds
    from reports.tour_html import TOUR_MAX_SHAPES, stop_view_box, tour_data

    big = dataset_from_frames(synth_frames(30000, 3000, seed=7), version="synth")
    tour = sample_tour()
    family = big.parcels[big.parcels["zone_id"].isin(zone_family(big.zones, ("SXZG",)))]
    assert len(family) > TOUR_MAX_SHAPES
    out = tour_data(tour, big)
    first, parcel_stop = out["stops"][0], out["stops"][2]
    assert f"{len(family):,} 宗地块" in first["hint"] and "parcels" not in first["show"]  # the whole 综改区: outlines
    assert parcel_stop["hint"] == "" and "parcels" in parcel_stop["show"]
    assert len(out["parcels"]) < len(family)
    # every parcel well inside the parcel stop's view is drawn: its centre is within 1 m of a drawn one
    inner = stop_view_box(stop_bounds(tour.stops[2], big), tour.stops[2].zoom).buffer(-0.001)
    centres = shapely.centroid(family.geometry.values)
    wanted = centres[shapely.contains(inner, centres)]
    drawn = shapely.STRtree(shapely.centroid([shapely.geometry.shape(f["geometry"]) for f in out["parcels"]]))
    _, distance = drawn.query_nearest(wanted, return_distance=True, all_matches=False)
    assert len(wanted) > 100 and distance.max() < 1e-5
    assert len(tour_html(tour, big).encode()) < 3_000_000


def test_a_sample_size_tour_keeps_every_parcel_of_its_zones(sample):
    from geodata.query import zone_family
    from reports.tour_html import tour_data

    out = tour_data(sample_tour(), sample)
    family = zone_family(sample.zones, tuple({s.ref for s in sample_tour().stops if s.layer == "zones"}))
    assert len(out["parcels"]) == int(sample.parcels["zone_id"].isin(family).sum()) > 0
    assert all(stop["hint"] == "" for stop in out["stops"])


def test_a_tour_of_many_projects_summarises_them_per_zone_with_its_parks():
    """More projects than TOUR_MAX_POINTS: one label per top-level 开发区 below the projects' zoom, its parks
    counted in it (like the large-data map), by stage in the stage words; C is not in the tour; the markup in
    A's name stays data (escaped in the JSON, set as text in the page)."""
    import shapely

    from domain.labels import stage_label
    from layers.pick import PROJECT_ZOOM
    from layers.styles import STAGE_COLORS
    from reports.tour_html import SUMMARY_NOTE, TOUR_MAX_POINTS, tour_data
    from tests.tourdata import EXPECTED, HOSTILE, IN_TOUR, many_projects, many_projects_tour

    data, tour = many_projects(), many_projects_tour()
    out = tour_data(tour, data)
    assert len(out["projects"]) == IN_TOUR > TOUR_MAX_POINTS
    summaries = out["summaries"]
    assert summaries["zoom"] == PROJECT_ZOOM == 12 and summaries["note"] == SUMMARY_NOTE
    rows = summaries["rows"]
    assert [r["zone"] for r in rows] == ["A", "B"]  # most projects first; no row for the park A1, none for C
    words = [[stage_label(s), c] for s, c in STAGE_COLORS.items()]
    assert [w for w, _ in words] == ["签约", "开工", "投产"]
    for row in rows:
        total, *stages = EXPECTED[row["zone"]]
        assert row["text"] == f"{total}个项目"
        assert row["stages"] == [[w, c, str(n)] for (w, c), n in zip(words, stages, strict=True)]
    a = data.zones.set_index("zone_id").loc["A"]
    point = shapely.Point(rows[0]["lng"], rows[0]["lat"])
    assert rows[0]["name"] == HOSTILE and a.geometry.contains(point)  # the zone's own shape holds its label
    assert rows[1]["name"] == "乙区"  # the short name, as on the map's zone labels
    assert {f["properties"]["zone_id"] for f in out["zones"]} == {"A", "A1", "B"}
    html = tour_html(tour, data)
    assert HOSTILE not in html and "\\u003cimg src=x" in html


def test_a_tour_of_few_projects_keeps_its_circles(sample):
    from reports.tour_html import TOUR_MAX_POINTS, tour_data

    out = tour_data(sample_tour(), sample)
    assert 0 < len(out["projects"]) <= TOUR_MAX_POINTS and out["summaries"] is None
