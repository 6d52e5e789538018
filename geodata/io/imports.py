"""Importing a user's file into a layer: detect, map, convert, check — then commit all or nothing.

:func:`prepare` reads a file (:mod:`geodata.io.sources`), decides its coordinate
system (:mod:`geodata.io.crsdetect`), maps and converts its columns
(:mod:`geodata.io.fieldmap`), reprojects to CGCS2000 lon/lat, computes 亩 on the
ellipsoid, fills what can be derived (所属开发区 from the location, 所在市/县 of a
zone from the boundaries) and checks every row against the schema and the data
already in the store. The :class:`ImportPlan` it returns says what would happen,
row by row, in Chinese; nothing is written.

Findings are of two kinds. *Cannot read* (stage :data:`READ`): encoding, an
unknown coordinate system, missing, wrong-kind, invalid or misplaced
geometry — the file or the options must change. *Does not fit yet* (stage
:data:`FIT`): what our schema wants and the file does not say. For those the
plan offers a way through rather than a dead end:

* no parcel/project number → a stable id from the zone and a hash of the
  shape (:func:`generated_id`), so importing the same file again matches the
  same records;
* no land use, or a code we have no counterpart for → 未填, or what the user
  maps it to (``ImportOptions.land_use_map``); 国土空间调查、规划、用途管制
  用地用海分类 codes are recognised (:mod:`domain.landuse`);
* no zone and a shape outside every zone outline → the zone the user picks
  for the whole file (``ImportOptions.zone``), else the nearest zone within
  ``near_m`` metres (warned); farther records are listed by row;
* a required choice the file lacks (供应状态 …) → one value for the whole
  file (``ImportOptions.fill``);
* an area in the file (亩, 平方米 or 公顷, from the column name or the
  magnitude) is kept as 登记面积 and compared with the ellipsoidal area; over 1 % is said by row.

Before ids are compared, :mod:`geodata.io.matching` matches each incoming parcel
to a stored one (宗地代码, 电子监管号, then shape, schematic area or name within
the zone): a confident match takes the stored id (an update); a 疑似重复 is
merged, added or skipped as the user decides (``ImportOptions.decisions``,
default skipped). The file's own area is kept as 登记面积 (``registered_area_mu``)
beside the computed 亩; :attr:`ImportPlan.area_differences` lists those over 1 %.

Records whose id is already stored are updates: only the fields the file
carries (mapped columns, the shape and its area, and what the user chose for
the whole file) are compared with the stored record; the rest keep their
stored values. :attr:`ImportPlan.changes` lists every changed field (old →
new) for the page to show before the commit.

:func:`commit_import` writes a plan without errors through the store's contract
in one transaction — new records inserted, records with a known id updated
field by field (unchanged ones untouched), an import record in the audit table —
so a failure changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from domain.labels import label
from domain.landuse import UNFILLED, find_code
from domain.scope import Scope
from domain.units import MU_PER_HECTARE, MU_PER_KM2, area_difference_note, geodesic_area_mu, m2_to_mu
from domain.values import is_blank
from geodata.edits import encode_value
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
from geodata.io.fieldmap import column_unit, convert_column, mapping_problems, read_choice, read_number, suggest_mapping
from geodata.io.matching import SUSPECT, Match, apply_matches, decisions_summary, match_records
from geodata.io.sources import RawSource, SourceError, read_source, unforeseen
from geodata.io.validate import place, validate_layer
from geodata.schema import CRS, LAND_USES, SCHEMAS, SHANXI_BBOX, split_list
from geodata.store import ImportBatch, ImportRefused, Store, coerce

log = logging.getLogger(__name__)
IMPORT_LAYERS = ("zones", "parcels", "projects")
ERROR, WARNING, INFO = "error", "warning", "info"
READ, FIT = "read", "fit"  # cannot read the file / the file does not fit the schema yet
LEVEL_LABELS = {ERROR: "错误", WARNING: "提醒", INFO: "说明"}
STAGE_ERROR_LABELS = {READ: "无法读取", FIT: "需处理"}
_HTMLISH = re.compile(r"<\s*/?\s*[a-z!][^>]*>|javascript:|on\w+\s*=", re.I)
AREA_TOLERANCE = 0.01  # a file's own area may differ from the computed one by this share before we say so
ZONE_NEAR_M = 2000.0  # a shape outside every zone is given the nearest zone up to this far (metres)
GENERATED_KEYS = {"parcels": "parcel_id", "projects": "project_id"}  # ids made up when the file has none
LAND_USE_COLUMNS = ["值", "条数", "识别为", "导入为"]  # ImportPlan.land_uses; 导入为 holds LAND_USES keys
AREA_DIFF_COLUMNS = ["行", "地块编号", "名称", "登记面积（亩）", "图形面积（亩）", "相差"]  # area_differences
CHANGE_COLUMNS = ["record_id", "field", "old", "new"]  # ImportPlan.changes; field "geometry": the shape changed
AREA_UNITS = {"亩": 1.0, "平方米": m2_to_mu(1), "公顷": MU_PER_HECTARE, "平方公里": MU_PER_KM2}  # → 亩


@dataclass(frozen=True)
class Finding:
    """One thing the import noticed. ``row`` is the 1-based record number in the file (None: the whole file)."""

    level: str
    message: str
    row: int | None = None
    record_id: str | None = None
    column: str | None = None
    stage: str = FIT  # READ: the file cannot be read as it is; FIT: it does not fit the schema yet

    def __str__(self) -> str:
        where = place(self.row, self.record_id, self.column, "条")
        return (" ".join(where) + "：" if where else "") + self.message

    @property
    def level_label(self) -> str:
        return STAGE_ERROR_LABELS[self.stage] if self.level == ERROR else LEVEL_LABELS[self.level]


@dataclass(frozen=True)
class ImportOptions:
    """What the user chose; None means “detect”."""

    encoding: str | None = None
    crs: str | None = None  # a key of CRS_CHOICES
    swapped: bool | None = None
    mapping: Mapping[str, str | None] | None = None
    repair: bool = False
    source_layer: str | None = None  # layer, sheet or Shapefile in the file
    zone: str | None = None  # zone (id, name or short name) of every record the file gives none
    land_use_map: Mapping[str, str] | None = None  # a land-use value as written in the file → a LAND_USES key
    fill: Mapping[str, str] | None = None  # field → value for every record whose file value is blank
    near_m: float = ZONE_NEAR_M
    decisions: Mapping[int, str] | None = None  # 疑似重复 row (1-based) → merge / new / skip (geodata.io.matching)


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
    updated_ids: list[str] = field(default_factory=list)  # stored records this file changes
    unchanged_ids: list[str] = field(default_factory=list)  # stored records this file leaves as they are
    generated_ids: list[str] = field(default_factory=list)  # ids made up for records the file gives none
    land_uses: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LAND_USE_COLUMNS))
    fillable: list[str] = field(default_factory=list)  # required choice fields the file leaves blank somewhere
    carried: set[str] = field(default_factory=set)  # fields an update takes from the file
    changes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CHANGE_COLUMNS))
    matches: list[Match] = field(default_factory=list)  # incoming rows that correspond to stored records
    skipped_rows: set[int] = field(default_factory=set)  # 疑似重复 rows (1-based) left out of the write
    area_differences: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=AREA_DIFF_COLUMNS))

    @property
    def suspects(self) -> list[Match]:
        """Records that may already be stored (the user decides: merge, add as new, or skip)."""
        return [m for m in self.matches if m.kind == SUSPECT]

    def counts_line(self) -> str:
        """``新增 N 更新 N 疑似重复 N`` (the CLI's one line; 更新 counts records the file changes)."""
        return f"新增 {len(self.new_ids)} 更新 {len(self.updated_ids)} 疑似重复 {len(self.suspects)}"

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == ERROR]

    @property
    def read_errors(self) -> list[Finding]:
        """Errors that stop the file being read as it is (encoding, CRS, geometry)."""
        return [f for f in self.errors if f.stage == READ]

    @property
    def fit_errors(self) -> list[Finding]:
        """Errors of a readable file that does not fit the schema yet (fields, values, zones)."""
        return [f for f in self.errors if f.stage == FIT]

    @property
    def readable(self) -> bool:
        return not self.read_errors

    @property
    def ok(self) -> bool:
        return not self.errors

    def report(self) -> pd.DataFrame:
        """The findings as a table for the UI and CLI (Chinese column names)."""
        order = {ERROR: 0, WARNING: 1, INFO: 2}
        rows = [
            {"级别": f.level_label, "行": "" if f.row is None else str(f.row), "编号": f.record_id,
             "字段": label(f.column) if f.column else "", "说明": f.message}
            for f in sorted(self.findings, key=lambda f: (order[f.level], f.stage != READ, f.row or 0))
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
            "unchanged": len(self.unchanged_ids),
            "suspects": len(self.suspects),
            "skipped": len(self.skipped_rows),
            "decisions": decisions_summary(self.matches),
            "area_differences": len(self.area_differences),
            "generated_ids": len(self.generated_ids),
            "errors": len(self.errors),
            "read_errors": len(self.read_errors),
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
    return plan_source(raw, layer, existing, options, name, step)


def plan_source(
    raw: RawSource,
    layer: str,
    existing: Mapping[str, pd.DataFrame],
    options: ImportOptions | None = None,
    name: str | None = None,
    progress: Progress | None = None,
) -> ImportPlan:
    """:func:`prepare` for a file already read (``raw``); an unforeseen failure is a Chinese :class:`SourceError`."""
    with unforeseen(name or raw.layer_name or "", "检查"):
        return _plan_source(raw, layer, existing, options, name, progress)


def _plan_source(raw, layer, existing, options, name, progress) -> ImportPlan:
    options = options or ImportOptions()
    step = progress or (lambda share, text: None)
    name = name or raw.layer_name or ""
    if len(raw.frame) == 0:
        raise SourceError(f"文件“{name}”中没有任何记录。")
    findings = [Finding(WARNING, n, stage=READ) for n in raw.notes]
    findings += [Finding(INFO, n, stage=READ) for n in raw.info]
    schema = SCHEMAS[layer]
    table = raw.frame.drop(columns="geometry")
    geoms = np.asarray(raw.frame.geometry.values, dtype=object)

    step(0.25, "识别坐标系")
    geoms, kind_findings = _geometry_kinds(geoms, schema.geometry)
    findings += [replace(f, stage=READ) for f in kind_findings]
    guess = _crs(geoms, raw, options, existing)
    if guess.code is None:
        findings.append(Finding(ERROR, guess.reason, column="geometry", stage=READ))
    else:
        if note := crs_note(guess.code):
            findings.append(Finding(WARNING, note, stage=READ))
        geoms = reproject(geoms, guess.code, guess.swapped)
        geoms, lost = finite_shapes(geoms)
        findings += lost
    geoms = np.array([None if g is None else shapely.force_2d(g) for g in geoms], dtype=object)

    step(0.45, "对应字段、转换取值")
    mapping = dict(options.mapping) if options.mapping is not None else suggest_mapping(table.columns, layer)
    mapping = {c: mapping.get(c) for c in table.columns}
    findings += [Finding(ERROR, m) for m in mapping_problems(mapping, layer)]
    frame = pd.DataFrame(index=range(len(table)))
    special = {"land_use", "area_mu", "registered_area_mu"} if layer == "parcels" else set()
    for col, target in mapping.items():
        if not target or target not in schema.columns or target in special:
            continue
        values, problems = convert_column(schema.column(target), table[col], column_unit(col))
        frame[target] = values
        findings += [Finding(ERROR, msg, row=i + 1, column=target) for i, msg in problems]
    frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=CRS), crs=CRS)
    land_uses = pd.DataFrame(columns=LAND_USE_COLUMNS)
    if layer == "parcels":
        land_use_findings, land_uses = _land_uses(frame, table, mapping, options.land_use_map or {})
        findings += land_use_findings
    fillable = _fillable(frame, layer)
    findings += _fill(frame, layer, options.fill or {})

    step(0.6, "检查几何")
    if guess.code is not None:
        findings += [replace(f, stage=READ) for f in _check_geometries(frame, schema.geometry, options.repair)]
    step(0.7, "补全可推算的字段")
    findings += _derive(frame, layer, name, existing, table, mapping, options)
    generated = _generate_ids(frame, layer, mapping, findings)
    key = schema.key
    stored = existing.get(layer)
    step(0.75, "与已有数据对应")
    registered = frame["registered_area_mu"].tolist() if "registered_area_mu" in frame else None
    matches = match_records(frame, stored, layer, registered, options.decisions, set(generated))
    skipped = apply_matches(frame, matches, layer)
    known = set(stored[key].astype(str)) if stored is not None and len(stored) else set()
    carried = _carried(mapping, options, layer)
    _keep_stored(frame, layer, stored, carried, known)
    step(0.8, "逐行校验")
    frame = gpd.GeoDataFrame(coerce(frame, schema), geometry="geometry", crs=CRS)
    findings += _validate(frame, layer, existing, findings, set(fillable))
    ids = [str(v) for row, v in enumerate(frame[key], start=1) if v is not None and row not in skipped]
    plan = ImportPlan(layer, name, raw, guess, mapping, frame, _with_ids(findings, frame, key))
    plan.land_uses, plan.fillable, plan.carried, plan.generated_ids = land_uses, fillable, carried, generated
    plan.matches, plan.skipped_rows = matches, skipped
    if layer == "parcels":
        plan.area_differences = area_differences(frame)
    plan.new_ids = [i for i in dict.fromkeys(ids) if i not in known]
    plan.changes = record_changes(frame, stored, layer, [i for i in dict.fromkeys(ids) if i in known])
    changed = set(plan.changes["record_id"])
    plan.updated_ids = [i for i in dict.fromkeys(ids) if i in changed]
    plan.unchanged_ids = [i for i in dict.fromkeys(ids) if i in known and i not in changed]
    if plan.updated_ids or plan.unchanged_ids:
        plan.findings.append(
            Finding(INFO, f"{len(plan.updated_ids) + len(plan.unchanged_ids)} 条编号已存在：{len(plan.updated_ids)} 条"
                    f"有改动（共 {len(plan.changes)} 个字段，逐字段更新，修改记录中可查），"
                    f"{len(plan.unchanged_ids)} 条与已有记录相同、不会改动；文件中没有的字段保留原值")
        )  # fmt: skip
    plan.findings += _match_findings(plan)
    step(1.0, "完成")
    return plan


def finite_shapes(geoms: np.ndarray) -> tuple[np.ndarray, list[Finding]]:
    """``geoms`` with those holding a non-finite coordinate (a projection's inf) set to None, and an error for each."""
    coords, where = shapely.get_coordinates(geoms, return_index=True)
    lost = sorted(set(where[~np.isfinite(coords).all(axis=1)].tolist()))
    geoms = np.array(geoms, dtype=object, copy=True)
    geoms[lost] = None
    return geoms, [
        Finding(ERROR, "坐标换算为经纬度后无效（超出所识别坐标系的范围）：这条记录的坐标可能 X/Y 颠倒或与其他记录"
                "不是同一坐标系，请核对", row=i + 1, column="geometry", stage=READ)
        for i in lost
    ]  # fmt: skip


def _match_findings(plan: ImportPlan) -> list[Finding]:
    """What the matching stage found, said once each (see :mod:`geodata.io.matching`)."""
    out = []
    by_code = [m for m in plan.matches if m.kind != SUSPECT and m.how != "id"]
    if by_code:
        hows = "、".join(dict.fromkeys(m.how_label.split("（")[0] for m in by_code))
        out.append(Finding(INFO, f"{len(by_code)} 条文件中没有已有的编号，按{hows}对应到已有地块，作为更新"))
    if plan.suspects:
        skipped = len(plan.skipped_rows)
        out.append(
            Finding(WARNING, f"{len(plan.suspects)} 条疑似重复（可能已在本系统中）：请逐条选择合并、新增或跳过；"
                    f"未选择的按“跳过”处理（当前跳过 {skipped} 条），不会重复添加")
        )  # fmt: skip
    if len(plan.area_differences):
        out.append(
            Finding(WARNING, f"{len(plan.area_differences)} 条登记面积与按图形计算的面积相差超过 "
                    f"{AREA_TOLERANCE:.0%}：两者都保存（登记面积、面积），见“面积核对”", column="registered_area_mu")
        )  # fmt: skip
    return out


def area_differences(frame) -> pd.DataFrame:
    """Rows whose registered area (登记面积) and computed 亩 differ by more than :data:`AREA_TOLERANCE`."""
    if "registered_area_mu" not in frame:
        return pd.DataFrame(columns=AREA_DIFF_COLUMNS)
    rows = []
    for i, (rid, name, given, computed) in enumerate(
        zip(frame["parcel_id"], frame["name"], frame["registered_area_mu"], frame["area_mu"], strict=True)
    ):
        if area_difference_note(None if is_blank(given) else given, computed) is None:
            continue
        share = abs(given - computed) / computed
        rows.append({"行": i + 1, "地块编号": rid, "名称": name, "登记面积（亩）": round(float(given), 2),
                     "图形面积（亩）": round(float(computed), 2), "相差": f"{share:.1%}"})  # fmt: skip
    return pd.DataFrame(rows, columns=AREA_DIFF_COLUMNS)


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


def _derive(frame, layer: str, filename: str, existing, table: pd.DataFrame, mapping, options) -> list[Finding]:
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
        findings += _zone_ids(frame, existing, options)
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
    """area_mu from the geometry on the ellipsoid; a file's own area only checks it (see :func:`area_unit`)."""
    computed = np.array([geodesic_area_mu(g) if g is not None else np.nan for g in frame.geometry])
    findings = []
    col = next((c for c, f in mapping.items() if f == "registered_area_mu"), None)
    col = col or next((c for c, f in mapping.items() if f == "area_mu"), None)
    if col is not None:
        given = np.full(len(frame), np.nan)
        for i, value in enumerate(table[col].tolist()):
            if is_blank(value):
                continue
            try:
                given[i] = read_number(value)
            except (ValueError, OverflowError):
                findings.append(Finding(WARNING, f"文件中的面积“{value}”不是数字，未比较", row=i + 1, column="area_mu"))
        compared, registered = _compare_areas(col, given, computed)
        findings += compared
        frame["registered_area_mu"] = registered
    frame["area_mu"] = np.round(computed, 2)
    findings.append(Finding(INFO, "面积按图形在 CGCS2000 椭球面上计算（亩）", column="area_mu"))
    return findings


def area_unit(column: str, given: np.ndarray, computed: np.ndarray) -> tuple[str | None, str]:
    """The unit of a file's area column and how it was decided.

    A unit in the column name (“面积（公顷）”, “MJ_M2”) wins; otherwise the unit
    (亩, 平方米 or 公顷) whose conversion brings the median of the file's values
    within 10 % of the computed areas. None when no unit fits.
    """
    named = column_unit(column)
    if named in AREA_UNITS:
        return named, "按列名"
    ok = np.isfinite(given) & np.isfinite(computed) & (computed > 0) & (given > 0)
    if not ok.any():
        return None, ""
    ratio = float(np.median(given[ok] * 1.0 / computed[ok]))
    for unit in ("亩", "平方米", "公顷"):
        if abs(np.log(ratio * AREA_UNITS[unit])) < np.log(1.1):
            return unit, "按数值大小判断"
    return None, f"文件中的数值约为图形面积（亩）的 {ratio:,.3g} 倍"


def _compare_areas(column: str, given: np.ndarray, computed: np.ndarray) -> tuple[list[Finding], list]:
    """Findings on the file's area against the computed one, and the file's area in 亩 per row (None: unknown)."""
    unit, how = area_unit(column, given, computed)
    if unit is None:
        if not how:
            return [], [None] * len(given)
        return [Finding(WARNING, f"面积字段“{column}”的单位无法判断（{how}，亩、平方米、公顷都对不上），未逐条比较",
                        column="area_mu")], [None] * len(given)  # fmt: skip
    findings = []
    if unit != "亩" or how != "按列名":
        findings.append(Finding(INFO, f"面积字段“{column}”{how}为{unit}，已换算为亩后与图形面积比较", column="area_mu"))
    mu = given * AREA_UNITS[unit]
    for i, (a, b, raw) in enumerate(zip(mu, computed, given, strict=True)):
        if np.isfinite(a) and np.isfinite(b) and b > 0 and abs(a - b) / b > AREA_TOLERANCE:
            shown = f"{a:,.2f} 亩" if unit == "亩" else f"{raw:,.2f} {unit}（{a:,.2f} 亩）"
            findings.append(
                Finding(WARNING, f"文件中的面积 {shown}与按图形计算的 {b:,.2f} 亩相差 {abs(a - b) / b:.1%}，"
                        "两者都保存（登记面积与按图形计算的面积）", row=i + 1, column="area_mu")
            )  # fmt: skip
    return findings, [round(float(a), 2) if np.isfinite(a) else None for a in mu]


def _zone_lookup(zones: pd.DataFrame) -> dict[str, str]:
    """Zone id, full name and short name → zone id."""
    return {str(z[c]): z["zone_id"] for _, z in zones.iterrows() for c in ("zone_id", "name", "short_name")}


def _metric_crs(geoms) -> str:
    """The CGCS2000 3° Gauss-Krüger zone (no prefix) closest to ``geoms``: distances in metres for Shanxi."""
    xs = shapely.get_x(shapely.centroid(np.array([g for g in geoms if g is not None], dtype=object)))
    xs = xs[np.isfinite(xs)]  # an empty shape's centroid has none
    return "EPSG:4546" if len(xs) and float(np.median(xs)) < 112.5 else "EPSG:4547"


def _to_metres(geoms, code: str) -> np.ndarray:
    arr = np.array([None if g is None or g.is_empty else g for g in geoms], dtype=object)
    coords = shapely.get_coordinates(arr)
    if not len(coords):
        return arr
    x, y = Transformer.from_crs(CRS, code, always_xy=True).transform(coords[:, 0], coords[:, 1])
    return shapely.set_coordinates(arr.copy(), np.column_stack([x, y]))


def _zone_ids(frame, existing, options: ImportOptions) -> list[Finding]:
    """所属开发区: ids or names from the file, else the zone the user picked, else by location (see module doc)."""
    zones = existing.get("zones")
    if zones is None or not len(zones):
        return []
    by_name = _zone_lookup(zones)
    findings: list[Finding] = []
    chosen = None
    if options.zone:
        chosen = by_name.get(str(options.zone).strip())
        if chosen is None:
            findings.append(Finding(ERROR, f"所选的开发区“{options.zone}”不存在", column="zone_id"))
    given = frame["zone_id"].tolist() if "zone_id" in frame else [None] * len(frame)
    ordered = zones.assign(_a=shapely.area(zones.geometry.values)).sort_values("_a")  # parks before their zone
    ordered_ids = ordered["zone_id"].tolist()
    short = dict(zip(zones["zone_id"], zones["short_name"].fillna(zones["name"]), strict=True))
    tree = shapely.STRtree(ordered.geometry.values)
    metric = _metric_crs(frame.geometry)
    near_tree = None
    out, located, picked = [], 0, 0
    for i, (value, g) in enumerate(zip(given, frame.geometry, strict=True)):
        row = i + 1
        if not is_blank(value):
            out.append(by_name.get(str(value), value))  # an unknown one is reported by _validate
            continue
        inside = [] if g is None else [ordered_ids[j] for j in sorted(tree.query(g.representative_point(),
                                                                                 predicate="intersects"))]  # fmt: skip
        if chosen is not None:
            out.append(chosen)
            picked += 1
            if inside and chosen not in inside:
                findings.append(Finding(WARNING, f"图形位于“{short[inside[0]]}”范围内，按所选的“{short[chosen]}”导入",
                                        row=row, column="zone_id"))  # fmt: skip
            continue
        if inside:
            out.append(inside[0])
            located += 1
            continue
        if g is None:
            out.append(None)
            continue
        if near_tree is None:
            near_geoms = _to_metres(ordered.geometry.values, metric)
            near_tree = shapely.STRtree(near_geoms)
        j, dist = near_tree.query_nearest(_to_metres([g], metric)[0], return_distance=True, all_matches=False)
        zone_id, metres = ordered_ids[int(j[0])], float(dist[0])
        if metres <= options.near_m:
            out.append(zone_id)
            findings.append(
                Finding(WARNING, f"不在任何开发区范围内，距最近的“{short[zone_id]}”约 {metres:,.0f} 米，已归入该开发区"
                        "（如不对，请为整个文件指定所属开发区）", row=row, column="zone_id")
            )  # fmt: skip
        else:
            out.append(None)
            findings.append(
                Finding(ERROR, f"不在任何开发区范围内，距最近的“{short[zone_id]}”约 {metres / 1000:,.1f} 公里"
                        f"（超过 {options.near_m:,.0f} 米）：请为整个文件指定所属开发区（页面上的“所属开发区”，"
                        "命令行 --zone）", row=row, column="zone_id")
            )  # fmt: skip
    if picked:
        findings.append(Finding(INFO, f"{picked} 条按所选的开发区“{short[chosen]}”导入", column="zone_id"))
    if located:
        findings.append(Finding(INFO, f"{located} 条文件中没有所属开发区，已按位置归入所在的开发区（园区优先）",
                                column="zone_id"))  # fmt: skip
    frame["zone_id"] = out
    return findings


def land_use_key(value: object) -> str:
    """How a land-use value is matched in :attr:`ImportOptions.land_use_map`: NFKC text, trimmed ("" for blank)."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def read_land_use(value: object) -> tuple[str | None, str]:
    """A land-use value → (LAND_USES key or None, what it was recognised as, in Chinese).

    Our own codes, labels and spellings (M1, 工业 …) first, then the
    用地用海分类 (:func:`domain.landuse.find_code`).
    """
    text = land_use_key(value)
    if not text:
        return None, "空白"
    try:
        key = read_choice("land_use", LAND_USES, text)
        return key, label(key)
    except ValueError:
        pass
    found = find_code(text)
    if found is None:
        return None, "无法识别"
    return found.land_use, f"用地用海分类 {found.text}"


def _land_uses(frame, table: pd.DataFrame, mapping, chosen: Mapping[str, str]) -> tuple[list[Finding], pd.DataFrame]:
    """用地性质 from the file's values, the user's mapping and the 用地用海分类; 未填 where none fits."""
    col = next((c for c, f in mapping.items() if f == "land_use"), None)
    if col is None:
        frame["land_use"] = UNFILLED
        message = "文件中没有用地性质，全部按“未填”导入：可在“字段对应”中指定文件里的哪一列"
        return [Finding(WARNING, message, column="land_use")], pd.DataFrame(columns=LAND_USE_COLUMNS)
    keys = [land_use_key(v) for v in table[col].tolist()]
    findings, rows, out = [], [], [None] * len(keys)
    for text in dict.fromkeys(keys):
        where = [i for i, k in enumerate(keys) if k == text]
        key, seen = read_land_use(text)
        mapped = chosen.get(text)
        if mapped in LAND_USES:
            key = mapped
        rows.append({"值": text, "条数": len(where), "识别为": seen, "导入为": key or UNFILLED})
        for i in where:
            out[i] = key or UNFILLED
        shown = "、".join(str(i + 1) for i in where[:10]) + (" 等" if len(where) > 10 else "")
        if mapped in LAND_USES:
            continue
        if key is None and text:
            findings.append(
                Finding(WARNING, f"用地性质“{text}”（{seen}）本系统没有对应的分类，第 {shown} 条按“未填”导入："
                        "可在“用地性质对应”中指定", column="land_use")
            )  # fmt: skip
        elif key is None:
            findings.append(Finding(WARNING, f"第 {shown} 条用地性质为空，按“未填”导入", column="land_use"))
        elif seen.startswith("用地用海分类"):
            findings.append(Finding(INFO, f"用地性质“{text}”按{seen}识别为“{label(key)}”（{len(where)} 条）",
                                    column="land_use"))  # fmt: skip
    frame["land_use"] = out
    return findings, pd.DataFrame(rows, columns=LAND_USE_COLUMNS)


def _fillable(frame, layer: str) -> list[str]:
    """Required fields with allowed values that the file leaves blank in some record (one value can fill them)."""
    skip = {"land_use", "outline_source"}
    return [
        f.name
        for f in SCHEMAS[layer].fields
        if f.required and f.allowed and f.name not in skip and (f.name not in frame or frame[f.name].isna().any())
    ]


def _fill(frame, layer: str, fill: Mapping[str, str]) -> list[Finding]:
    """The user's one value per field for every record whose file value is blank."""
    findings = []
    schema = SCHEMAS[layer]
    for name, value in fill.items():
        if name not in schema.columns or is_blank(value):
            continue
        f = schema.column(name)
        try:
            value = read_choice(name, f.allowed, value) if f.allowed else str(value).strip()
        except ValueError:
            findings.append(Finding(ERROR, f"统一取值“{value}”不是允许的取值", column=name))
            continue
        blank = frame[name].isna() if name in frame else pd.Series(True, index=frame.index)
        if blank.any():
            column = frame[name] if name in frame else pd.Series(None, index=frame.index, dtype=object)
            frame[name] = column.astype(object).where(~blank, value)
            findings.append(Finding(INFO, f"{int(blank.sum())} 条按统一取值“{label(value)}”导入", column=name))
    return findings


def geometry_key(geom) -> str:
    """Ten hex digits of a hash of a shape (normalised, coordinates to 7 decimals): the same shape, the same key."""
    text = shapely.to_wkt(shapely.normalize(geom), rounding_precision=7, trim=True)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:10]


def generated_id(zone_id: str | None, geom) -> str:
    """A record id made up from its zone and its shape (``SXZG-JZ-3fa2c91b0e``): stable across re-imports.

    Without a zone (None, NaN, pandas' NA, blank) the id starts with ``DK``, never with "nan" or "None".
    """
    return f"{'DK' if is_blank(zone_id) else str(zone_id).strip()}-{geometry_key(geom)}"


def _generate_ids(frame, layer: str, mapping, findings: list[Finding]) -> list[str]:
    """Ids for records without one (parcels, projects) and names for records without one; said once each."""
    key = GENERATED_KEYS.get(layer)
    if key is None:
        return []
    ids = frame[key].tolist() if key in frame else [None] * len(frame)
    zones = frame["zone_id"].tolist() if "zone_id" in frame else [None] * len(frame)
    made = []
    for i, (value, zone, g) in enumerate(zip(ids, zones, frame.geometry, strict=True)):
        if is_blank(value) and g is not None and not g.is_empty:
            ids[i] = generated_id(zone, g)
            made.append(ids[i])
    frame[key] = ids
    if made:
        how = "文件中没有这一列" if key not in mapping.values() else f"{len(made)} 条为空"
        findings.append(
            Finding(WARNING, f"{len(made)} 条没有{label(key)}（{how}），已按所属开发区和图形生成编号（如 {made[0]}）："
                    "再次导入同一文件会对上同样的记录；图形改动后会当作新记录", column=key)
        )  # fmt: skip
    names = frame["name"].tolist() if "name" in frame else [None] * len(frame)
    unnamed = [i for i, v in enumerate(names) if is_blank(v) and not is_blank(ids[i])]
    if unnamed:
        for i in unnamed:
            names[i] = ids[i]
        frame["name"] = names
        findings.append(Finding(WARNING, f"{len(unnamed)} 条没有名称，以{label(key)}作为名称", column="name"))
    return made


def _carried(mapping, options: ImportOptions, layer: str) -> set[str]:
    """Fields an update of a stored record takes from this file (the rest keep their stored values)."""
    carried = {f for f in mapping.values() if f}
    if layer == "parcels":
        carried |= {"area_mu", "outline_source"}  # from the shape, which an update always takes
        if {"area_mu", "registered_area_mu"} & carried:
            carried.add("registered_area_mu")  # the file's own area, whichever column held it
    if options.zone:
        carried.add("zone_id")
    carried |= {f for f, v in (options.fill or {}).items() if not is_blank(v)}
    return carried


def _keep_stored(frame, layer: str, stored, carried: set[str], known: set[str]) -> None:
    """For records already stored: every field the file does not carry takes its stored value.

    An imported 未填 never replaces a stored land use.
    """
    key = SCHEMAS[layer].key
    if stored is None or not known or key not in frame:
        return
    rows = [i for i, v in enumerate(frame[key].tolist()) if v is not None and str(v) in known]
    if not rows:
        return
    by_id = stored.set_index(stored[key].astype(str))
    for col in SCHEMAS[layer].columns:
        if col == key or col not in by_id.columns:
            continue
        values = (frame[col] if col in frame else pd.Series(None, index=frame.index)).astype(object).tolist()
        for i in rows:
            old = _plain(by_id.at[str(frame[key].iloc[i]), col])
            if col not in carried or (col == "land_use" and values[i] == UNFILLED and old not in (None, UNFILLED)):
                values[i] = old
        frame[col] = values


def record_changes(frame, stored, layer: str, ids: list[str]) -> pd.DataFrame:
    """Every field of every stored record in ``ids`` that ``frame`` changes: record_id, field, old, new.

    Values are compared as the store compares them (:func:`geodata.edits.encode_value`);
    a changed shape is one row with field ``geometry`` (old and new None).
    """
    if stored is None or not ids:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    schema = SCHEMAS[layer]
    key = schema.key
    by_id = stored.set_index(stored[key].astype(str))
    rows = []
    wanted = set(ids)
    for record, geom in zip(frame.drop(columns="geometry").to_dict("records"), frame.geometry, strict=True):
        rid = None if record.get(key) is None else str(record[key])
        if rid not in wanted:
            continue
        wanted.discard(rid)  # a duplicate id is an error reported elsewhere
        old = by_id.loc[rid]
        for col in schema.columns:
            if col == key or col not in record:
                continue
            if encode_value(record[col]) != encode_value(old.get(col)):
                rows.append({"record_id": rid, "field": col, "old": _plain(old.get(col)), "new": _plain(record[col])})
        if schema.geometry and "geometry" in by_id and not _same_shape(old["geometry"], geom):
            rows.append({"record_id": rid, "field": "geometry", "old": None, "new": None})
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS, dtype=object)


def _plain(value: object) -> object:
    """A stored value as plain Python (NaN/NA → None, NumPy scalars unwrapped), bools kept as bools."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    return encode_value(value)


def _same_shape(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(shapely.equals_exact(shapely.set_precision(a, 1e-9), shapely.set_precision(b, 1e-9), 1e-9))


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


def _validate(frame, layer: str, existing, earlier: list[Finding], fillable: set[str]) -> list[Finding]:
    """Schema rules and references to the store; not repeating what was already said for a cell.

    A required field the file does not give at all is one finding for the file, not one per row.
    """
    said = {(f.row, f.column) for f in earlier if f.level == ERROR}
    schema = SCHEMAS[layer]
    derived = ("area_mu", "zone_id", schema.key)  # what a record without a shape cannot get: said once, as geometry
    said |= {(row, column) for row, geo in list(said) if geo == "geometry" for column in derived}
    absent = {f.name for f in schema.fields if f.required and (f.name not in frame or frame[f.name].isna().all())}
    absent -= {column for _, column in said}  # already said row by row (e.g. no zone within reach)
    ask = "文件中没有这个必填字段：请在“字段对应”中指定文件里的哪一列"
    hint = "，或为整个文件统一选一个值（页面上的“统一取值”，命令行 --fill 字段=值）"
    findings = [
        Finding(ERROR, ask + (hint if name in fillable else ""), column=name)
        for name in schema.columns
        if name in absent
    ]  # fmt: skip
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
            f = replace(f, record_id=str(ids[f.row - 1]))
        out.append(f)
    return out


# --- commit ---------------------------------------------------------------------------------------------------------


def commit_import(
    store: Store,
    plan: ImportPlan,
    user: str,
    at: dt.datetime | None = None,
    scope: Scope | None = None,
    session: str | None = None,
) -> str:
    """Write ``plan`` into ``store`` in one transaction (see :meth:`Store.commit_import`); return the import's id.

    Refuses a plan with errors. Records whose id exists are updated field by
    field (their version goes up, so an editor holding the old one gets a
    conflict); records the file does not change are not touched; the store
    rechecks the ids at commit time.
    """
    if not plan.ok:
        raise ImportRefused(f"有 {len(plan.errors)} 个错误，未导入任何数据。")
    frame = plan.frame
    if plan.skipped_rows:  # 疑似重复 the user left out: not written, not checked against the scope
        keep = [row not in plan.skipped_rows for row in range(1, len(frame) + 1)]
        frame = frame[keep]
    batch = ImportBatch(
        layer=plan.layer,
        frame=frame,
        new_ids=list(plan.new_ids),
        updated_ids=[*plan.updated_ids, *plan.unchanged_ids],  # the store writes only changed fields
        filename=plan.filename,
        summary=plan.summary(),
        user=user,
        at=at,
        scope=scope,
        session=session,
    )
    return store.commit_import(batch)


def import_history(store: Store, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Past imports (newest first): when, who, file, layer, counts, CRS.

    ``names`` maps the audited account ids to display names (unknown ids are shown as stored).
    """
    names = names or {}
    out = [
        {"时间": r["at"], "导入人": names.get(r["user"], r["user"]), "导入编号": r["import_id"], "文件": r["file"],
         "图层": label(r["layer"]), "新增": r["new"], "更新": r["updated"],
         "跳过（疑似重复）": r.get("skipped", 0), "坐标系": r["crs_label"],
         "编码": r["encoding"]}
        for r in store.import_records()
    ]  # fmt: skip
    return pd.DataFrame(out)
