"""数据管理 widgets: upload → detect → map fields → fill gaps → check → preview and diff → commit; exports; records.

Every choice a user makes lives in ``st.session_state`` under a key of its
widget; :func:`upload_panel` gathers them into :class:`ImportOptions` before the
file is checked, so a widget drawn further down the page (the zone, a value for
the whole file, the land-use table) re-checks the file when it changes.
Everything from the file reaches the page through ``st.dataframe`` (text, never
Markdown) or :func:`ui.format.md`.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from domain.labels import label
from geodata.dataset import Dataset
from geodata.io.crsdetect import CRS_CHOICES
from geodata.io.export import EXPORT_FORMATS, EXTENSIONS, cut_warnings, export_filename, export_layer_to
from geodata.io.imports import (
    IMPORT_LAYERS,
    ImportOptions,
    ImportPlan,
    ImportRefused,
    commit_import,
    land_use_key,
    prepare,
)
from geodata.io.matching import DECISIONS, SUSPECT, UPDATE, match_table
from geodata.io.sources import ENCODINGS, FORMATS, TEMP_PREFIXES, Limits, SourceError, local_name
from geodata.schema import LAND_USES, SCHEMAS
from geodata.store import Store, StoreError
from layers.overview import build_map
from ui.exports import export_button
from ui.format import display_value, md
from ui.mapview import draw
from ui.scope import editor_scope, editor_session, zones_in_scope

AUTO = "自动识别"
NOT_IMPORTED = "（不导入）"
PICK = "请选择"  # the placeholder while a select box is open (Streamlit's own is English)
UPLOAD_TYPES = sorted({s.lstrip(".") for s in FORMATS})
ZONE_KEY = "imp_zone"
FILL_PREFIX = "imp_fill::"
USE_PREFIX = "imp_use::"
PREVIEW_ROWS = 500


def upload_panel(data: Dataset) -> tuple[str, ImportPlan | None]:
    """Layer, file and options; returns the layer and the checked plan (None before a file is given)."""
    layer = st.radio("导入到", IMPORT_LAYERS, index=1, format_func=label, horizontal=True, key="imp_layer")
    limit = Limits.from_env().upload_mb
    st.caption(
        "支持：Shapefile（把 .shp/.shx/.dbf/.prj/.cpg 打包为 zip）、GeoPackage、KML/KMZ（奥维、Google Earth）、"
        "GeoJSON、Excel（.xlsx 或旧版 .xls，含经度/纬度、X/Y 或 WKT 列）、CSV，以及勘测定界的界址点表"
        f"（每行一个界址点：宗地号、点号、X、Y）。单个文件不超过 {limit:g} MB。"
    )
    upload = st.file_uploader("选择文件", type=UPLOAD_TYPES, key="imp_file")
    if upload is None:
        return layer, None
    body = upload.getvalue()
    c1, c2, c3 = st.columns([1, 2, 1])
    encoding = c1.selectbox("文字编码", [AUTO, *ENCODINGS], key="imp_encoding", placeholder=PICK)
    crs = c2.selectbox(
        "坐标系", [AUTO, *CRS_CHOICES], format_func=lambda c: CRS_CHOICES.get(c, c), key="imp_crs", placeholder=PICK
    )
    repair = c3.checkbox(
        "自动修复几何", key="imp_repair", help="自相交等无效几何用 make_valid 修复，修复前后面积会列出"
    )
    swapped = c3.checkbox(
        "X/Y 对调", key="imp_swap", disabled=crs == AUTO, help="仅在手动指定坐标系时使用；自动识别会自己判断"
    )
    mapping = st.session_state.get(_mapping_key(upload.name, layer))
    state = st.session_state
    options = ImportOptions(
        encoding=None if encoding == AUTO else encoding,
        crs=None if crs == AUTO else crs,
        swapped=swapped if crs != AUTO else None,
        mapping=mapping,
        repair=repair,
        source_layer=state.get("imp_source_layer"),
        zone=state.get(ZONE_KEY) if layer != "zones" else None,
        fill={k[len(FILL_PREFIX) :]: v for k, v in state.items() if str(k).startswith(FILL_PREFIX) and v},
        land_use_map=state.get(_uses_key(upload.name)) or None,
        decisions=state.get(_decisions_key(upload.name, layer)) or None,
    )
    plan = _checked(body, upload.name, layer, options, data)
    return layer, plan


def _mapping_key(name: str, layer: str) -> str:
    return f"imp_mapping::{name}::{layer}"


def _decisions_key(name: str, layer: str) -> str:
    return f"imp_decisions::{name}::{layer}"


def _uses_key(name: str) -> str:
    return f"imp_land_use_map::{name}"


def _checked(body: bytes, name: str, layer: str, options: ImportOptions, data: Dataset) -> ImportPlan | None:
    """The plan for this file and these choices, computed once (kept in the session)."""
    digest = hashlib.sha256(body).hexdigest()
    key = (digest, name, layer, repr(options), data.version)
    cached = st.session_state.get("imp_plan")
    if cached and cached[0] == key:
        return cached[1]
    bar = st.progress(0.0, text="正在检查文件…")
    existing = {n: data.layer(n) for n in ("admin", "zones", "parcels", "projects", "chains", "rounds")}
    try:
        with tempfile.TemporaryDirectory(prefix=TEMP_PREFIXES[1]) as tmp:
            path = Path(tmp) / local_name(name)
            path.write_bytes(body)
            plan = prepare(path, layer, existing, options, name=name, progress=lambda s, t: bar.progress(s, text=t))
    except SourceError as exc:
        bar.empty()
        st.error(f"不能导入：{md(exc)}")
        st.session_state.pop("imp_plan", None)
        return None
    bar.empty()
    st.session_state["imp_plan"] = (key, plan)
    return plan


def detection_panel(plan: ImportPlan) -> None:
    """What was detected, and the layers in the file to choose from."""
    src = plan.source
    c1, c2, c3 = st.columns(3)
    c1.metric("格式", src.fmt)
    c2.metric("文字编码", src.encoding or "—")
    c3.metric("记录", f"{len(plan.frame)} 条")
    if src.encoding_reason:
        st.caption(f"编码：{md(src.encoding_reason)}")
    crs_text = f"坐标系：**{md(plan.crs.label)}** — {md(plan.crs.reason)}"
    (st.info if plan.crs.code else st.error)(crs_text)
    if len(src.layers) > 1:
        st.selectbox("文件中的图层（工作表）", src.layers, key="imp_source_layer", placeholder=PICK,
                     index=src.layers.index(src.layer_name) if src.layer_name in src.layers else 0)  # fmt: skip


def mapping_editor(plan: ImportPlan) -> None:
    """Source column → schema field, editable; a change re-checks the file."""
    fields = SCHEMAS[plan.layer].columns
    names = {label(f): f for f in fields}
    table = pd.DataFrame(
        {
            "文件中的列": list(plan.mapping),
            "示例值": [_example(plan.source.frame, c) for c in plan.mapping],
            "导入为": [label(f) if f else NOT_IMPORTED for f in plan.mapping.values()],
        }
    )
    edited = st.data_editor(
        table,
        key=f"imp_map_editor::{plan.filename}::{plan.layer}",
        hide_index=True,
        width="stretch",
        disabled=["文件中的列", "示例值"],
        column_config={"导入为": st.column_config.SelectboxColumn(options=[NOT_IMPORTED, *names], required=True)},
    )
    chosen = {r["文件中的列"]: names.get(r["导入为"]) for r in edited.to_dict("records")}
    if chosen != plan.mapping:
        st.session_state[_mapping_key(plan.filename, plan.layer)] = chosen
        st.rerun()


def _example(frame: pd.DataFrame, column: str) -> str:
    values = frame[column].dropna()
    return str(values.iloc[0])[:40] if len(values) else ""


def report_panel(plan: ImportPlan) -> None:
    """Counts and the row-by-row report."""
    s = plan.summary()
    c1, c2, c3, c4, c5, c6 = st.columns(6)
    c1.metric("新增", s["new"])
    c2.metric("更新已有", s["updated"])
    c3.metric("不变", s["unchanged"])
    c4.metric("疑似重复", s["suspects"])
    c5.metric("错误", s["errors"])
    c6.metric("提醒", s["warnings"])
    if plan.ok:
        st.success(f"检查通过：可以导入 {len(plan.frame)} 条{label(plan.layer)}。")
    elif not plan.readable:
        st.error(
            f"文件无法读取：{len(plan.read_errors)} 个错误（文字编码、坐标系或几何），"
            "须修改文件或上面的选项（不会导入任何数据）。"
        )
    else:
        st.warning(
            f"文件可以读取，但还不能导入：{len(plan.fit_errors)} 处需处理。可在“字段对应”和“补齐信息”中补上"
            "（所属开发区、统一取值、用地性质对应），不会导入任何数据。"
        )
    report = plan.report()
    if len(report):
        st.dataframe(report, hide_index=True, width="stretch", height=min(420, 38 + 35 * len(report)))


def way_through_panel(plan: ImportPlan, data: Dataset, editor: dict | None = None) -> None:
    """What the file does not say, chosen for it: the zone of the whole file, one value per missing field,
    and what each land-use value of the file becomes (用地用海分类 codes recognised, 未填 otherwise)."""
    if plan.layer == "zones":
        return
    zones = zones_in_scope(editor, data.zones).sort_values("zone_id")  # only zones the editor may import into
    names = dict(zip(zones["zone_id"], zones["short_name"].fillna(zones["name"]), strict=True))
    st.selectbox(
        "所属开发区（整个文件）",
        [None, *names],
        format_func=lambda z: "按文件中的开发区或所在位置（默认）" if z is None else f"{names[z]}（{z}）",
        key=ZONE_KEY,
        placeholder=PICK,
        help="文件中没有所属开发区、图形又不在任何开发区范围内时，为整个文件指定一个开发区；"
        "文件中已写明开发区的记录不受影响。",
    )
    schema = SCHEMAS[plan.layer]
    shown = [f for f in plan.fillable if f in schema.columns] + [
        k[len(FILL_PREFIX) :] for k in st.session_state if str(k).startswith(FILL_PREFIX)
    ]
    for name in dict.fromkeys(shown):
        allowed = schema.column(name).allowed or ()
        st.selectbox(
            f"统一取值：{label(name)}",
            [None, *allowed],
            format_func=lambda v: "（不填，按文件）" if v is None else label(v),
            key=f"{FILL_PREFIX}{name}",
            placeholder=PICK,
            help="文件中这一项为空的记录，统一按这里选的值导入。",
        )
    if plan.layer == "parcels" and len(plan.land_uses):
        land_use_mapping(plan)


def land_use_mapping(plan: ImportPlan) -> None:
    """One select per land-use value of the file (at most 60 shown): 用地用海分类 code → zonemap land use."""
    st.markdown("**用地性质对应**（文件中的值 → 导入为；不认识的代码按“未填”导入）")
    key = _uses_key(plan.filename)
    chosen = dict(st.session_state.get(key) or {})
    rows = plan.land_uses.head(60).to_dict("records")
    cols = st.columns(3)
    for i, row in enumerate(rows):
        value = land_use_key(row["值"])
        title = f"“{value or '（空白）'}”· {row['识别为']} · {row['条数']} 条"
        picked = cols[i % 3].selectbox(
            md(title),
            list(LAND_USES),
            index=list(LAND_USES).index(chosen.get(value, row["导入为"])),
            format_func=label,
            key=f"{USE_PREFIX}{plan.filename}::{value}",
            placeholder=PICK,
        )
        if picked != row["导入为"] or value in chosen:
            chosen[value] = picked
    if len(plan.land_uses) > len(rows):
        st.caption(f"另有 {len(plan.land_uses) - len(rows)} 个取值按识别结果导入。")
    if chosen != (st.session_state.get(key) or {}):
        st.session_state[key] = chosen
        st.rerun()


def preview_table(plan: ImportPlan, data: Dataset) -> None:
    """The records as they would be imported (ids, generated ones marked; zone; land use; area)."""
    schema = SCHEMAS[plan.layer]
    frame = plan.frame
    key = schema.key
    generated = set(plan.generated_ids)
    status = (
        {i: "新增" for i in plan.new_ids}
        | {i: "更新" for i in plan.updated_ids}
        | {i: "不变" for i in plan.unchanged_ids}
    )
    zones = dict(zip(data.zones["zone_id"], data.zones["short_name"], strict=True))
    table = pd.DataFrame(
        {
            label(key): [("" if v is None else str(v)) for v in frame[key]],
            "编号来源": ["生成" if v in generated else "文件" for v in frame[key]],
            "导入后": [
                "跳过（疑似重复）" if row in plan.skipped_rows else status.get(str(v), "")
                for row, v in enumerate(frame[key], start=1)
            ],
            label("name"): frame["name"].astype(object).where(frame["name"].notna(), ""),
        }
    )
    if "zone_id" in frame:
        table[label("zone_id")] = [zones.get(z, z or "") for z in frame["zone_id"]]
    if plan.layer == "parcels":
        table[label("land_use")] = [label(v) for v in frame["land_use"]]
        table[label("area_mu")] = frame["area_mu"].round(2)
    st.dataframe(table.head(PREVIEW_ROWS), hide_index=True, width="stretch", height=min(400, 38 + 35 * len(table)))
    if generated:
        st.caption("“编号来源”为“生成”的记录，编号由所属开发区和图形算出：同一文件再次导入时编号不变。")


def matching_panel(plan: ImportPlan) -> None:
    """Records matched to stored ones, one choice per 疑似重复 (合并, 新增, 跳过), registered vs computed 亩.

    A change re-checks the file with the decisions (``ImportOptions.decisions``); undecided rows are skipped.
    """
    if not plan.matches and not len(plan.area_differences):
        return
    st.subheader("与已有数据对应")
    st.caption(md(plan.counts_line()))
    updates = match_table(plan.matches, None, plan.layer, UPDATE)
    by_key = updates[updates["对应依据"] != "地块编号相同"] if len(updates) else updates
    if len(by_key):
        st.caption("以下记录文件中没有本系统的编号，按宗地代码、电子监管号或图形对应到已有记录，作为更新：")
        st.dataframe(by_key, hide_index=True, width="stretch", height=min(300, 38 + 35 * len(by_key)))
    if plan.suspects:
        st.warning(
            f"{len(plan.suspects)} 条疑似重复：可能已在本系统中（同一开发区内名称相同，"
            "或已有地块为示意图形且登记面积相同）。"
            "请逐条选择：合并（用文件中的记录更新已有地块，实测图形替换示意图形）、新增、跳过。未选择的按“跳过”处理。"
        )
        key = _decisions_key(plan.filename, plan.layer)
        chosen = dict(st.session_state.get(key) or {})
        table = match_table(plan.matches, None, plan.layer, SUSPECT)
        for m, row in zip(plan.suspects[:60], table.head(60).to_dict("records"), strict=False):
            title = f"第 {m.row} 条（{m.incoming_id or ''}）→ 已有地块 {m.stored_id} · {row['对应依据']}"
            picked = st.selectbox(md(title), list(DECISIONS), index=list(DECISIONS).index(m.decision),
                                  format_func=DECISIONS.get, key=f"imp_decide::{plan.filename}::{m.row}",
                                  placeholder=PICK)  # fmt: skip
            if picked != m.decision:
                chosen[m.row] = picked
        if len(plan.suspects) > 60:
            st.caption(f"另有 {len(plan.suspects) - 60} 条疑似重复按“跳过”处理；可用命令行逐条处理。")
        if chosen != (st.session_state.get(key) or {}):
            st.session_state[key] = chosen
            st.rerun()
    if len(plan.area_differences):
        st.markdown("**面积核对**：登记面积（文件中的面积）与按图形计算的面积相差超过 1% 的记录，两者都会保存")
        st.dataframe(plan.area_differences, hide_index=True, width="stretch",
                     height=min(300, 38 + 35 * len(plan.area_differences)))  # fmt: skip


def diff_panel(plan: ImportPlan) -> None:
    """Every field a re-import changes in a stored record, old → new, before anything is written."""
    if plan.changes.empty:
        if plan.unchanged_ids:
            st.caption(f"{len(plan.unchanged_ids)} 条已有记录与文件一致，不会改动。")
        return
    st.subheader("与已有记录的差异")
    rows = []
    for change in plan.changes.to_dict("records"):
        field = change["field"]
        if field == "geometry":
            old, new = "原图形", "新图形"
        else:
            old = display_value(plan.layer, field, change["old"])
            new = display_value(plan.layer, field, change["new"])
        rows.append({"编号": change["record_id"], "字段": label(field), "原值": old, "新值": new})
    st.caption(
        f"{len(plan.updated_ids)} 条已有记录将逐字段更新（共 {len(plan.changes)} 处，每处留有修改记录）；"
        f"{len(plan.unchanged_ids)} 条不变。文件中没有的字段保留原值。"
    )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=min(400, 38 + 35 * len(rows)))


def preview_map(plan: ImportPlan, data: Dataset) -> None:
    """The file's records on the map with the existing zones, before anything is written."""
    shown = plan.frame[plan.frame.geometry.notna()]
    if shown.empty:
        return
    layers = {"admin": data.admin, "zones": data.zones, "parcels": data.parcels.iloc[0:0]}
    layers[plan.layer] = shown
    b = shown.total_bounds
    fmap = build_map(layers, focus_bounds=[[b[1], b[0]], [b[3], b[2]]])
    draw(fmap, key="imp_preview", height=460, width="stretch", returned_objects=[])


def commit_panel(store: Store, plan: ImportPlan, editor: dict | None) -> None:
    """The one button that writes, for editors, when the check passed."""
    if editor is None:
        return
    written = len(plan.frame) - len(plan.skipped_rows)
    if st.button(f"导入 {written} 条", type="primary", disabled=not plan.ok, key="imp_commit"):
        try:
            import_id = commit_import(
                store, plan, editor["username"], scope=editor_scope(editor), session=editor_session(editor)
            )
        except (ImportRefused, StoreError, OSError) as exc:
            st.error(f"导入失败，数据未改动：{md(exc)}")
            return
        st.session_state.pop("imp_plan", None)
        st.session_state["imp_flash"] = (
            f"已导入 {md(plan.filename)}：新增 {len(plan.new_ids)} 条，更新 {len(plan.updated_ids)} 条，"
            f"不变 {len(plan.unchanged_ids)} 条，跳过疑似重复 {len(plan.skipped_rows)} 条（{import_id}）。"
        )
        st.rerun()


def export_panel(data: Dataset) -> None:
    """Any layer as Excel, GeoPackage, GeoJSON or a zipped Shapefile (GBK or UTF-8, any CRS), made on request."""
    c1, c2, c3, c4 = st.columns(4)
    layer = c1.selectbox("图层", IMPORT_LAYERS, format_func=label, key="exp_layer", placeholder=PICK)
    fmt = c2.selectbox("格式", list(EXPORT_FORMATS), format_func=EXPORT_FORMATS.get, key="exp_format", placeholder=PICK)
    lonlat_only = fmt in ("xlsx", "geojson")
    choices = [c for c in CRS_CHOICES if c.startswith("EPSG:") and c != "EPSG:4326"]
    crs = c3.selectbox(
        "坐标系", choices, format_func=CRS_CHOICES.get, key="exp_crs", disabled=lonlat_only, placeholder=PICK
    )
    encoding = c4.selectbox("编码", ["GBK", "UTF-8"], key="exp_encoding", disabled=fmt != "shp", placeholder=PICK)
    frame = data.layer(layer)
    for warning in cut_warnings(frame, layer, fmt, encoding):
        st.warning(md(warning))

    def write(path: Path, progress) -> None:
        export_layer_to(data, layer, fmt, path, None if lonlat_only else crs, encoding, progress)

    name = export_filename(label(layer), EXTENSIONS[fmt])
    what = f"{label(layer)} {EXPORT_FORMATS[fmt]}"
    download = f"下载 {label(layer)}（{len(frame):,} 条）"
    inputs = (layer, fmt, crs, encoding, data.version)
    export_button(what, name, write, "exp_dl", unit="条", download=download, made_from=inputs)
