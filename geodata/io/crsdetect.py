"""Which coordinate system a file's numbers are in, and turning them into CGCS2000 lon/lat.

Chinese GIS files come in CGCS2000 or Xi'an 1980 Gauss-Krüger (3° or 6° zones,
eastings with or without the zone number in front, and surveyors' X = north,
Y = east order), in lon/lat (CGCS2000, WGS84, GCJ-02 from 高德/腾讯) or in Web
Mercator. The numbers alone tell most of these apart: every candidate is tried
in both axis orders and scored by the share of sample points that fall in
Shanxi. A declared CRS (``.prj``, GeoPackage, GeoJSON ``crs``) wins when its
points land in Shanxi. What the numbers cannot tell — CGCS2000 from Xi'an 1980
(tens of metres), WGS84 from GCJ-02 (a few hundred metres) — is listed as an
alternative the user can pick.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS as ProjCRS
from pyproj import Transformer

from domain.coords import gcj02_to_wgs84
from geodata.schema import CRS, SHANXI_BBOX

GCJ02 = "GCJ02"
# Every choice offered to the user, in order of preference when the numbers fit several equally.
CRS_CHOICES: dict[str, str] = {
    "EPSG:4490": "CGCS2000 经纬度",
    "EPSG:4326": "WGS84 经纬度（GPS、奥维、Google Earth）",
    GCJ02: "GCJ-02 经纬度（高德、腾讯地图）",
    "EPSG:4525": "CGCS2000 3度带 第37带（坐标带带号）",
    "EPSG:4526": "CGCS2000 3度带 第38带（坐标带带号）",
    "EPSG:4546": "CGCS2000 3度带 中央经线111°（无带号）",
    "EPSG:4547": "CGCS2000 3度带 中央经线114°（无带号）",
    "EPSG:4497": "CGCS2000 6度带 第19带（坐标带带号）",
    "EPSG:4498": "CGCS2000 6度带 第20带（坐标带带号）",
    "EPSG:4508": "CGCS2000 6度带 中央经线111°（无带号）",
    "EPSG:4509": "CGCS2000 6度带 中央经线117°（无带号）",
    "EPSG:2361": "西安80 3度带 第37带（坐标带带号）",
    "EPSG:2362": "西安80 3度带 第38带（坐标带带号）",
    "EPSG:2382": "西安80 3度带 中央经线111°（无带号）",
    "EPSG:2383": "西安80 3度带 中央经线114°（无带号）",
    "EPSG:2333": "西安80 6度带 第19带（坐标带带号）",
    "EPSG:2334": "西安80 6度带 第20带（坐标带带号）",
    "EPSG:2344": "西安80 6度带 中央经线111°（无带号）",
    "EPSG:2345": "西安80 6度带 中央经线117°（无带号）",
    "EPSG:3857": "Web 墨卡托（EPSG:3857）",
}
# Same numbers, different datum: the numbers cannot tell these apart.
_TWINS = {
    "EPSG:4490": ("EPSG:4326", GCJ02),
    **{f"EPSG:{c}": (f"EPSG:{x}",) for c, x in zip(
        (4525, 4526, 4546, 4547, 4497, 4498, 4508, 4509),
        (2361, 2362, 2382, 2383, 2333, 2334, 2344, 2345),
        strict=True,
    )},
}  # fmt: skip
XIAN80_NOTE = "西安80 与 CGCS2000 之间没有公开的转换参数，按椭球换算，误差可达数十米"
SAMPLE_POINTS = 500


@dataclass(frozen=True)
class CrsGuess:
    """The detected (or chosen) coordinate system of a file's coordinates."""

    code: str | None  # a key of CRS_CHOICES, or None when nothing fits
    swapped: bool  # the file's x is north (surveyors' X) / latitude
    share: float  # share of sample points inside Shanxi with this choice
    reason: str  # Chinese: how it was decided
    alternatives: tuple[str, ...] = ()  # other codes that fit the numbers as well

    @property
    def label(self) -> str:
        if self.code is None:
            return "未识别"
        return CRS_CHOICES.get(self.code, self.code) + ("（X/Y 顺序颠倒，已交换）" if self.swapped else "")


def sample_coords(geoms, limit: int = SAMPLE_POINTS) -> np.ndarray:
    """Up to ``limit`` vertices spread over the geometries (n × 2)."""
    coords = shapely.get_coordinates(np.asarray(geoms, dtype=object))
    coords = coords[np.isfinite(coords).all(axis=1)]
    if len(coords) > limit:
        coords = coords[np.linspace(0, len(coords) - 1, limit).astype(int)]
    return coords


def to_lonlat_coords(coords: np.ndarray, code: str, swapped: bool = False) -> np.ndarray:
    """File coordinates (n × 2) in ``code`` → CGCS2000 lon/lat."""
    xy = coords[:, ::-1] if swapped else coords
    if code == GCJ02:
        lon, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])
    if code in ("EPSG:4490", "EPSG:4326"):  # CGCS2000 ≈ WGS84 at map precision (centimetres)
        return xy.astype(float)
    t = _transformer(code)
    lon, lat = t.transform(xy[:, 0], xy[:, 1], errcheck=False)
    return np.column_stack([lon, lat])


@functools.lru_cache(maxsize=128)
def _transformer(code: str) -> Transformer:
    """One transformer per candidate CRS, made once (20–40 ms each; pyproj 3.1+ transformers are thread-safe, so
    the app's sessions share them): :func:`detect_crs` scores every candidate on each file."""
    return Transformer.from_crs(code, CRS, always_xy=True)


def inside_share(lonlat: np.ndarray, region=None) -> float:
    """Share of points inside ``region`` (a shapely polygon) or Shanxi's box."""
    if not len(lonlat):
        return 0.0
    ok = np.isfinite(lonlat).all(axis=1)
    minx, miny, maxx, maxy = SHANXI_BBOX
    inside = ok & (lonlat[:, 0] >= minx) & (lonlat[:, 0] <= maxx) & (lonlat[:, 1] >= miny) & (lonlat[:, 1] <= maxy)
    if region is not None and inside.any():
        pts = shapely.points(lonlat[inside])
        inside[np.flatnonzero(inside)] = shapely.contains_xy(region, lonlat[inside, 0], lonlat[inside, 1]) | (
            shapely.distance(region, pts) < 0.02
        )
    return float(inside.mean())


def _score(coords: np.ndarray, code: str, swapped: bool, region) -> float:
    try:
        return inside_share(to_lonlat_coords(coords, code, swapped), region)
    except Exception:  # a projection that cannot take these numbers
        return 0.0


def declared_code(crs) -> str | None:
    """An EPSG code (``EPSG:nnnn``) for a declared CRS (pyproj CRS, WKT or string), or None."""
    if crs is None:
        return None
    try:
        proj = ProjCRS.from_user_input(crs)
    except Exception:
        return None
    match = proj.to_epsg(min_confidence=70)
    if match:
        return f"EPSG:{match}"
    name = proj.name.lower()
    if "gcj" in name:
        return GCJ02
    return proj.to_wkt()


def detect_crs(coords: np.ndarray, declared: str | None = None, region=None) -> CrsGuess:
    """Decide the CRS of ``coords`` (sample of a file's vertices); see the module doc.

    ``declared`` is what the file says (``EPSG:nnnn``, a WKT, or None);
    ``region`` an optional Shanxi polygon to score with instead of its box.
    """
    if not len(coords):
        return CrsGuess(None, False, 0.0, "文件中没有坐标")
    if declared:
        for swapped in (False, True):
            share = _score(coords, declared, swapped, region)
            if share >= 0.9:
                name = CRS_CHOICES.get(declared, ProjCRS.from_user_input(declared).name if "EPSG" in declared else "")
                how = "，X/Y 顺序颠倒已交换" if swapped else ""
                return CrsGuess(
                    declared, swapped, share, f"按文件声明的坐标系 {name or declared}{how}", _TWINS.get(declared, ())
                )
    scores = [
        (code, swapped, _score(coords, code, swapped, region)) for code in CRS_CHOICES for swapped in (False, True)
    ]
    best = max(s for _, _, s in scores)
    xs, ys = coords[:, 0], coords[:, 1]
    ranges = f"X {xs.min():,.4f}–{xs.max():,.4f}，Y {ys.min():,.4f}–{ys.max():,.4f}"
    note = "；文件声明的坐标系与坐标不符，已按坐标数值判断" if declared else ""
    if best < 0.5:
        return CrsGuess(None, False, best, f"无法识别坐标系：坐标范围 {ranges}，任何常用坐标系下都不在山西省内{note}")
    fits = [(c, s) for c, s, score in scores if score >= best - 0.02]
    code, swapped = fits[0]
    twins = set(_TWINS.get(code, ()))
    others = tuple(dict.fromkeys(c for c, _ in fits[1:] if c != code and c not in twins))
    reason = f"按坐标数值判断（{ranges}）{note}"
    if swapped:
        reason += "；X/Y（经纬度）顺序颠倒，已交换"
    if others:
        reason += "；也可能是：" + "、".join(CRS_CHOICES[c] for c in others) + "，请核对"
    return CrsGuess(code, swapped, best, reason, (*others, *_TWINS.get(code, ())))


def reproject(geoms, code: str, swapped: bool = False) -> np.ndarray:
    """Geometries (array) from ``code`` (and axis order) to CGCS2000 lon/lat."""
    arr = np.array(geoms, dtype=object, copy=True)
    coords = shapely.get_coordinates(arr)
    if not len(coords):
        return arr
    return shapely.set_coordinates(arr, to_lonlat_coords(coords, code, swapped))


def crs_note(code: str | None) -> str | None:
    """A caveat to show with a chosen CRS, if any."""
    if code and code.startswith("EPSG:23"):
        return XIAN80_NOTE
    if code == GCJ02:
        return "GCJ-02 坐标已按公开算法纠偏为 CGCS2000/WGS84（精度约 1 米）"
    return None
