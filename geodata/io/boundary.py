"""界址点 tables: one row per boundary point (宗地号, 点号, X, Y) → one polygon per parcel.

勘测定界 reports and 宗地图 exports list a parcel's boundary as numbered points
(J1, J2, …) in CGCS2000 Gauss-Krüger metres, often with the zone number in
front of the easting and in the surveyors' order (X = north, Y = east). This
module only turns the points into rings; which coordinate system the numbers
are in is left to :mod:`geodata.io.crsdetect`, like any other file.

Rules, each said in a note when it applies:

* a blank 宗地号 belongs to the parcel above (merged cells in Excel);
* the points of a ring are taken in the order of their 点号 (the numeric part
  of J12 is 12); a file in another order is sorted and said, a rotation
  (J5 … J1 … J4) or the reverse order is accepted as it is;
* a last point that repeats the first (by 点号 or by coordinates) closes the
  ring and is not a corner; a ring is always closed;
* an optional 圈号 column splits a parcel into rings: rings inside the largest
  one are holes, others are further parts of a multipolygon;
* fewer than three distinct points give no geometry (the import reports it);
* the other columns (地块名称, 面积 …) take the first value given for a parcel.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from domain.values import is_blank

# Column names (normalised: lower case, no spaces, brackets or underscores).
PARCEL_NAMES = ("宗地号", "宗地编号", "宗地代码", "地块编号", "地块号", "地块代码", "zdh", "zdbh", "zddm", "dkbh",
                "dkh", "dkdm", "地块名称", "宗地名称", "dkmc", "zdmc")  # fmt: skip
POINT_NAMES = ("点号", "界址点号", "界址点", "界址点编号", "jzdh", "jzd", "dh", "点名", "jzdbh")
RING_NAMES = ("圈号", "环号", "qh", "ring")


@dataclass(frozen=True)
class PointColumns:
    """Which columns of a 界址点 table hold what."""

    parcel: str
    point: str
    x: str
    y: str
    ring: str | None = None


def _key(name: object) -> str:
    return re.sub(r"[\s_（）()\-:：]", "", str(name)).lower()


def find_columns(columns, x: str | None, y: str | None) -> PointColumns | None:
    """The columns of a 界址点 table, or None when ``columns`` are not one (no 点号 or no 宗地号 column)."""
    if not x or not y:
        return None
    keys = {_key(c): c for c in columns}
    point = next((keys[n] for n in POINT_NAMES if n in keys), None)
    parcel = next((keys[n] for n in PARCEL_NAMES if n in keys), None)
    if point is None or parcel is None:
        return None
    ring = next((keys[n] for n in RING_NAMES if n in keys), None)
    return PointColumns(parcel, point, x, y, ring)


def point_number(value: object) -> int | None:
    """The numeric part of a 点号: J12 → 12, 12 → 12, “J-3” → 3; None when there is none."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return None
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() else None
    digits = re.findall(r"\d+", str(value))
    return int(digits[-1]) if digits else None


def _number(value: object) -> float:
    if isinstance(value, str):
        value = value.strip().replace(",", "").replace("，", "")
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def order_points(numbers: list[int | None]) -> tuple[list[int], bool]:
    """Row positions of a ring's corners in boundary order, and whether the file's order had to be changed.

    The file's order stands when the 点号 run up or down, possibly starting
    anywhere (a rotation); otherwise the points are sorted by 点号. Points
    without a 点号 keep the file's order.
    """
    n = len(numbers)
    if n < 3 or any(v is None for v in numbers) or len(set(numbers)) < n:
        return list(range(n)), False
    ranks = np.argsort(np.argsort(numbers))
    steps = {int((ranks[(i + 1) % n] - ranks[i]) % n) for i in range(n)}
    if steps in ({1}, {n - 1}):  # ascending or descending, from any start
        return list(range(n)), False
    return [int(i) for i in np.argsort(numbers, kind="stable")], True


def _ring(xy: np.ndarray, numbers: list[int | None], where: str, notes: list[str]) -> np.ndarray | None:
    """A ring's corners (m × 2, not closed) or None when it has fewer than three distinct points."""
    keep = list(range(len(xy)))
    if len(keep) > 1 and (
        bool((xy[0] == xy[-1]).all()) or (numbers[0] is not None and numbers[0] == numbers[-1])
    ):  # the start point repeated at the end closes the ring
        keep = keep[:-1]
    xy, numbers = xy[keep], [numbers[i] for i in keep]
    order, changed = order_points(numbers)
    if changed:
        notes.append(f"{where}的界址点未按点号顺序排列，已按点号排序")
    xy = xy[order]
    distinct = np.unique(xy, axis=0)
    if len(distinct) < 3:
        notes.append(f"{where}只有 {len(distinct)} 个不同的界址点，无法构成地块")
        return None
    dup = [v for v, k in Counter(numbers).items() if v is not None and k > 1]  # one pass: a ring may have 200 000
    if dup:
        notes.append(f"{where}的点号 {'、'.join(map(str, sorted(dup)[:5]))} 重复出现，已按表中顺序连接")
    return xy


def _polygon(rings: list[np.ndarray]):
    """Rings → Polygon (holes inside the largest ring) or MultiPolygon (separate parts)."""
    polys = sorted((shapely.Polygon(r) for r in rings), key=lambda p: -abs(p.area))
    shell, rest = polys[0], np.array(polys[1:], dtype=object)
    shapely.prepare(shell)
    inside = shapely.contains(shell, shapely.point_on_surface(rest)) if len(rest) else np.zeros(0, dtype=bool)
    holes, parts = rest[inside], rest[~inside]
    main = shapely.Polygon(shell.exterior.coords, [h.exterior.coords for h in holes])
    return main if not len(parts) else shapely.MultiPolygon([main, *parts])


def boundary_polygons(
    table: pd.DataFrame, cols: PointColumns, notes: list[str], info: list[str] | None = None
) -> tuple[pd.DataFrame, list]:
    """One row per parcel (its attributes, 宗地号 first) and its polygon (None when it cannot be built).

    Parcels come in the order of their first point in the file; ``notes`` gets
    the warnings (see module doc), each parcel named by 宗地号, and ``info`` a
    line saying how many points made how many parcels.
    """
    info = notes if info is None else info
    parcel = table[cols.parcel].where(~table[cols.parcel].map(is_blank))
    filled = parcel.ffill()
    if parcel.isna().any() and filled.notna().any():
        info.append(f"“{cols.parcel}”为空的 {int(parcel.isna().sum())} 行按上一行的{cols.parcel}归组（合并单元格）")
    table = table.assign(**{cols.parcel: filled.map(lambda v: None if is_blank(v) else str(v).strip())})
    table = table[table[cols.parcel].notna()]
    xs = table[cols.x].map(_number).to_numpy(dtype=float)
    ys = table[cols.y].map(_number).to_numpy(dtype=float)
    finite = np.isfinite(xs) & np.isfinite(ys)
    if (~finite).any():
        rows = [str(i + 2) for i in np.flatnonzero(~finite)[:10]]  # +2: header row, 1-based
        notes.append(f"界址点表第 {'、'.join(rows)} 行的坐标不是数字，已跳过")
    table = table.assign(_x=xs, _y=ys)[finite]
    rest = [c for c in table.columns if c not in (cols.parcel, cols.point, cols.x, cols.y, cols.ring, "_x", "_y")]
    # Plain arrays in one pass (not a pandas group per parcel): 200 000 points read in seconds.
    parcel_codes, pids = pd.factorize(table[cols.parcel], sort=False)
    ring_keys = table[cols.ring].groupby(parcel_codes).ffill().fillna(1).astype(str) if cols.ring else "1"
    ring_codes, _ = pd.factorize(pd.Series(parcel_codes, index=table.index).astype(str) + "\0" + ring_keys)
    order = np.lexsort((ring_codes, parcel_codes))  # by parcel, then ring, each in order of first appearance
    xy = np.column_stack([table["_x"].to_numpy(), table["_y"].to_numpy()])[order]
    numbers = [point_number(v) for v in table[cols.point].to_numpy()[order]]
    parcel_sorted, ring_sorted = parcel_codes[order], ring_codes[order]
    starts = np.flatnonzero(np.r_[True, ring_sorted[1:] != ring_sorted[:-1]]) if len(order) else order
    ends = np.r_[starts[1:], len(order)][: len(starts)]
    rings_of: list[list[np.ndarray]] = [[] for _ in range(len(pids))]
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        k = int(parcel_sorted[a])
        ring = _ring(xy[a:b], numbers[a:b], f"第 {k + 1} 宗（{pids[k]}）", notes)
        if ring is not None:
            rings_of[k].append(ring)
    geoms = [_polygon(rings) if rings else None for rings in rings_of]
    values = table[rest].map(lambda v: None if is_blank(v) else v).astype(object)
    first = values.groupby(parcel_codes, sort=True).first().reindex(range(len(pids))).astype(object)
    first = first.where(first.notna(), None)
    records = [{cols.parcel: pid, **row} for pid, row in zip(pids, first.to_dict("records"), strict=True)]
    total = len(table)
    info.append(f"界址点表：{total} 个界址点按“{cols.parcel}”“{cols.point}”连成 {len(records)} 宗地块（首尾自动闭合）")
    return pd.DataFrame(records, columns=[cols.parcel, *rest], dtype=object), geoms
