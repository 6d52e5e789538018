"""Vector tiles and feature pages from the store: the rules both backends share.

The map of a province (100 000 parcels) cannot be sent to the browser as one
GeoJSON document; a web map asks instead for Mapbox Vector Tiles (one small
protobuf per tile of the Web Mercator grid, EPSG:3857) and for pages of
features (OGC API – Features). Both are answered by the store
(:meth:`geodata.store.contract.Store.tile` and ``Store.features``), each
backend through its spatial index: PostGIS with ``ST_AsMVT`` over the GiST
index, the GeoPackage through its R-tree and :func:`encode_tile` here.

What lives here, written once for both backends:

* :class:`Tile`: z/x/y checked (:class:`QueryError` for a malformed or
  out-of-range tile) and its bounds;
* which attributes a tile carries (:data:`TILE_ATTRIBUTES`: styling and a
  tooltip only, never a private field) and which columns are private
  (:data:`PRIVATE`);
* the filters a request may carry (:data:`FILTERS`), checked against the
  values the data allows (:func:`check_filters`), and the SQL ``WHERE``
  they become (:func:`where_sql`; identifiers come from this module only,
  values always travel as parameters);
* :func:`encode_tile`: shapes in EPSG:4490 → tile pixels, clipped,
  snapped to the 4096 grid (what ``ST_AsMVTGeom`` does), encoded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import mapbox_vector_tile
import numpy as np
import shapely

from geodata.schema import LAND_USES, SCHEMAS, SHANXI_CITIES, STAGES, SUPPLY_STATUSES, ZONE_LEVELS, ZONE_TYPES

EXTENT = 4096  # tile units per side
BUFFER = 64  # tile units drawn beyond each edge (strokes across tile borders)
MIN_SIZE = EXTENT // 256  # tile units of one screen pixel (a 256-pixel tile): smaller polygons are left out
MAX_ZOOM = 22
MERCATOR_HALF = 20037508.342789244  # half the width of the Web Mercator world, metres
MAX_LAT = 85.0511287798066
FEATURE_LAYERS = ("zones", "parcels", "projects")

# What a tile carries besides ``id`` (the record's key): enough to style a feature and show a tooltip.
TILE_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "zones": ("name", "short_name", "parent_id", "level", "zone_type", "city_adcode", "leading_chains"),
    "parcels": ("name", "zone_id", "supply_status", "chain", "area_mu", "is_standard_land", "land_use"),
    "projects": ("name", "zone_id", "chain", "stage", "investment_yi", "is_chain_leader"),
}
# Columns shown only to signed-in users (land holders' names, prices).
PRIVATE: dict[str, tuple[str, ...]] = {"zones": (), "parcels": ("land_holder", "land_price"), "projects": ()}
# The date a layer's ``datetime`` filter looks at (layers without one ignore no dates: they refuse the filter).
DATED: dict[str, str] = {"projects": "signed_date"}

# Filters per layer: name → how it reaches SQL ("eq": the column itself; "city": the zone's city;
# "zone_or_parent": a zone or its sub-parks; "list": an item of a ``;``-list column).
FILTERS: dict[str, dict[str, str]] = {
    "zones": {"zone_id": "zone_or_parent", "city_adcode": "eq", "chain": "list", "level": "eq", "zone_type": "eq"},
    "parcels": {"zone_id": "eq", "city_adcode": "city", "chain": "eq", "supply_status": "eq", "land_use": "eq",
                "is_standard_land": "bool"},
    "projects": {"zone_id": "eq", "city_adcode": "city", "chain": "eq", "stage": "eq", "round_id": "eq",
                 "is_chain_leader": "bool"},
}  # fmt: skip
_LIST_COLUMNS = {"chain": "leading_chains"}
_FIXED_VALUES: dict[str, tuple[str, ...]] = {
    "city_adcode": tuple(SHANXI_CITIES),
    "stage": STAGES,
    "supply_status": SUPPLY_STATUSES,
    "land_use": LAND_USES,
    "level": ZONE_LEVELS,
    "zone_type": ZONE_TYPES,
    "is_standard_land": ("true", "false"),
    "is_chain_leader": ("true", "false"),
}
# Filters whose allowed values are the stored ones: filter → (layer, column).
STORED_VALUES: dict[str, tuple[str, str]] = {
    "chain": ("chains", "name"),
    "zone_id": ("zones", "zone_id"),
    "round_id": ("rounds", "round_id"),
}


class QueryError(ValueError):
    """A request that cannot be answered as asked; the message is a Chinese sentence for the client (→ 400/404)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Tile:
    """A tile of the WebMercatorQuad grid (y down from the north-west corner)."""

    z: int
    x: int
    y: int

    @classmethod
    def parse(cls, z: str, x: str, y: str) -> Tile:
        """A tile from path text: malformed → 400, outside the grid → 404 (:class:`QueryError`)."""
        parts = []
        for name, text in (("z", z), ("x", x), ("y", y)):
            if not (isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= 8):
                raise QueryError(f"瓦片编号 {name} 应为非负整数")
            parts.append(int(text))
        tile = cls(*parts)
        if tile.z > MAX_ZOOM or tile.x >= 2**tile.z or tile.y >= 2**tile.z:
            raise QueryError(f"瓦片 {tile.z}/{tile.x}/{tile.y} 不在 WebMercatorQuad 范围内（级别 0–{MAX_ZOOM}）", 404)
        return tile

    def bounds(self, margin: float = 0.0) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) in EPSG:3857; ``margin`` in tile units (e.g. :data:`BUFFER`)."""
        size = 2 * MERCATOR_HALF / 2**self.z
        pad = size * margin / EXTENT
        minx = -MERCATOR_HALF + self.x * size
        maxy = MERCATOR_HALF - self.y * size
        return minx - pad, maxy - size - pad, minx + size + pad, maxy + pad

    def pixel_degrees(self) -> tuple[float, float]:
        """One screen pixel (:data:`MIN_SIZE` tile units) in degrees of longitude and of latitude at the tile's middle.

        A polygon whose bounding box is smaller than this both ways is left out
        of the tile (invisible at this zoom; at zoom 8 this keeps a province of
        parcels from filling a tile with specks, as tippecanoe's tiny-polygon drop).
        """
        minx, miny, maxx, maxy = self.bounds()
        lon = (maxx - minx) * MIN_SIZE / EXTENT / MERCATOR_HALF * 180.0
        return lon, lon * math.cos(math.radians(_lat((miny + maxy) / 2)))

    def lonlat_bounds(self, margin: float = 0.0) -> tuple[float, float, float, float]:
        """The same box in longitude/latitude (EPSG:4490 ≈ WGS84 at tile precision)."""
        minx, miny, maxx, maxy = self.bounds(margin)
        return (_lon(max(minx, -MERCATOR_HALF)), _lat(max(miny, -MERCATOR_HALF)),
                _lon(min(maxx, MERCATOR_HALF)), _lat(min(maxy, MERCATOR_HALF)))  # fmt: skip


def _lon(x: float) -> float:
    return x / MERCATOR_HALF * 180.0


def _lat(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y / MERCATOR_HALF * math.pi)) - math.pi / 2)


@dataclass(frozen=True)
class FeatureQuery:
    """One page of features: a box (lon/lat, EPSG:4490), filters, an optional date interval, paging, columns."""

    layer: str
    bbox: tuple[float, float, float, float] | None = None
    filters: Mapping[str, str] = field(default_factory=dict)
    dates: tuple[str | None, str | None] | None = None  # inclusive ISO dates, None: open end
    limit: int = 100
    offset: int = 0
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeaturePage:
    """Features (a GeoDataFrame in EPSG:4490, schema-typed) and how many match the query in all."""

    frame: object
    matched: int


def public_columns(layer: str, private: bool) -> tuple[str, ...]:
    """The columns a feature page shows: every schema column, private ones only when ``private``."""
    hidden = () if private else PRIVATE[layer]
    return tuple(c for c in SCHEMAS[layer].columns if c not in hidden)


def check_filters(layer: str, filters: Mapping[str, str], allowed: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """The filters, each known for ``layer`` and with an allowed value; otherwise :class:`QueryError`.

    ``allowed`` gives the stored values of :data:`STORED_VALUES` (chains, zones, rounds).
    """
    out = {}
    for name, value in filters.items():
        if name not in FILTERS[layer]:
            known = "、".join(FILTERS[layer])
            raise QueryError(f"图层 {layer} 不能按“{name}”筛选（可用：{known}）")
        values = _FIXED_VALUES.get(name) or allowed.get(name, ())
        if value not in values:
            raise QueryError(f"筛选条件 {name} 的值“{str(value)[:40]}”不存在")
        out[name] = value
    return out


def where_sql(layer: str, filters: Mapping[str, str], placeholder: str) -> tuple[list[str], list[object]]:
    """SQL conditions (columns unqualified) and their parameters for checked ``filters``.

    The SQL is the same for SQLite and PostgreSQL except the parameter ``placeholder`` (``?`` or ``%s``).
    """
    parts: list[str] = []
    args: list[object] = []
    for name, value in filters.items():
        kind = FILTERS[layer][name]
        if kind == "eq":
            parts.append(f'"{name}" = {placeholder}')
            args.append(value)
        elif kind == "bool":
            parts.append(f'"{name}" = {placeholder}')
            args.append(value == "true")
        elif kind == "city":
            parts.append(f'"zone_id" IN (SELECT "zone_id" FROM "zones" WHERE "city_adcode" = {placeholder})')
            args.append(value)
        elif kind == "zone_or_parent":
            parts.append(f'("zone_id" = {placeholder} OR "parent_id" = {placeholder})')
            args += [value, value]
        else:  # list
            parts.append(f"(';' || \"{_LIST_COLUMNS[name]}\" || ';') LIKE {placeholder} ESCAPE '!'")
            args.append("%;" + value.replace("!", "!!").replace("%", "!%").replace("_", "!_") + ";%")
    return parts, args


def date_sql(layer: str, dates: tuple[str | None, str | None] | None, placeholder: str):
    """Conditions for an inclusive date interval on the layer's dated column (ISO text compares in order)."""
    if dates is None:
        return [], []
    column = DATED[layer]
    parts, args = [f'"{column}" IS NOT NULL'], []
    if dates[0]:
        parts.append(f'"{column}" >= {placeholder}')
        args.append(dates[0])
    if dates[1]:
        parts.append(f'"{column}" <= {placeholder}')
        args.append(dates[1])
    return parts, args


# --- encoding (the GeoPackage backend; PostGIS encodes in the database) ---------------------------------------------


def to_tile_pixels(geoms: np.ndarray, tile: Tile) -> np.ndarray:
    """Lon/lat shapes as tile pixels (0…4096, y down), clipped to the buffered tile, snapped to whole pixels.

    Like ``ST_AsMVTGeom(…, 4096, 64, true)``: shapes that collapse to nothing
    at this zoom (a parcel smaller than a pixel at zoom 8) come back empty.
    """
    minx, miny, maxx, maxy = tile.bounds()
    sx, sy = EXTENT / (maxx - minx), EXTENT / (maxy - miny)

    def project(coords: np.ndarray) -> np.ndarray:
        lon = coords[:, 0]
        lat = np.clip(coords[:, 1], -MAX_LAT, MAX_LAT)
        x = lon / 180.0 * MERCATOR_HALF
        y = np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) * MERCATOR_HALF / np.pi
        return np.column_stack(((x - minx) * sx, (maxy - y) * sy))

    pixels = shapely.transform(geoms, project)
    clipped = shapely.clip_by_rect(pixels, -BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
    # MVT rings: exterior clockwise on screen, i.e. counter-clockwise in these y-down numbers
    return shapely.orient_polygons(shapely.set_precision(clipped, 1.0), exterior_cw=False)


def encode_tile(layer: str, fids: Sequence[int], properties: Sequence[dict], geoms: np.ndarray, tile: Tile) -> bytes:
    """One MVT layer named ``layer`` from lon/lat shapes and their properties (None values left out)."""
    pixels = to_tile_pixels(np.asarray(geoms, dtype=object), tile) if len(geoms) else np.array([], dtype=object)
    features = [
        {"geometry": g, "id": int(fid), "properties": {k: v for k, v in props.items() if v is not None}}
        for fid, props, g in zip(fids, properties, pixels, strict=True)
        if g is not None and not g.is_empty
    ]
    if not features:
        return b""
    return mapbox_vector_tile.encode(
        {"name": layer, "features": features},
        default_options={
            "y_coord_down": True,
            "extents": EXTENT,
            "quantize_bounds": None,
            "check_winding_order": False,
        },  # oriented above, for all shapes at once
    )
