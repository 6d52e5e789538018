"""标准地供给 under AppTest: read-only, sign-in, an edit with its audit, refused edits, a conflict."""

from __future__ import annotations

import io
import json
import sqlite3
from contextlib import closing

import openpyxl
import pyogrio
import pytest
from shapely.geometry import shape
from streamlit.testing.v1 import AppTest

from access import signin_guard
from access.secret import server_secret
from access.signin_guard import Policy, SignInGuard
from geodata.edits import Edit
from geodata.store import GpkgStore
from testing.stores import gpkg_store
from tests import apptest
from tests.apptest import add_account, button, finish_exports, open_page

PASSWORD = "correct-horse-battery"


@pytest.fixture
def store(tmp_path, monkeypatch):
    s = gpkg_store(tmp_path / "data.gpkg")
    monkeypatch.setenv("ZONEMAP_DATA", str(s.path))
    monkeypatch.setenv("ZONEMAP_ACCOUNTS", str(tmp_path / "none.toml"))
    return s


@pytest.fixture
def with_account(tmp_path, monkeypatch, store):
    add_account(monkeypatch, tmp_path / "accounts.toml", "zhangsan", "张三（自然资源局）", PASSWORD)
    return store


def supply_page(selected: str | None = None) -> AppTest:
    if selected:
        return open_page("pages/supply.py", supply_selected=("parcels", selected))
    return open_page("pages/supply.py")


def login(at, password=PASSWORD):
    return apptest.login(at, "zhangsan", password)


def texts(at) -> str:
    kinds = ("markdown", "caption", "text", "error", "success", "warning")
    parts = [e.value for kind in kinds for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def test_read_only_page_shows_supply_figures_and_no_form(store):
    at = supply_page("P4")
    assert at.title[0].value == "标准地供给"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["地块（宗）"] == "4" and metrics["已供应（宗）"] == "2"  # P1 sold, P3 started
    assert "只读" in texts(at)
    assert "地块P4（P4）" in texts(at) and "不具备供地条件" in texts(at)
    assert not [b for b in at.button if b.label == "保存修改"]


def test_wrong_password_is_refused(with_account):
    at = login(supply_page(), password="wrong-password")
    assert "用户名或密码错误" in texts(at)
    assert "editor" not in at.session_state


def test_an_editor_saves_a_change_with_its_audit(with_account):
    at = login(supply_page("P4"))
    assert "已登录：张三（自然资源局）" in texts(at)
    at.checkbox(key="f_road_P4_0").check()
    at.checkbox(key="f_leveling_P4_0").check()
    at.text_area(key="f_note_P4_0").input("已完成场地平整")
    button(at, "保存修改").click().run()
    assert not at.exception, at.exception
    assert "已保存，现为第 2 版" in texts(at)
    record, version = GpkgStore(with_account.path).read_record("parcels", "P4")
    assert record["road"] and record["leveling"] and record["note"] == "已完成场地平整" and version == 1
    h = GpkgStore(with_account.path).history("parcels", "P4")
    assert set(h["field"]) == {"road", "leveling", "note"} and set(h["user"]) == {"zhangsan"}
    # 三通一平 now and all assessments done in the factory: P4 is 具备供地条件, derived
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["当前具备供地条件（宗）"] == "1"


def test_standard_land_cannot_be_listed_without_conditions(with_account):
    at = login(supply_page("P4"))
    at.selectbox(key="f_status_P4_0").set_value("listed")
    at.text_input(key="f_reason_P4_0").input("领导要求")
    button(at, "保存修改").click().run()
    assert "不具备供地条件" in texts(at) and "标准地" in texts(at)
    assert GpkgStore(with_account.path).read_record("parcels", "P4")[0]["supply_status"] == "reserve"


def test_moving_back_needs_a_reason(with_account):
    at = login(supply_page("P1"))  # sold
    at.selectbox(key="f_status_P1_0").set_value("listed")
    button(at, "保存修改").click().run()
    assert "须填写原因" in texts(at)
    assert GpkgStore(with_account.path).read_record("parcels", "P1")[0]["supply_status"] == "sold"
    at.text_input(key="f_reason_P1_0").input("出让合同解除")
    button(at, "保存修改").click().run()
    assert GpkgStore(with_account.path).read_record("parcels", "P1")[0]["supply_status"] == "listed"


def test_second_editor_sees_the_conflict_and_both_versions(with_account):
    at = login(supply_page("P2"))  # the form opens on version 0
    GpkgStore(with_account.path).apply_edit(Edit("parcels", "P2", {"note": "李四先保存"}, 0, "李四"))
    at.text_area(key="f_note_P2_0").input("张三的备注")
    button(at, "保存修改").click().run()
    assert not at.exception, at.exception
    assert "已被他人修改" in texts(at)
    table = at.table[-1].value
    assert "李四先保存" in table.to_string() and "张三的备注" in table.to_string()
    assert GpkgStore(with_account.path).read_record("parcels", "P2")[0]["note"] == "李四先保存"
    button(at, "用我的修改覆盖这些字段").click().run()
    record, version = GpkgStore(with_account.path).read_record("parcels", "P2")
    assert record["note"] == "张三的备注" and version == 2


def test_history_restores_an_earlier_value(with_account):
    GpkgStore(with_account.path).apply_edit(Edit("parcels", "P3", {"plot_ratio": 1.5}, 0, "李四"))
    at = login(supply_page("P3"))
    change_id = int(GpkgStore(with_account.path).history("parcels", "P3")["change_id"][0])
    at.selectbox(key="restore_pick_P3").set_value(change_id).run()
    button(at, "恢复").click().run()
    assert not at.exception, at.exception
    record, version = GpkgStore(with_account.path).read_record("parcels", "P3")
    assert record["plot_ratio"] is None and version == 2


def test_restore_is_an_edit_against_the_history_the_editor_saw(with_account):
    GpkgStore(with_account.path).apply_edit(Edit("parcels", "P3", {"plot_ratio": 1.5}, 0, "李四"))
    at = login(supply_page("P3"))  # the history shows version 1
    change_id = int(GpkgStore(with_account.path).history("parcels", "P3")["change_id"][0])
    at.selectbox(key="restore_pick_P3").set_value(change_id).run()
    GpkgStore(with_account.path).apply_edit(Edit("parcels", "P3", {"plot_ratio": 2.0}, 1, "王五"))  # meanwhile
    button(at, "恢复").click().run()
    assert not at.exception and "已被他人修改" in texts(at)
    record, version = GpkgStore(with_account.path).read_record("parcels", "P3")
    assert record["plot_ratio"] == 2.0 and version == 2  # 王五's save stands


HOSTILE_NAME = "![e](http://x.example/p.png)<b>张三</b>"


def test_a_hostile_display_name_is_text_and_the_audit_keeps_the_account_id(store, tmp_path, monkeypatch):
    add_account(monkeypatch, tmp_path / "accounts.toml", "zhangsan", HOSTILE_NAME, PASSWORD)
    at = login(supply_page("P4"))
    assert [t.value for t in at.sidebar.text] == [f"已登录：{HOSTILE_NAME}", "权限：省级（全省）"]  # st.text: as typed
    markdown = [e.value for kind in ("markdown", "caption", "error", "success", "warning", "info")
                for e in getattr(at, kind)]  # fmt: skip
    assert not [v for v in markdown if "x.example" in v]  # the name never reaches a Markdown element
    at.text_area(key="f_note_P4_0").input("张三的备注")
    button(at, "保存修改").click().run()
    assert not at.exception, at.exception
    assert set(GpkgStore(store.path).history("parcels", "P4")["user"]) == {"zhangsan"}
    shown = [d.value for d in at.dataframe if "修改人" in d.value.columns]
    assert shown and all(set(f["修改人"]) == {HOSTILE_NAME} for f in shown)  # st.dataframe shows text literally


def test_history_shows_the_stored_text_for_unknown_ids(with_account):
    GpkgStore(with_account.path).apply_edit(Edit("parcels", "P3", {"plot_ratio": 1.5}, 0, "李四（旧记录）"))
    GpkgStore(with_account.path).apply_edit(Edit("parcels", "P3", {"plot_ratio": 1.6}, 1, "zhangsan"))
    at = login(supply_page("P3"))  # who edited: editors only (see tests/test_visitor_exposure.py)
    frame = next(d.value for d in at.dataframe if "修改人" in d.value.columns)
    assert list(frame["修改人"]) == ["张三（自然资源局）", "李四（旧记录）"]


def test_failed_sign_ins_are_throttled_and_audited_alike_for_unknown_users(with_account, monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(signin_guard, "_default", SignInGuard(Policy(max_failures=2), clock=lambda: clock[0]))

    def errors_after(user, password):
        clock[0] += 1
        apptest.login(at, user, password)
        return [e.value for e in at.sidebar.error]

    at = supply_page()
    for user in ("zhangsan", "nobody"):
        assert errors_after(user, "wrong-password") == ["用户名或密码错误。"]
        assert errors_after(user, "wrong-password") == ["用户名或密码错误。登录失败次数过多，请 15 分钟后再试。"]
    assert errors_after("zhangsan", PASSWORD) == ["登录失败次数过多，请 15 分钟后再试。"]
    assert "editor" not in at.session_state
    clock[0] += 15 * 60
    assert errors_after("zhangsan", PASSWORD) == [] and at.session_state["editor"]["username"] == "zhangsan"
    failed = GpkgStore(with_account.path).history()
    failed = failed[failed["action"] == "login_failed"]
    secret = server_secret()
    hashed = [f"尝试:{signin_guard.pseudonym('user', u, secret)}" for u in ("nobody", "nobody", "zhangsan", "zhangsan")]
    assert list(failed["user"]) == hashed  # correlatable, not readable (nor the address)
    assert set(failed["reason"]) == {f"客户端：{signin_guard.pseudonym('addr', 'unknown', secret)}"}


def ticked(at) -> list[str]:
    """Parcel ids of the rows the parcel table is drawn with ticked."""
    import json

    grid = at.dataframe[0]
    rows = json.loads(grid.proto.selection_default)["selection"]["rows"]
    return [str(grid.value.index[r]) for r in rows]


def test_the_tick_follows_the_record_not_the_row(with_account):
    at = supply_page("P4")
    assert ticked(at) == ["P4"]  # row 3 of P1…P4
    at.sidebar.multiselect(key="sup_pstage").set_value(["reserve", "listed"]).run()
    assert list(at.dataframe[0].value.index) == ["P2", "P4"] and ticked(at) == ["P4"]  # now row 1


def test_after_saving_under_a_filter_no_other_parcel_is_ticked(with_account):
    at = login(supply_page("P2"))  # listed
    at.sidebar.multiselect(key="sup_pstage").set_value(["reserve", "listed"]).run()
    assert ticked(at) == ["P2"]
    at.selectbox(key="f_status_P2_0").set_value("sold")
    button(at, "保存修改").click().run()
    assert not at.exception, at.exception
    assert list(at.dataframe[0].value.index) == ["P4"]  # P2 left the filter: P4 moved up to row 0 …
    assert ticked(at) == []  # … and is not ticked in P2's place
    assert at.session_state["supply_selected"] == ("parcels", "P2")
    assert "不符合当前筛选条件" in texts(at) and "地块P2（P2）" in texts(at)


def download(at, downloads, what: str):
    """Click 生成{what}; the one download button offered, and its file."""
    button(at, f"生成{what}").click().run()
    finish_exports(at)
    assert not at.exception and not at.error
    (offered,) = [b for b in at.get("download_button") if b.proto.label == f"下载{what}"]  # earlier ones stay
    return downloads.of(offered)


def test_exports_are_made_on_request_with_progress_and_leave_no_file(store, downloads):
    from ui.exports import private_dir

    at = supply_page()
    assert not at.get("download_button")  # nothing is built before it is asked for
    for what in ("台账 Excel", "GeoPackage", "GeoJSON"):
        assert download(at, downloads, what).content
    assert not list(private_dir().iterdir())  # handed over and removed


def test_the_ledger_workbook_holds_each_zone_and_the_totals_in_mu_and_hectares(store, downloads):
    """testing/factory.py by hand: 甲 P1 100 亩 sold; 乙园区 P2 50.5 亩 listed; 介休 P3 870 亩 started
    (not standard) and P4 36.25 亩 reserve. 1 亩 = 1/15 公顷."""
    file = download(supply_page(), downloads, "台账 Excel")
    assert file.filename.startswith("地块台账_") and file.filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(file.content), read_only=True)
    assert book.sheetnames == ["汇总", "甲", "乙园区", "介休"]
    summary = list(book["汇总"].iter_rows(values_only=True))
    assert summary[0][:6] == ("开发区", "所在市", "地块（宗）", "其中标准地（宗）", "面积（亩）", "面积（公顷）")
    stages = ("储备", "具备供地条件", "已挂牌", "已出让", "已动工", "已投产")
    now = [summary[0].index(f"当前处于·{s}（亩）") for s in stages]
    reached = [summary[0].index(f"累计达到·{s}（亩）") for s in stages]
    assert [[row[:6], [row[i] for i in now], [row[i] for i in reached]] for row in summary[1:]] == [
        [("甲开发区", "太原市", 1, 1, 100, 6.6667), [0, 0, 0, 100, 0, 0], [100, 100, 100, 100, 0, 0]],
        [("甲开发区乙园区", "太原市", 1, 1, 50.5, 3.3667), [0, 0, 50.5, 0, 0, 0], [50.5, 50.5, 50.5, 0, 0, 0]],
        [
            ("介休经济技术开发区", "晋中市", 2, 1, 906.25, 60.4167),
            [36.25, 0, 0, 0, 870, 0],
            [906.25, 870, 870, 870, 870, 0],
        ],
        [("合计", None, 4, 3, 1056.75, 70.45), [36.25, 0, 50.5, 100, 870, 0], [1056.75, 1020.5, 1020.5, 970, 870, 0]],
    ]  # 当前处于 columns add up to the area; 累计达到 columns are nested (P3 started went through every stage before)
    jiexiu = list(book["介休"].iter_rows(values_only=True))
    column = {name: i for i, name in enumerate(jiexiu[0])}
    picked = ("地块编号", "面积（亩）", "面积（公顷）", "标准地", "供应状态", "通水（给水）", "通电", "通路")
    assert [tuple(row[column[c]] for c in picked) for row in jiexiu[1:]] == [
        ("P3", 870, 58, "否", "已动工", "否", "否", "否"),
        ("P4", 36.25, 2.4167, "是", "储备", "是", "是", "否"),
        ("合计（2 宗）", 906.25, 60.4167, None, None, None, None, None),
    ]


def test_the_geopackage_and_geojson_hold_the_filtered_parcels_with_their_outlines(store, downloads):
    at = supply_page()
    at.sidebar.multiselect(key="sup_pstage").set_value(["reserve", "listed"]).run()  # P2 listed, P4 reserve
    gpkg = download(at, downloads, "GeoPackage")
    path = store.path.parent / gpkg.filename
    path.write_bytes(gpkg.content)
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("SELECT table_name, data_type, srs_id FROM gpkg_contents").fetchall() == [
            ("parcels", "features", 4490)  # CGCS2000, as stored
        ]
        rows = db.execute("SELECT parcel_id, zone_id, area_mu, supply_status FROM parcels ORDER BY parcel_id")
        assert rows.fetchall() == [("P2", "Z1a", 50.5, "listed"), ("P4", "Z2", 36.25, "reserve")]
    outlines = pyogrio.read_dataframe(path).set_index("parcel_id").geometry.bounds.round(3)
    assert outlines.loc["P2"].tolist() == [112.505, 37.755, 112.51, 37.76]
    assert outlines.loc["P4"].tolist() == [111.95, 37.05, 111.96, 37.06]

    collection = json.loads(download(at, downloads, "GeoJSON").content)
    features = {f["properties"]["parcel_id"]: f for f in collection["features"]}
    assert sorted(features) == ["P2", "P4"]
    assert [features[p]["properties"]["area_mu"] for p in ("P2", "P4")] == [50.5, 36.25]
    outline = shape(features["P4"]["geometry"])
    assert outline.geom_type in ("Polygon", "MultiPolygon") and outline.area > 0
    assert [round(v, 3) for v in outline.bounds] == [111.95, 37.05, 111.96, 37.06]


def test_a_failed_export_shows_a_chinese_message_and_no_details(store, monkeypatch):
    import ui.exports
    from geodata.io.export import ExportError

    def refused(*args, **kwargs):
        raise ExportError("不能导出：示例原因")

    def broken(*args, **kwargs):
        raise OSError("/srv/zonemap/secret/export.xlsx: No space left on device")

    at = supply_page()
    monkeypatch.setattr(ui.exports, "write_export", refused)
    finish_exports(button(at, "生成台账 Excel").click().run())
    assert [e.value for e in at.error] == ["不能导出：示例原因"] and not at.get("download_button")
    monkeypatch.setattr(ui.exports, "write_export", broken)
    finish_exports(button(at, "生成GeoJSON").click().run())
    (message,) = [e.value for e in at.error if e.value != "不能导出：示例原因"]  # the 台账 still says why
    assert "错误编号" in message and "/srv" not in message and "OSError" not in message
    assert not at.exception and not at.get("download_button")
    assert at.title[0].value == "标准地供给" and at.metric  # the rest of the page is still there


def test_a_city_account_edits_its_city_and_reads_the_neighbours(tmp_path, monkeypatch, store):
    from domain.scope import Scope

    jinzhong = Scope("city", frozenset({"140700"}), "晋中市")
    add_account(monkeypatch, tmp_path / "accounts.toml", "zhangsan", "晋中市商务局", PASSWORD, scope=jinzhong)
    at = login(supply_page("P1"))  # P1 is in Z1, 太原
    assert "权限：市级（晋中市）" in texts(at)
    assert "只读：不在您的权限范围（晋中市）" in texts(at)
    assert not [b for b in at.button if b.label == "保存修改"]
    at = login(supply_page("P4"))  # P4 is in Z2, 晋中
    at.text_area(key="f_note_P4_0").input("晋中市核实")
    button(at, "保存修改").click().run()
    assert "已保存，现为第 2 版" in texts(at)
    assert GpkgStore(store.path).read_record("parcels", "P4")[0]["note"] == "晋中市核实"


def test_an_account_from_before_roles_cannot_sign_in_until_migrated(tmp_path, monkeypatch, store):
    from access import accounts, cli

    monkeypatch.setattr(accounts, "ITERATIONS", 1000)
    path = tmp_path / "accounts.toml"
    accounts.write_accounts({"zhangsan": accounts.Account("zhangsan", "张三", accounts.hash_password(PASSWORD))}, path)
    monkeypatch.setenv("ZONEMAP_ACCOUNTS", str(path))
    at = login(supply_page("P4"))
    assert "尚未设置角色" in texts(at) and "editor" not in at.session_state
    assert cli.main(["migrate"]) == 0
    at = login(supply_page("P4"))
    assert "权限：省级（全省）" in texts(at)


def test_a_zone_account_proposes_and_a_city_account_approves(tmp_path, monkeypatch, store):
    from domain.scope import Scope

    monkeypatch.setenv("ZONEMAP_REVIEW_ROLES", "zone")
    path = tmp_path / "accounts.toml"
    add_account(monkeypatch, path, "jx", "介休开发区管委会", PASSWORD, scope=Scope("zone", frozenset({"Z2"}), "介休"))
    add_account(monkeypatch, path, "jz", "晋中市商务局", PASSWORD, scope=Scope("city", frozenset({"140700"}), "晋中市"))
    at = apptest.login(supply_page("P4"), "jx", PASSWORD)
    at.text_area(key="f_note_P4_0").input("管委会核实")
    button(at, "提交审核").click().run()
    assert "已提交审核" in texts(at) and "有 1 条待审核的修改" in texts(at)
    assert GpkgStore(store.path).read_record("parcels", "P4")[0]["note"] != "管委会核实"  # not before approval
    assert not [b for b in at.button if b.label == "批准"]  # a proposer never approves
    reviewer = apptest.login(supply_page("P4"), "jz", PASSWORD)
    table = next(d.value for d in reviewer.dataframe if "提议" in d.value.columns)
    assert list(table["提议人"]) == ["介休开发区管委会"] and "管委会核实" in table["修改"][0]
    button(reviewer, "批准").click().run()
    assert not reviewer.exception, reviewer.exception
    record, version = GpkgStore(store.path).read_record("parcels", "P4")
    assert record["note"] == "管委会核实" and version == 1
    assert "待审核" not in texts(reviewer)
    visitor = supply_page("P4")
    assert "介休开发区管委会" not in texts(visitor)


def test_the_parcel_detail_shows_the_land_office_s_codes_and_the_area_check(store):
    from geodata.edits import Edit

    changes = {"parcel_code": "140781004002GB00004", "supervision_no": "1407812020B00123", "registered_area_mu": 37.0}
    store.apply_edit(Edit("parcels", "P4", changes, 0, "张三", "登记信息"))
    shown = texts(supply_page("P4")).replace("\\", "")  # md-escaped
    assert "宗地代码 140781004002GB00004 · 电子监管号 1407812020B00123" in shown
    assert "面积核对：登记 37.00 亩，按图形 36.25 亩，相差 2.1%" in shown  # 0.75 / 36.25 = 2.07 %
