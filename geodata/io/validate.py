"""Validate layers against their schema; every problem, in Chinese, row by row.

:func:`validate_layer` checks one frame (types, required values, allowed
values, ranges, uniqueness, geometry); :func:`validate_dataset` adds the
references between layers. Nothing stops at the first problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import shapely

from domain.labels import label
from geodata.fieldcheck import field_problem, missing
from geodata.schema import SCHEMAS, SHANXI_BBOX, LayerSchema, split_list


@dataclass(frozen=True)
class Problem:
    """One finding. ``row`` is the 1-based row number (None for layer-wide problems)."""

    layer: str
    row: int | None
    record_id: str | None
    column: str | None
    message: str

    def __str__(self) -> str:
        return " ".join([label(self.layer), *place(self.row, self.record_id, self.column, "行")]) + "：" + self.message


def place(row: int | None, record_id: str | None, column: str | None, unit: str) -> list[str]:
    """Where a finding is, in Chinese: “第 3 行”, “（P-01）”, “字段“面积（亩）””, each only when known."""
    where = []
    if row is not None:
        where.append(f"第 {row} {unit}")
    if record_id:
        where.append(f"（{record_id}）")
    if column:
        where.append(f"字段“{label(column)}”")
    return where


def validate_layer(frame: pd.DataFrame, schema: LayerSchema | str) -> list[Problem]:
    """All problems of one layer frame against its schema."""
    if isinstance(schema, str):
        schema = SCHEMAS[schema]
    problems: list[Problem] = []
    name = schema.name
    for f in schema.fields:
        if f.required and f.name not in frame.columns:
            problems.append(Problem(name, None, None, f.name, "缺少必填字段"))
    ids = frame[schema.key].tolist() if schema.key in frame.columns else [None] * len(frame)
    for f in schema.fields:
        if f.name not in frame.columns:
            continue
        for i, value in enumerate(frame[f.name].tolist()):
            if missing(value):
                if f.required:
                    problems.append(Problem(name, i + 1, _id(ids[i]), f.name, "必填，不能为空"))
                continue
            message = field_problem(f, value)
            if message:
                problems.append(Problem(name, i + 1, _id(ids[i]), f.name, message))
        if f.unique:
            values = frame[f.name]
            dup = values[values.duplicated(keep=False) & values.notna()]
            for i in dup.index:
                row = frame.index.get_loc(i) + 1
                problems.append(Problem(name, row, _id(ids[row - 1]), f.name, f"“{values[i]}”重复"))
    if schema.geometry is not None:
        problems.extend(_check_geometry(frame, schema, ids))
    return problems


def _check_geometry(frame: pd.DataFrame, schema: LayerSchema, ids: list) -> list[Problem]:
    problems = []
    if "geometry" not in frame.columns:
        return [Problem(schema.name, None, None, "geometry", "缺少几何字段")]
    want_points = schema.geometry == "Point"
    minx, miny, maxx, maxy = SHANXI_BBOX
    for i, geom in enumerate(frame["geometry"].tolist()):
        rid = _id(ids[i])
        if geom is None or geom.is_empty:
            problems.append(Problem(schema.name, i + 1, rid, "geometry", "几何为空"))
            continue
        is_point = geom.geom_type in ("Point", "MultiPoint")
        if is_point != want_points:
            want = "点" if want_points else "面"
            problems.append(Problem(schema.name, i + 1, rid, "geometry", f"几何类型为 {geom.geom_type}，应为{want}"))
            continue
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            problems.append(Problem(schema.name, i + 1, rid, "geometry", f"几何无效（{reason}）"))
        gx0, gy0, gx1, gy1 = geom.bounds
        if gx0 < minx or gx1 > maxx or gy0 < miny or gy1 > maxy:
            problems.append(
                Problem(
                    schema.name,
                    i + 1,
                    rid,
                    "geometry",
                    f"坐标超出山西省范围（经度 {gx0:.4f}–{gx1:.4f}，纬度 {gy0:.4f}–{gy1:.4f}）；"
                    "请检查坐标系或经纬度是否颠倒",
                )
            )
    return problems


def validate_dataset(frames: Mapping[str, pd.DataFrame]) -> list[Problem]:
    """Problems of every layer plus broken references between layers."""
    problems: list[Problem] = []
    for name, frame in frames.items():
        problems.extend(validate_layer(frame, SCHEMAS[name]))
    for name, frame in frames.items():
        schema = SCHEMAS[name]
        ids = frame[schema.key].tolist() if schema.key in frame.columns else [None] * len(frame)
        for f in schema.fields:
            if not f.references or f.name not in frame.columns:
                continue
            target_layer, target_col = f.references.split(".")
            if target_layer not in frames:
                continue
            known = set(frames[target_layer][target_col].dropna().astype(str))
            for i, value in enumerate(frame[f.name].tolist()):
                if missing(value):
                    continue
                items = split_list(value) if f.dtype == "list" else [str(value)]
                for item in items:
                    if item not in known:
                        problems.append(
                            Problem(name, i + 1, _id(ids[i]), f.name, f"引用的{label(target_layer)}“{item}”不存在")
                        )
    return problems


def _id(value: object) -> str | None:
    return None if missing(value) else str(value)
