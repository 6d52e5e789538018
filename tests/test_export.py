"""台账 (.xlsx), GeoPackage and GeoJSON exports of parcels."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pyogrio
import pytest
import shapely

from domain.labels import label
from domain.supply import PIPELINE
from geodata.dataset import load_dataset
from geodata.io.export import export_filename
from geodata.io.ledger import sheet_names
from geodata.store import create_gpkg
from testing.factory import frames
from tests.files import exported

FORMULA = '=HYPERLINK("http://x","y")'
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    f = frames()
    f["parcels"].loc[0, "name"] = FORMULA
    f["parcels"].loc[1, "name"] = HOSTILE
    return load_dataset(create_gpkg(tmp_path_factory.mktemp("x") / "t.gpkg", f))


def workbook(data, parcels=None):
    parcels = data.parcels if parcels is None else parcels
    return openpyxl.load_workbook(io.BytesIO(exported(parcels, "parcels", "xlsx", zones=data.zones)))


def rows(ws):
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], r, strict=True)) for r in values[1:]]


def test_ledger_has_a_summary_and_one_sheet_per_zone(data):
    wb = workbook(data)
    assert wb.sheetnames == ["汇总", "甲", "乙园区", "介休"]
    summary = rows(wb["汇总"])
    total = summary[-1]
    assert total["开发区"] == "合计" and total["地块（宗）"] == 4 and total["其中标准地（宗）"] == 3
    assert total["面积（亩）"] == pytest.approx(1056.75) and total["面积（公顷）"] == pytest.approx(70.45)
    jx = next(r for r in summary if r["开发区"] == "介休经济技术开发区")
    assert jx["所在市"] == "晋中市" and jx["当前处于·已动工（亩）"] == 870 and jx["当前处于·储备（亩）"] == 36.25


def test_zone_sheets_have_chinese_headers_units_and_labels(data):
    ws = workbook(data)["介休"]
    header = [c.value for c in ws[1]]
    assert "面积（亩）" in header and "出让或者划拨价款（万元）" in header and "基础设施配套" in header
    assert header.index("基础设施配套") == header.index("供应状态") + 1
    records = {r["地块编号"]: r for r in rows(ws)}
    assert set(records) == {"P3", "P4", "合计（2 宗）"}
    assert header.index("面积（公顷）") == header.index("面积（亩）") + 1
    total = records["合计（2 宗）"]
    assert total["面积（亩）"] == pytest.approx(906.25) and total["面积（公顷）"] == pytest.approx(60.4167)
    assert records["P3"]["面积（公顷）"] == pytest.approx(58.0)
    assert records["P3"]["供应状态"] == "已动工" and records["P3"]["标准地"] == "否"
    assert records["P4"]["基础设施配套"] == "未达标" and records["P4"]["面积（亩）"] == 36.25
    assert ws.freeze_panes == "B2"


def test_ledger_numbers_carry_number_formats_and_the_summary_counts_ready_parcels(data):
    wb = workbook(data)
    ws = wb["汇总"]
    header = [c.value for c in ws[1]]
    last = ws[ws.max_row]
    cell = {h: c for h, c in zip(header, last, strict=True)}
    assert cell["面积（亩）"].number_format == "#,##0.00##" and cell["面积（公顷）"].number_format == "#,##0.0000"
    assert cell["地块（宗）"].number_format == "#,##0" and cell["开发区"].font.bold
    summary = rows(ws)
    ready = {r["开发区"]: r["当前处于·具备供地条件（宗）"] for r in summary}
    want = data.parcels["pipeline_stage"].eq("supply_ready")
    assert ready["合计"] == int(want.sum()) and sum(v for k, v in ready.items() if k != "合计") == ready["合计"]
    assert summary[-1]["当前处于·具备供地条件（亩）"] == pytest.approx(float(data.parcels.loc[want, "area_mu"].sum()))


def test_formulas_are_stored_as_text_and_html_unchanged(data):
    wb = workbook(data)
    cell = next(c for row in wb["甲"].iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert cell.data_type == "s" and cell.value == "'" + FORMULA
    assert any(c.value == HOSTILE for row in wb["乙园区"].iter_rows() for c in row)


def test_empty_ledger(data):
    wb = workbook(data, data.parcels.iloc[0:0])
    assert wb.sheetnames == ["汇总"]
    (total,) = rows(wb["汇总"])
    assert total["开发区"] == "合计" and total["地块（宗）"] == 0 and total["面积（亩）"] == 0


def test_sheet_names_are_valid_and_unique():
    names = sheet_names(["汇总", "a/b:c*?[x]", "a/b:c*?[x]", "汇总", "长" * 40, "长" * 40])
    assert names[:4] == ["汇总", "a_b_c___x_", "a_b_c___x_（2）", "汇总（2）"]
    assert all(len(n) <= 31 for n in names) and len(set(names)) == 6


def test_any_table_exports_without_formulas():
    import pandas as pd

    from geodata.io.export import tables_xlsx

    wb = openpyxl.load_workbook(
        io.BytesIO(tables_xlsx([("图表", pd.DataFrame({"名称": ["@SUM(A1)", "正常"], "值": [-1.5, 2]}))]))
    )
    ws = wb["图表"]
    assert ws["A2"].value == "'@SUM(A1)" and ws["A2"].data_type == "s" and ws["B2"].value == -1.5


def test_geojson_is_lon_lat_with_schema_properties(data):
    fc = json.loads(exported(data.parcels, "parcels", "geojson"))
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 4
    props = fc["features"][0]["properties"]
    assert props["parcel_id"] == "P1" and props["area_mu"] == 100.0 and props["readiness"] == "seven_plus_one"
    lon, lat = fc["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 110 < lon < 115 and 34 < lat < 41
    assert json.loads(exported(data.parcels.iloc[0:0], "parcels", "geojson"))["features"] == []


def test_gpkg_reads_back(data, tmp_path):
    path = tmp_path / "out.gpkg"
    path.write_bytes(exported(data.parcels, "parcels", "gpkg"))
    back = pyogrio.read_dataframe(path, layer="parcels")
    assert sorted(back["parcel_id"]) == ["P1", "P2", "P3", "P4"]
    assert back.set_index("parcel_id").loc["P3", "area_mu"] == 870.0 and back.crs.to_epsg() == 4490
    empty = tmp_path / "empty.gpkg"
    empty.write_bytes(exported(data.parcels.iloc[0:0], "parcels", "gpkg"))
    assert len(pyogrio.read_dataframe(empty)) == 0


def test_export_filename_dates_are_beijing_days(monkeypatch):
    import geodata.io.export as export
    from domain.clock import BEIJING

    late_utc = dt.datetime(2026, 11, 22, 17, 30, tzinfo=dt.UTC)  # 01:30 on the 23rd in Beijing
    monkeypatch.setattr(export, "beijing_today", lambda: late_utc.astimezone(BEIJING).date())
    assert export.export_filename("地块台账", "xlsx") == "地块台账_20261123.xlsx"


def test_export_filename():
    assert export_filename("地块台账", "xlsx", dt.date(2026, 11, 22)) == "地块台账_20261122.xlsx"
    assert export_filename('a/b:"c"', "gpkg", dt.date(2026, 1, 2)) == "a_b_c_20260102.gpkg"


def test_text_too_long_for_the_format_is_warned_with_where():
    import pandas as pd

    from geodata.io.export import SHP_FIELD_BYTES, XLSX_CELL_CHARS, cut_warnings

    frame = pd.DataFrame({"parcel_id": ["P1", "P2"], "note": ["短", "地" * 200]})
    (shp,) = cut_warnings(frame, "parcels", "shp", "GBK")  # 200 Chinese characters are 400 GBK bytes
    assert "备注" in shp and "P2" in shp and str(SHP_FIELD_BYTES) in shp and "P1" not in shp
    assert cut_warnings(frame, "parcels", "xlsx") == [] and cut_warnings(frame, "parcels", "geojson") == []
    frame.loc[1, "note"] = "字" * (XLSX_CELL_CHARS + 1)
    (xlsx,) = cut_warnings(frame, "parcels", "xlsx")
    assert "32,767" in xlsx and "P2" in xlsx


# --- written to a path in chunks --------------------------------------------------------------------------------------

ATTACK = "=cmd|' /C calc'!A0<script>alert(1)</script>"


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """600 synthetic parcels (about 20 a zone), a formula attack among their names."""
    from geodata.synth import write_synth

    data = load_dataset(write_synth(tmp_path_factory.mktemp("m") / "s.gpkg", 600, 60, seed=5))
    data.parcels.loc[data.parcels.index[3], "name"] = ATTACK
    data.parcels.loc[data.parcels.index[250], "note"] = "@SUM(A1)"
    return data


def export_to(data, fmt, path, layer="parcels", chunk_rows=None, encoding="UTF-8", parcels=None):
    from geodata.io.export import write_export

    seen = []
    frame = data.layer(layer) if parcels is None else parcels

    def progress(done, total):
        seen.append((done, total))

    write_export(frame, layer, fmt, path, zones=data.zones, encoding=encoding, progress=progress, chunk_rows=chunk_rows)
    return seen


def sheet_cells(path):
    """Every sheet: freeze panes, column widths, and each non-empty cell's value, type, number format and bold."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb:
        widths = {k: v.width for k, v in ws.column_dimensions.items()}
        cells = {c.coordinate: (c.value, c.data_type, c.number_format, c.font.b) for r in ws.iter_rows() for c in r
                 if c.value is not None or c.font.b}  # fmt: skip
        out[ws.title] = (ws.freeze_panes, widths, cells)
    return out


def test_the_ledger_written_to_a_path_is_the_ledger(many, tmp_path):
    seen = export_to(many, "xlsx", tmp_path / "l.xlsx", chunk_rows=100)
    parcels = many.parcels
    whole = exported(parcels, "parcels", "xlsx", zones=many.zones)  # in one chunk
    assert sheet_cells(tmp_path / "l.xlsx") == sheet_cells(io.BytesIO(whole))
    wb = openpyxl.load_workbook(tmp_path / "l.xlsx")
    assert len(wb.sheetnames) == 1 + parcels["zone_id"].nunique()
    total = rows(wb["汇总"])[-1]
    assert total["地块（宗）"] == len(parcels)
    assert total["面积（亩）"] == pytest.approx(parcels["area_mu"].sum(), abs=0.01)
    zone_rows = [r for ws in wb.worksheets[1:] for r in rows(ws)]
    totals = [r for r in zone_rows if str(r["地块编号"]).startswith("合计")]
    assert len(zone_rows) - len(totals) == len(parcels) and len(totals) == len(wb.sheetnames) - 1
    assert sum(r["面积（亩）"] for r in totals) == pytest.approx(total["面积（亩）"], abs=0.01 * len(totals))
    text = [c for ws in wb.worksheets[1:] for r in ws.iter_rows() for c in r if isinstance(c.value, str)]
    attack = next(c for c in text if c.value == "'" + ATTACK)
    assert attack.data_type == "s"  # text, whole, never a formula
    assert any(c.value == "'@SUM(A1)" and c.data_type == "s" for c in text)
    ws = wb.worksheets[1]
    header = [c.value for c in ws[1]]
    first, last = dict(zip(header, ws[2], strict=True)), dict(zip(header, ws[ws.max_row], strict=True))
    assert first["面积（亩）"].number_format == "#,##0.00##" and first["面积（公顷）"].number_format == "#,##0.0000"
    assert first["标准地"].value in ("是", "否") and first["标准地"].number_format == "General"
    assert all(c.font.b for c in last.values()) and not any(c.font.b for c in first.values())
    assert ws.freeze_panes == "B2"
    assert seen[0] == (0, len(parcels)) and seen[-1] == (len(parcels), len(parcels))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and len(seen) > 6


@pytest.mark.parametrize("fmt", ["xlsx", "geojson", "gpkg", "shp"])
def test_chunks_make_the_same_file_as_one_chunk_and_progress_reaches_the_total(many, tmp_path, fmt, monkeypatch):
    from geodata.io import export_stream

    monkeypatch.setattr(export_stream, "WIDTH_ROWS", 10)  # zone sheets longer than the rows widths look at
    small, one = tmp_path / f"small.{fmt}", tmp_path / f"one.{fmt}"
    seen = export_to(many, fmt, small, chunk_rows=7)
    whole = export_to(many, fmt, one, chunk_rows=10_000)
    total = len(many.parcels)
    for calls in (seen, whole):
        done = [d for d, _ in calls]
        assert done[0] == 0 and done == sorted(done) and calls[-1] == (total, total)
    assert len(seen) > total // 7 and len(seen) > len(whole)
    if fmt == "xlsx":
        assert sheet_cells(small) == sheet_cells(one)
    elif fmt == "geojson":
        assert small.read_bytes() == one.read_bytes()
        assert len(json.loads(small.read_bytes())["features"]) == total
    else:
        a, b = read_gis(small, tmp_path / "a"), read_gis(one, tmp_path / "b")
        assert len(a) == total and a.equals(b)


def read_gis(path, folder):
    """A GeoPackage, or the .shp inside a zipped Shapefile, read back (its .cpg gives the encoding)."""
    import zipfile

    if path.suffix == ".gpkg":
        return pyogrio.read_dataframe(path)
    zipfile.ZipFile(path).extractall(folder)
    return pyogrio.read_dataframe(next(folder.glob("*.shp")))


def test_a_filtered_frame_keeps_each_record_s_own_shape(many, tmp_path):
    part = many.parcels.iloc[[7, 3, 420]]  # an index that is neither 0, 1, 2 nor in order
    fc = json.loads(exported(part, "parcels", "geojson"))
    shapes = [shapely.geometry.shape(f["geometry"]) for f in fc["features"]]
    assert [f["properties"]["parcel_id"] for f in fc["features"]] == list(part["parcel_id"])
    assert all(s.hausdorff_distance(g) < 1e-6 for s, g in zip(shapes, part.geometry, strict=True))
    export_to(many, "gpkg", tmp_path / "p.gpkg", parcels=part)
    back = pyogrio.read_dataframe(tmp_path / "p.gpkg").set_index("parcel_id")
    for pid, geom in zip(part["parcel_id"], part.geometry, strict=True):
        assert back.loc[pid, "geometry"].hausdorff_distance(geom) < 1e-9


def test_gbk_refusal_names_the_row_and_writes_nothing(many, tmp_path):
    from geodata.io.export import ExportError

    parcels = many.parcels.copy()
    parcels.loc[parcels.index[450], "land_holder"] = "某某🎉公司"
    with pytest.raises(ExportError, match="第 451 条“QLR”含有 GBK 无法表示的字符“🎉”：请改用 UTF-8 导出。"):
        export_to(many, "shp", tmp_path / "x.zip", parcels=parcels, encoding="GBK", chunk_rows=100)
    assert not (tmp_path / "x.zip").exists()
    export_to(many, "shp", tmp_path / "ok.zip", parcels=parcels, encoding="UTF-8", chunk_rows=100)
    back = read_gis(tmp_path / "ok.zip", tmp_path / "ok")
    assert back.loc[450, "QLR"] == "某某🎉公司" and len(back) == len(parcels)


def test_other_layers_stream_to_excel_and_gbk_shapefiles(many, tmp_path):
    seen = export_to(many, "xlsx", tmp_path / "p.xlsx", layer="projects", chunk_rows=7)
    (ws,) = openpyxl.load_workbook(tmp_path / "p.xlsx").worksheets
    assert ws.max_row == 1 + len(many.projects) and seen[-1] == (len(many.projects),) * 2
    export_to(many, "shp", tmp_path / "p.zip", layer="projects", encoding="GBK", chunk_rows=7)
    back = read_gis(tmp_path / "p.zip", tmp_path / "p")
    assert list(back["XMMC"]) == list(many.projects["name"])  # Chinese names through GBK, every chunk


def test_any_table_keeps_pandas_types_in_excel():
    import pandas as pd

    from geodata.io.export import tables_xlsx

    frame = pd.DataFrame(
        {
            "名称": ["甲", None],
            "宗": pd.Series([3, 4], dtype="int64"),
            "面积（公顷）": [1.5, float("nan")],
            "是否": [True, False],
            "日期": [dt.date(2026, 11, 23), None],
            "时刻": pd.to_datetime(["2026-11-23 08:30", None]),
        }
    )
    ws = openpyxl.load_workbook(io.BytesIO(tables_xlsx([("表", frame)])))["表"]
    first, second = ws[2], ws[3]
    assert [c.value for c in first[:4]] == ["甲", 3, 1.5, True] and first[1].number_format == "#,##0"
    assert first[2].number_format == "#,##0.0000" and first[3].number_format == "General"
    assert first[4].is_date and first[4].value.date() == dt.date(2026, 11, 23)
    assert first[5].value == dt.datetime(2026, 11, 23, 8, 30)
    assert [c.value for c in second] == [None, 4, None, False, None, None]


def test_the_summary_sheet_and_the_supply_page_give_the_same_stage_figures(tmp_path):
    """One definition per figure (#25): every 当前处于/累计达到 of the workbook's 合计 is the page's funnel's."""
    from geodata.io.ledger import stage_header
    from geodata.store import SAMPLE_PATH, GpkgStore
    from stats.supply import funnel

    sample = load_dataset(GpkgStore(SAMPLE_PATH))
    total = rows(workbook(sample)["汇总"])[-1]
    page = funnel(sample.parcels).set_index("阶段")
    for stage in PIPELINE:
        shown = page.loc[label(stage)]
        assert total[stage_header(stage, "当前处于（宗）")] == shown["当前处于（宗）"]
        assert total[stage_header(stage, "当前处于（亩）")] == pytest.approx(shown["当前处于（亩）"], abs=0.01)
        assert total[stage_header(stage, "累计达到（亩）")] == pytest.approx(shown["累计达到（亩）"], abs=0.01)
    assert total["当前处于·储备（亩）"] == pytest.approx(3314.36, abs=0.01)  # not 8,807.96 (with the 5,493.60 ready)
    notes = {c.value: c.comment.text for c in workbook(sample)["汇总"][1] if c.comment}
    assert notes["当前处于·储备（亩）"].startswith("当前处于：各阶段互不重叠")
    assert notes["累计达到·已出让（亩）"].startswith("累计达到：含该阶段及以后各阶段，相邻列不能相加")
    at = [total[stage_header(s, "当前处于（亩）")] for s in PIPELINE]
    assert sum(at) == pytest.approx(total["面积（亩）"], abs=0.01)  # the 当前处于 columns add up; 累计达到 do not


def test_every_sheet_is_filtered_and_prints_a4_landscape_one_page_wide(data):
    wb = workbook(data)
    summary, zone = wb["汇总"], wb["介休"]
    assert summary.auto_filter.ref == f"A1:X{summary.max_row - 1}"  # the records, not the 合计 row
    assert zone.auto_filter.ref == f"A1:{zone.cell(1, zone.max_column).column_letter}{zone.max_row - 1}"
    for ws in wb.worksheets:
        s = ws.page_setup
        assert (s.orientation, str(s.paperSize), s.fitToWidth, s.fitToHeight) == ("landscape", "9", 1, 0)  # 9: A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$1:$1"


def test_the_ledger_carries_the_land_office_s_codes_and_registered_area(data):
    parcels = data.parcels.copy()
    at = parcels["parcel_id"] == "P4"
    parcels.loc[at, ["parcel_code", "supervision_no", "registered_area_mu"]] = ["140781004002GB00004", "DZ-7", 36.5]
    ws = workbook(data, parcels)["介休"]
    record = next(r for r in rows(ws) if r["地块编号"] == "P4")
    assert (record["宗地代码"], record["电子监管号"], record["登记面积（亩）"], record["面积（亩）"]) == (
        "140781004002GB00004", "DZ-7", 36.5, 36.25,
    )  # fmt: skip
