"""Query parameters of the OGC API, checked: anything hostile or unknown is a :class:`QueryError` (→ 400 JSON).

Parameters are read from the query string as text and parsed here only:
numbers must be finite, boxes ordered and on the globe, limits whole numbers,
dates ISO 8601, filters known for the collection with a value the data
allows (:func:`geodata.tiles.check_filters`). Each may be given once.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence

from geodata.tiles import DATED, FILTERS, QueryError, check_filters

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CRS4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"
CRS_LIST = (CRS84, CRS4490)
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000  # larger limits are clamped to this (advertised in the OpenAPI document)
MAX_OFFSET = 10**9
WHOLE_DIGITS = 12  # a whole-number parameter longer than this is refused (400); the OpenAPI maximum says so
_NUMBER = re.compile(r"^[+-]?(\d{1,12}(\.\d{0,15})?|\.\d{1,15})([eE][+-]?\d{1,3})?$")
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$")


def single(params, allowed: Sequence[str]) -> dict[str, str]:
    """The parameters as a dict; unknown or repeated ones are refused."""
    out: dict[str, str] = {}
    for name in params:
        if name not in allowed:
            raise QueryError(f"不支持的参数“{name[:40]}”（可用：{'、'.join(allowed)}）")
        values = params.getlist(name)
        if len(values) > 1:
            raise QueryError(f"参数 {name} 只能给一次")
        out[name] = values[0]
    return out


def whole(name: str, text: str, minimum: int, maximum: int | None = None) -> int:
    """A whole number ≥ ``minimum``; above ``maximum`` clamped (OGC API – Features lets a server clamp ``limit``)."""
    if not (text.isascii() and text.isdigit() and len(text) <= WHOLE_DIGITS):
        raise QueryError(f"参数 {name} 应为不小于 {minimum} 的整数")
    value = int(text)
    if value < minimum:
        raise QueryError(f"参数 {name} 应为不小于 {minimum} 的整数")
    return min(value, maximum) if maximum is not None else value


def bbox(text: str, crs: str) -> tuple[float, float, float, float]:
    """``minLon,minLat,maxLon,maxLat`` (CRS84), or ``minLat,minLon,maxLat,maxLon`` when ``crs`` is EPSG:4490."""
    parts = text.split(",")
    if len(parts) != 4 or not all(_NUMBER.match(p.strip()) for p in parts):
        raise QueryError("参数 bbox 应为四个数：最小经度,最小纬度,最大经度,最大纬度")
    values = [float(p) for p in parts]
    if not all(math.isfinite(v) for v in values):
        raise QueryError("参数 bbox 含有非有限数值")
    if crs == CRS4490:
        values = [values[1], values[0], values[3], values[2]]
    minx, miny, maxx, maxy = values
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise QueryError("参数 bbox 超出经纬度范围（经度 −180…180，纬度 −90…90）")
    if minx > maxx or miny > maxy:
        raise QueryError("参数 bbox 的最小值大于最大值（应为 最小经度,最小纬度,最大经度,最大纬度）")
    return minx, miny, maxx, maxy


def crs(text: str | None, name: str = "crs") -> str:
    if text is None:
        return CRS84
    if text not in CRS_LIST:
        raise QueryError(f"参数 {name} 只支持 {CRS84} 与 {CRS4490}")
    return text


def datetime_interval(layer: str, text: str) -> tuple[str | None, str | None]:
    """An instant or ``start/end`` (``..`` or empty for an open end) as inclusive ISO dates."""
    if layer not in DATED:
        raise QueryError(f"集合 {layer} 没有日期，不能使用 datetime 参数")
    parts = text.split("/")
    if len(parts) > 2:
        raise QueryError("参数 datetime 应为一个时刻或“起/止”区间（RFC 3339）")
    dates = [_date(p) for p in parts]
    if len(dates) == 1:
        if dates[0] is None:
            raise QueryError("参数 datetime 应为一个时刻或“起/止”区间（RFC 3339）")
        return dates[0], dates[0]
    if dates[0] and dates[1] and dates[0] > dates[1]:
        raise QueryError("参数 datetime 的起点晚于终点")
    return dates[0], dates[1]


def _date(text: str) -> str | None:
    if text in ("", ".."):
        return None
    match = _DATE.match(text)
    if not match:
        raise QueryError("参数 datetime 应为 RFC 3339 日期或时间，如 2023-05-01 或 2023-05-01T00:00:00Z")
    try:
        return dt.date.fromisoformat(match.group(1)).isoformat()
    except ValueError as exc:
        raise QueryError("参数 datetime 中的日期不存在") from exc


def filters(layer: str, given: Mapping[str, str], allowed: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """The collection's property filters among ``given`` (other names are not filters and are left alone)."""
    return check_filters(layer, {k: v for k, v in given.items() if k in FILTERS[layer]}, allowed)
