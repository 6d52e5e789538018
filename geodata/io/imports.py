"""Importing a user's file into a layer: detect, map, convert, check — then commit all or nothing.

:func:`prepare` reads a file (:mod:`geodata.io.sources`), decides its coordinate
system (:mod:`geodata.io.crsdetect`), maps and converts its columns
(:mod:`geodata.io.fieldmap`), reprojects to CGCS2000 lon/lat, computes 亩 on the
ellipsoid, fills what can be derived (所属开发区 from the location, 所在市/县 of a
zone from the boundaries) and checks every row against the schema and the data
already in the store. The :class:`ImportPlan` it returns says what would happen,
row by row, in Chinese; nothing is written.

:func:`commit_import` writes a plan without errors through the store's contract
in one transaction — new records inserted, records with a known id updated
field by field, an import record in the audit table — so a failure changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from domain.labels import label
from domain.units import geodesic_area_mu, m2_to_mu
from geodata.io.crsdetect import (
    CRS_CHOICES,
    CrsGuess,
    crs_note,
    declared_code,
    detect_crs,
    inside_share,
    reproject,
    sample_coords,
    to_lonlat_coords,
)
from geodata.io.fieldmap import column_unit, convert_column, mapping_problems, suggest_mapping
from geodata.io.sources import RawSource, SourceError, read_source
from geodata.io.validate import place, validate_layer
from geodata.schema import CRS, SCHEMAS, SHANXI_BBOX, split_list
from geodata.store import ImportBatch, ImportRefused, Store, coerce

IMPORT_LAYERS = ("zones", "parcels", "projects")
ERROR, WARNING, INFO = "error", "warning", "info"
LEVEL_LABELS = {ERROR: "错误", WARNING: "提醒", INFO: "说明"}
_HTMLISH = re.compile(r"<\s*/?\s*[a-z!][^>]*>|javascript:|on\w+\s*=", re.I)
AREA_TOLERANCE = 0.05  # a file's own area may differ from the computed one by this share before we say so


@dataclass(frozen=True)
class Finding:
    """One thing the import noticed. ``row`` is the 1-based record number in the file (None: the whole file)."""

    level: str
    message: str
    row: int | None = None
    record_id: str | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = place(self.row, self.record_id, self.column, "条")
        return (" ".join(where) + "：" if where else "") + self.message


@dataclass(frozen=True)
class ImportOptions:
    """What the user chose; None means “detect”."""

    encoding: str | None = None
    crs: str | None = None  # a key of CRS_CHOICES
    swapped: bool | None = None
    mapping: Mapping[str, str | None] | None = None
    repair: bool = False
    source_layer: str | None = None  # layer, sheet or Shapefile in the file


@dataclass
class ImportPlan:
    """What importing a file would do (see module doc)."""

    layer: str
    filename: str
    source: RawSource
    crs: CrsGuess
    mapping: dict[str, str | None]
    frame: gpd.GeoDataFrame  # schema columns, EPSG:4490, one row per file record
    findings: list[Finding] = field(default_factory=list)
    new_ids: list[str] = field(default_factory=list)
    updated_ids: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors

    def report(self) -> pd.DataFrame:
        """The findings as a table for the UI and CLI (Chinese column names)."""
        order = {ERROR: 0, WARNING: 1, INFO: 2}
        rows = [
            {"级别": LEVEL_LABELS[f.level], "行": "" if f.row is None else str(f.row), "编号": f.record_id,
             "字段": label(f.column) if f.column else "", "说明": f.message}
            for f in sorted(self.findings, key=lambda f: (order[f.level], f.row or 0))
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=["级别", "行", "编号", "字段", "说明"]).fillna({"编号": ""})

    def summary(self) -> dict:
        """Counts and detections, as stored in the audit record and printed by the CLI."""
        return {
            "file": self.filename,
            "format": self.source.fmt,
            "layer": self.layer,
            "rows": len(self.frame),
            "new": len(self.new_ids),
            "updated": len(self.updated_ids),
            "errors": len(self.errors),
            "warnings": sum(f.level == WARNING for f in self.findings),
            "encoding": self.source.encoding,
            "crs": self.crs.code,
            "crs_label": self.crs.label,
            "swapped": self.crs.swapped,
        }


Progress = Callable[[float, str], None]


def prepare(
    path: str | Path,
    layer: str,
    existing: Mapping[str, pd.DataFrame],
    options: ImportOptions | None = None,
    name: str | None = None,
    progress: Progress | None = None,
) -> ImportPlan:
    """Read and check ``path`` for ``layer`` against the ``existing`` store frames (see module doc).

    Raises :class:`~geodata.io.sources.SourceError` when the file cannot be read at all.
    """
    if layer not in IMPORT_LAYERS:
        raise SourceError(f"只能导入开发区、地块或项目，不能导入“{layer}”。")
    options = options or ImportOptions()
    step = progress or (lambda share, text: None)
    name = name or Path(path).name
    step(0.05, "读取文件")
    raw = read_source(path, options.source_layer, options.encoding, name=name)
    if len(raw.frame) == 0:
        raise SourceError(f"文件“{name}”中没有任何记录。")
    findings = [Finding(WARNING, n) for n in raw.notes]
    schema = SCHEMAS[layer]
    table = raw.frame.drop(columns="geometry")
    geoms = np.asarray(raw.frame.geometry.values, dtype=object)

    step(0.25, "识别坐标系")
    geoms, kind_findings = _geometry_kinds(geoms, schema.geometry)
    findings += kind_findings
    guess = _crs(geoms, raw, options, existing)
    if guess.code is None:
        findings.append(Finding(ERROR, guess.reason, column="geometry"))
    else:
        if note := crs_note(guess.code):
            findings.append(Finding(WARNING, note))
        geoms = reproject(geoms, guess.code, guess.swapped)
    geoms = np.array([None if g is None else shapely.force_2d(g) for g in geoms], dtype=object)

    step(0.45, "对应字段、转换取值")
    mapping = dict(options.mapping) if options.mapping is not None else suggest_mapping(table.columns, layer)
    mapping = {c: mapping.get(c) for c in table.columns}
    findings += [Finding(ERROR, m) for m in mapping_problems(mapping, layer)]
    frame = pd.DataFrame(index=range(len(table)))
    for col, target in mapping.items():
        if not target or target not in schema.columns:
            continue
        values, problems = convert_column(schema.column(target), table[col], column_unit(col))
        frame[target] = values
        findings += [Finding(ERROR, msg, row=i + 1, column=target) for i, msg in problems]
    frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=CRS), crs=CRS)

    step(0.6, "检查几何")
    if guess.code is not None:
        findings += _check_geometries(frame, schema.geometry, options.repair)
    step(0.7, "补全可推算的字段")
    findings += _derive(frame, layer, name, existing, table, mapping)
    step(0.8, "逐行校验")
    frame = gpd.GeoDataFrame(coerce(frame, schema), geometry="geometry", crs=CRS)
    findings += _validate(frame, layer, existing, findings)
    key = schema.key
    known = set(existing[layer][key].astype(str)) if layer in existing else set()
    ids = [str(v) for v in frame[key] if v is not None]
    plan = ImportPlan(layer, name, raw, guess, mapping, frame, _with_ids(findings, frame, key))
    plan.updated_ids = [i for i in dict.fromkeys(ids) if i in known]
    plan.new_ids = [i for i in dict.fromkeys(ids) if i not in known]
    if plan.updated_ids:
        findings_note = f"{len(plan.updated_ids)} 条编号已存在，导入后将替换原记录（修改记录中可查）"
        plan.findings.append(Finding(INFO, findings_note))
    step(1.0, "完成")
    return plan


def _crs(geoms: np.ndarray, raw: RawSource, options: ImportOptions, existing) -> CrsGuess:
    coords = sample_coords([g for g in geoms if g is not None])
    region = _province(existing)
    if options.crs:
        if options.crs not in CRS_CHOICES:
            return CrsGuess(None, False, 0.0, f"不认识的坐标系“{options.crs}”")
        guess = detect_crs(coords, options.crs, region)
        if guess.code == options.crs and options.swapped is None:
            return CrsGuess(
                options.crs, guess.swapped, guess.share, "用户指定" + ("，X/Y 已交换" if guess.swapped else "")
            )
        swapped = bool(options.swapped)
        share = inside_share(to_lonlat_coords(coords, options.crs, swapped), region) if len(coords) else 0.0
        return CrsGuess(options.crs, swapped, share, "用户指定")
    return detect_crs(coords, declared_code(raw.declared_crs), region)


def _province(existing) -> object:
    admin = existing.get("admin")
    if admin is None or not len(admin):
        return None
    province = admin[admin["level"] == "province"]
    return province.geometry.iloc[0] if len(province) else None


def _geometry_kinds(geoms: np.ndarray, want: str) -> tuple[np.ndarray, list[Finding]]:
    """Keep geometries of the layer's kind; points from polygons for projects (said); others are errors."""
    out, findings = [], []
    for i, g in enumerate(geoms):
        row = i + 1
        if g is None or g.is_empty:
            findings.append(Finding(ERROR, "没有几何（图形为空）", row=row, column="geometry"))
            out.append(None)
            continue
        if g.geom_type == "GeometryCollection":
            parts = [
                p for p in g.geoms if p.geom_type in (("Point",) if want == "Point" else ("Polygon", "MultiPolygon"))
            ]
            g = shapely.union_all(parts) if parts else g
        kind = g.geom_type.replace("Multi", "")
        if want == "MultiPolygon" and kind == "Polygon":
            out.append(g)
        elif want == "Point" and kind == "Point":
            out.append(g if g.geom_type == "Point" else g.geoms[0])
            if g.geom_type == "MultiPoint" and len(g.geoms) > 1:
                findings.append(
                    Finding(WARNING, f"多点几何有 {len(g.geoms)} 个点，只取第一个", row=row, column="geometry")
                )
        elif want == "Point" and kind == "Polygon":
            out.append(g.representative_point() if g.is_valid else shapely.make_valid(g).representative_point())
            findings.append(Finding(WARNING, "项目为面，已取面内一点作为项目位置", row=row, column="geometry"))
        else:
            names = {"Point": "点", "LineString": "线", "Polygon": "面", "LinearRing": "线"}
            wanted = "项目应为点" if want == "Point" else "该图层应为面"
            message = f"几何为{names.get(kind, kind)}，{wanted}"
            findings.append(Finding(ERROR, message, row=row, column="geometry"))
            out.append(None)
    return np.array(out, dtype=object), findings


def _check_geometries(frame: gpd.GeoDataFrame, want: str, repair: bool) -> list[Finding]:
    findings = []
    minx, miny, maxx, maxy = SHANXI_BBOX
    geoms = frame.geometry.values
    for i, g in enumerate(geoms):
        if g is None:
            continue
        row = i + 1
        if not g.is_valid:
            reason = shapely.is_valid_reason(g)
            if repair:
                fixed = _polygonal(shapely.make_valid(g))
                if fixed is None or fixed.is_empty:
                    findings.append(Finding(ERROR, f"几何无效（{reason}），无法修复", row=row, column="geometry"))
                    continue
                before, after = geodesic_area_mu(g.buffer(0)), geodesic_area_mu(fixed)
                frame.geometry.values[i] = fixed
                g = fixed
                findings.append(
                    Finding(WARNING, f"几何无效（{reason}），已修复（修复后 {after:,.2f} 亩，原 {before:,.2f} 亩）",
                            row=row, column="geometry")
                )  # fmt: skip
            else:
                findings.append(
                    Finding(ERROR, f"几何无效（{reason}）：可勾选“自动修复几何”后重新检查", row=row, column="geometry")
                )
        x0, y0, x1, y1 = g.bounds
        if x0 < minx or x1 > maxx or y0 < miny or y1 > maxy:
            findings.append(
                Finding(ERROR, f"位置超出山西省范围（经度 {x0:.4f}–{x1:.4f}，纬度 {y0:.4f}–{y1:.4f}）", row=row,
                        column="geometry")
            )  # fmt: skip
    if want == "MultiPolygon":
        frame.geometry.values[:] = [
            None if g is None else (shapely.MultiPolygon([g]) if g.geom_type == "Polygon" else g)
            for g in frame.geometry
        ]
    return findings


def _polygonal(g):
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [p for p in getattr(g, "geoms", []) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else None


def _derive(frame, layer: str, filename: str, existing, table: pd.DataFrame, mapping) -> list[Finding]:
    """Fill what the file need not carry; say so."""
    findings = []
    schema = SCHEMAS[layer]
    if "outline_source" not in frame or frame["outline_source"].isna().all():
        frame["outline_source"] = "surveyed"
    if "source" not in frame or frame["source"].isna().all():
        frame["source"] = f"导入：{filename}"
    absent = [f.name for f in schema.fields if f.dtype == "bool" and f.required and
              (f.name not in frame or frame[f.name].isna().all())]  # fmt: skip
    for name in absent:
        frame[name] = False
    if absent:
        names = "、".join(label(n) for n in absent)
        findings.append(Finding(WARNING, f"文件中没有这些是/否字段，全部按“否”导入：{names}"))
    if layer == "zones":
        if "short_name" not in frame or frame["short_name"].isna().all():
            frame["short_name"] = frame.get("name")
        findings += _admin_codes(frame, existing)
    else:
        findings += _zone_ids(frame, existing)
    if layer == "parcels":
        findings += _areas(frame, table, mapping)
    for col in frame.columns:
        if col == "geometry":
            continue
        for i, v in enumerate(frame[col].tolist()):
            if isinstance(v, str) and _HTMLISH.search(v):
                findings.append(
                    Finding(WARNING, "含有网页标签或脚本样式的文字：按原文保存，显示时一律转义", row=i + 1, column=col)
                )
    return findings


def _areas(frame, table: pd.DataFrame, mapping) -> list[Finding]:
    """area_mu from the geometry on the ellipsoid; a file's own area only checks it (unit guessed if unnamed)."""
    computed = np.array([geodesic_area_mu(g) if g is not None else np.nan for g in frame.geometry])
    findings = []
    given = frame["area_mu"].astype(float).to_numpy() if "area_mu" in frame else None
    col = next((c for c, f in mapping.items() if f == "area_mu"), None)
    if given is not None and col and column_unit(col) is None:
        ratio = np.nanmedian(given / computed) if np.isfinite(computed).any() else np.nan
        for unit, factor in (("平方米", 1 / m2_to_mu(1)), ("公顷", 1 / 15)):
            if np.isfinite(ratio) and abs(ratio / factor - 1) < 0.1:
                given = given / factor
                findings.append(Finding(INFO, f"面积字段“{col}”的数值按{unit}识别，已换算为亩", column="area_mu"))
    if given is not None:
        for i, (a, b) in enumerate(zip(given, computed, strict=True)):
            if np.isfinite(a) and np.isfinite(b) and b > 0 and abs(a - b) / b > AREA_TOLERANCE:
                findings.append(
                    Finding(WARNING, f"文件中的面积 {a:,.2f} 亩与图形面积 {b:,.2f} 亩相差 {abs(a - b) / b:.0%}，"
                            "按图形面积导入", row=i + 1, column="area_mu")
                )  # fmt: skip
    frame["area_mu"] = np.round(computed, 2)
    findings.append(Finding(INFO, "面积按图形在 CGCS2000 椭球面上计算（亩）", column="area_mu"))
    return findings


def _zone_ids(frame, existing) -> list[Finding]:
    """所属开发区: ids or names (全称、简称) from the file, else the smallest zone that holds the record."""
    zones = existing.get("zones")
    if zones is None or not len(zones):
        return []
    by_name = {str(z[c]): z["zone_id"] for _, z in zones.iterrows() for c in ("zone_id", "name", "short_name")}
    findings = []
    given = frame["zone_id"].tolist() if "zone_id" in frame else [None] * len(frame)
    ordered = zones.assign(_a=shapely.area(zones.geometry.values)).sort_values("_a")  # parks before their zone
    tree = shapely.STRtree(ordered.geometry.values)
    out = []
    for i, (value, g) in enumerate(zip(given, frame.geometry, strict=True)):
        if value is not None and str(value) in by_name:
            out.append(by_name[str(value)])
            continue
        if value is not None:
            out.append(value)  # reported as a broken reference by _validate
            continue
        hit = None
        if g is not None:
            pt = g.representative_point()
            cands = sorted(tree.query(pt, predicate="intersects"))
            hit = ordered["zone_id"].iloc[cands[0]] if cands else None
        if hit is None and g is not None:
            findings.append(
                Finding(ERROR, "不在任何已有开发区范围内：请在文件中填写所属开发区（编号或名称）", row=i + 1,
                        column="zone_id")
            )  # fmt: skip
        out.append(hit)
    if "zone_id" not in frame or frame["zone_id"].isna().all():
        findings.append(Finding(INFO, "文件中没有所属开发区，已按位置归入所在的开发区（园区优先）", column="zone_id"))
    frame["zone_id"] = out
    return findings


def _admin_codes(frame, existing) -> list[Finding]:
    admin = existing.get("admin")
    if admin is None or not len(admin):
        return []
    findings = []
    for level, col in (("city", "city_adcode"), ("county", "county_adcode")):
        if col in frame and frame[col].notna().all():
            continue
        units = admin[admin["level"] == level]
        tree = shapely.STRtree(units.geometry.values)
        codes = []
        for value, g in zip(frame.get(col, [None] * len(frame)), frame.geometry, strict=True):
            if value is not None or g is None:
                codes.append(value)
                continue
            hits = tree.query(g.representative_point(), predicate="intersects")
            codes.append(units["adcode"].iloc[hits[0]] if len(hits) else None)
        frame[col] = codes
        findings.append(Finding(INFO, "按位置从行政区划补全", column=col))
    return findings


def _validate(frame, layer: str, existing, earlier: list[Finding]) -> list[Finding]:
    """Schema rules and references to the store; not repeating what was already said for a cell.

    A required field the file does not give at all is one finding for the file, not one per row.
    """
    said = {(f.row, f.column) for f in earlier if f.level == ERROR}
    schema = SCHEMAS[layer]
    absent = {f.name for f in schema.fields if f.required and (f.name not in frame or frame[f.name].isna().all())}
    findings = [
        Finding(ERROR, "文件中没有这个必填字段：请在“字段对应”中指定文件里的哪一列", column=name)
        for name in schema.columns
        if name in absent
    ]
    for p in validate_layer(frame, layer):
        if p.column == "geometry" or p.column in absent or (p.row, p.column) in said:
            continue
        findings.append(Finding(ERROR, p.message, row=p.row, record_id=p.record_id, column=p.column))
    for f in schema.fields:
        if not f.references or f.name not in frame:
            continue
        target_layer, target_col = f.references.split(".")
        target = existing.get(target_layer)
        if target is None:
            continue
        known = set(target[target_col].dropna().astype(str))
        if target_layer == layer:
            known |= set(frame[target_col].dropna().astype(str))
        for i, value in enumerate(frame[f.name].tolist()):
            if value is None or (isinstance(value, float) and value != value):
                continue
            items = split_list(value) if f.dtype == "list" else [str(value)]
            for item in items:
                if item not in known:
                    findings.append(Finding(ERROR, f"{label(target_layer)}“{item}”不存在", row=i + 1, column=f.name))
    return findings


def _with_ids(findings: list[Finding], frame, key: str) -> list[Finding]:
    ids = frame[key].tolist() if key in frame else []
    out = []
    for f in findings:
        if f.row is not None and f.record_id is None and f.row - 1 < len(ids) and ids[f.row - 1] is not None:
            f = Finding(f.level, f.message, f.row, str(ids[f.row - 1]), f.column)
        out.append(f)
    return out


# --- commit ---------------------------------------------------------------------------------------------------------


def commit_import(store: Store, plan: ImportPlan, user: str, at: dt.datetime | None = None) -> str:
    """Write ``plan`` into ``store`` in one transaction (see :meth:`Store.commit_import`); return the import's id.

    Refuses a plan with errors. Records whose id exists are updated field by
    field (their version goes up, so an editor holding the old one gets a
    conflict); the store rechecks the ids at commit time.
    """
    if not plan.ok:
        raise ImportRefused(f"有 {len(plan.errors)} 个错误，未导入任何数据。")
    batch = ImportBatch(
        layer=plan.layer,
        frame=plan.frame,
        new_ids=list(plan.new_ids),
        updated_ids=list(plan.updated_ids),
        filename=plan.filename,
        summary=plan.summary(),
        user=user,
        at=at,
    )
    return store.commit_import(batch)


def import_history(store: Store, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Past imports (newest first): when, who, file, layer, counts, CRS.

    ``names`` maps the audited account ids to display names (unknown ids are shown as stored).
    """
    names = names or {}
    out = [
        {"时间": r["at"], "导入人": names.get(r["user"], r["user"]), "导入编号": r["import_id"], "文件": r["file"],
         "图层": label(r["layer"]), "新增": r["new"], "替换": r["updated"], "坐标系": r["crs_label"],
         "编码": r["encoding"]}
        for r in store.import_records()
    ]  # fmt: skip
    return pd.DataFrame(out)
