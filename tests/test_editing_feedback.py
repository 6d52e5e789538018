"""Editing that tells you what happened (#26): the confirmation beside the form with the record's new edition,
editions counted from 第 1 版, the form in labelled sections, and a details panel in Chinese labels whose codes
are folded away and whose counts follow the filters. On testing/factory.py's hand-made frames."""

from __future__ import annotations

import pytest

from geodata.edits import Edit
from geodata.store import GpkgStore
from tests.apptest import button, login, open_page, store_with_account

PASSWORD = "correct-horse-battery"


@pytest.fixture
def store(tmp_path, monkeypatch):
    return store_with_account(tmp_path, monkeypatch, "zhangsan", "张三", PASSWORD)


def editor_on(parcel: str):
    at = open_page("pages/supply.py", supply_selected=("parcels", parcel))
    return login(at, "zhangsan", PASSWORD)


def expander(at, title: str):
    (found,) = [e for e in at.expander if e.label == title]
    return found


def in_order(node):
    """The elements under ``node`` in the page's order (a column's top to bottom, then the next column)."""
    for child in getattr(node, "children", {}).values():
        if getattr(child, "type", None) in ("markdown", "checkbox", "number_input", "date_input"):
            yield child
        yield from in_order(child)


def test_the_confirmation_appears_beside_the_form_with_the_new_edition(store):
    at = editor_on("P4")
    at.text_area(key="f_note_P4_0").input("已完成场地平整")
    button(at, "保存修改").click().run()
    assert not at.exception, at.exception
    form_box = expander(at, "编辑地块")
    assert [s.value for s in form_box.success] == ["已保存，现为第 2 版。"]
    assert [s.value for s in at.main.success] == ["已保存，现为第 2 版。"]  # once, and not at the page top
    assert GpkgStore(store.path).read_record("parcels", "P4")[1] == 1  # the store still counts changes


def test_editions_start_at_1_and_the_history_counts_the_same_way(store):
    at = editor_on("P3")
    shown = "\n".join(t.value for t in at.text) + "\n".join(c.value for c in at.caption)
    assert "地块P3（P3）· 第 1 版" in shown and "编辑基于第 1 版" in shown and "第 0 版" not in shown
    GpkgStore(store.path).apply_edit(Edit("parcels", "P3", {"plot_ratio": 1.5}, 0, "李四"))
    at = editor_on("P3")
    history = expander(at, "修改记录").dataframe[0].value
    assert history["版本"].tolist() == ["第 2 版"]
    change = int(GpkgStore(store.path).history("parcels", "P3")["change_id"][0])
    at.selectbox(key="restore_pick_P3").set_value(change).run()
    button(at, "恢复").click().run()
    assert [s.value for s in expander(at, "修改记录").success] == ["已恢复，现为第 3 版。"]
    assert GpkgStore(store.path).read_record("parcels", "P3")[1] == 2  # conflict checks keep the stored count


def test_the_form_is_grouped_in_labelled_sections(store):
    at = editor_on("P4")
    section, seen = None, {}
    for element in in_order(expander(at, "编辑地块")):
        if element.type == "markdown":
            section = element.value.strip("*")
        else:
            seen.setdefault(section, set()).add(element.key.removeprefix("f_").removesuffix("_P4_0"))
    assert {k: sorted(v) for k, v in seen.items()} == {k: sorted(v) for k, v in {
        "基础设施": ["water_supply", "drainage", "power", "road", "telecom", "gas", "heat", "leveling"],
        "区域评估": ["assess_energy", "assess_env", "assess_flood", "assess_soil_water", "assess_water_resources",
                 "assess_minerals", "assess_geohazard", "assess_seismic", "assess_heritage"],
        "指标": ["invest_intensity", "plot_ratio", "tax_per_mu", "energy_intensity", "land_price",
               "developed_share", "invested_share"],
        "日期": ["agreed_start_date", "actual_start_date"],
    }.items()}  # fmt: skip


def detail_rows(at) -> dict[str, str]:
    """字段 → 值 of the details table (the first table of the page's last column)."""
    table = at.table[0].value
    return {str(k).replace("\\", ""): str(v).replace("\\", "") for k, v in table.iloc[:, 0].items()}


def test_the_details_panel_speaks_in_labels_and_folds_the_codes(store):
    at = open_page(selected=("zones", "Z2"))
    rows = detail_rows(at)
    assert not {"开发区编号", "所在市代码", "所在县代码"} & set(rows)
    assert rows["所在市"] == "晋中市" and rows["所在县（市、区）"] == "介休市"
    codes = expander(at, "编码")
    assert not codes.proto.expanded
    folded = codes.table[0].value
    assert {str(k): str(v) for k, v in folded.iloc[:, 0].items()} == {
        "开发区编号": "Z2",
        "所在市代码": "140700",
        "所在县代码": "140781",
    }


def test_the_zone_s_parcel_count_follows_the_filters(store):
    """介休 (Z2) holds P3 (氢能) and P4 (no chain): filtered to 氢能, one of its two parcels is shown;
    its projects J4 (氢能) and J5 (none) likewise."""
    at = open_page(selected=("zones", "Z2"))
    assert detail_rows(at)["地块数"] == "2 宗"
    at.sidebar.multiselect(key="flt_chain").select("氢能").run()
    rows = detail_rows(at)
    assert rows["地块数"] == "1 宗（符合筛选；全部 2 宗）"
    assert rows["项目数"] == "1 个（符合筛选；全部 2 个）"
