"""数据管理 widgets: upload → detect → map fields → check → preview → commit; exports; import records."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from domain.labels import label
from geodata.dataset import Dataset
from geodata.io.crsdetect import CRS_CHOICES
from geodata.io.export import EXPORT_FORMATS, EXTENSIONS, ExportError, export_filename, export_layer
from geodata.io.imports import IMPORT_LAYERS, ImportOptions, ImportPlan, ImportRefused, commit_import, prepare
from geodata.io.sources import ENCODINGS, FORMATS, TEMP_PREFIXES, Limits, SourceError
from geodata.schema import SCHEMAS
from geodata.store import Store, StoreError
from layers.overview import build_map
from ui.format import md

AUTO = "自动识别"
NOT_IMPORTED = "（不导入）"
PICK = "请选择"  # the placeholder while a select box is open (Streamlit's own is English)
UPLOAD_TYPES = sorted({s.lstrip(".") for s in FORMATS})


def upload_panel(data: Dataset) -> tuple[str, ImportPlan | None]:
    """Layer, file and options; returns the layer and the checked plan (None before a file is given)."""
    layer = st.radio("导入到", IMPORT_LAYERS, index=1, format_func=label, horizontal=True, key="imp_layer")
    limit = Limits.from_env().upload_mb
    st.caption(
        "支持：Shapefile（把 .shp/.shx/.dbf/.prj/.cpg 打包为 zip）、GeoPackage、KML/KMZ（奥维、Google Earth）、"
        f"GeoJSON、Excel（.xlsx，含经度/纬度、X/Y 或 WKT 列）、CSV。单个文件不超过 {limit:g} MB。"
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
    options = ImportOptions(
        encoding=None if encoding == AUTO else encoding,
        crs=None if crs == AUTO else crs,
        swapped=swapped if crs != AUTO else None,
        mapping=mapping,
        repair=repair,
        source_layer=st.session_state.get("imp_source_layer"),
    )
    plan = _checked(body, upload.name, layer, options, data)
    return layer, plan


def _mapping_key(name: str, layer: str) -> str:
    return f"imp_mapping::{name}::{layer}"


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
            path = Path(tmp) / f"upload{Path(name).suffix.lower()}"
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
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("新增", s["new"])
    c2.metric("替换已有", s["updated"])
    c3.metric("错误", s["errors"])
    c4.metric("提醒", s["warnings"])
    if plan.ok:
        st.success(f"检查通过：可以导入 {len(plan.frame)} 条{label(plan.layer)}。")
    else:
        st.error(f"有 {len(plan.errors)} 个错误，须修改文件或上面的选项后才能导入（不会导入任何数据）。")
    report = plan.report()
    if len(report):
        st.dataframe(report, hide_index=True, width="stretch", height=min(420, 38 + 35 * len(report)))


def preview_map(plan: ImportPlan, data: Dataset) -> None:
    """The file's records on the map with the existing zones, before anything is written."""
    from streamlit_folium import st_folium

    shown = plan.frame[plan.frame.geometry.notna()]
    if shown.empty:
        return
    layers = {"admin": data.admin, "zones": data.zones, "parcels": data.parcels.iloc[0:0]}
    layers[plan.layer] = shown
    b = shown.total_bounds
    fmap = build_map(layers, focus_bounds=[[b[1], b[0]], [b[3], b[2]]])
    st_folium(fmap, key="imp_preview", height=460, width="stretch", returned_objects=[])


def commit_panel(store: Store, plan: ImportPlan, editor: dict | None) -> None:
    """The one button that writes, for editors, when the check passed."""
    if editor is None:
        return
    if st.button(f"导入 {len(plan.frame)} 条", type="primary", disabled=not plan.ok, key="imp_commit"):
        try:
            import_id = commit_import(store, plan, editor["username"])
        except (ImportRefused, StoreError, OSError) as exc:
            st.error(f"导入失败，数据未改动：{md(exc)}")
            return
        st.session_state.pop("imp_plan", None)
        st.session_state["imp_flash"] = (
            f"已导入 {plan.filename}：新增 {len(plan.new_ids)} 条，替换 {len(plan.updated_ids)} 条（{import_id}）。"
        )
        st.rerun()


def export_panel(data: Dataset) -> None:
    """Any layer as Excel, GeoPackage, GeoJSON or a zipped Shapefile (GBK or UTF-8, any CRS)."""
    c1, c2, c3, c4 = st.columns(4)
    layer = c1.selectbox("图层", IMPORT_LAYERS, format_func=label, key="exp_layer", placeholder=PICK)
    fmt = c2.selectbox("格式", list(EXPORT_FORMATS), format_func=EXPORT_FORMATS.get, key="exp_format", placeholder=PICK)
    lonlat_only = fmt in ("xlsx", "geojson")
    choices = [c for c in CRS_CHOICES if c.startswith("EPSG:") and c != "EPSG:4326"]
    crs = c3.selectbox(
        "坐标系", choices, format_func=CRS_CHOICES.get, key="exp_crs", disabled=lonlat_only, placeholder=PICK
    )
    encoding = c4.selectbox("编码", ["GBK", "UTF-8"], key="exp_encoding", disabled=fmt != "shp", placeholder=PICK)
    try:
        body = export_layer(data, layer, fmt, None if lonlat_only else crs, encoding)
    except ExportError as exc:
        st.error(md(exc))
        return
    name = export_filename(label(layer), EXTENSIONS[fmt])
    st.download_button(f"下载 {label(layer)}（{len(data.layer(layer))} 条）", body, name, key="exp_dl")
