"""The OGC API endpoints (Features part 1 and 2, Tiles with Mapbox Vector Tiles) as Starlette routes.

Every handler reads through the :class:`~geodata.store.contract.Store`
contract, so both backends serve the same API. A handler either answers or
raises :class:`~geodata.tiles.QueryError`; :func:`_guarded` turns that into
a 4xx JSON body (``{"code", "description"}``, the description a Chinese
sentence), a store failure into 503 and anything else into a 500 with no
details (those go to the log). ``ZONEMAP_OGC_API=off`` makes every path 404.

Tiles and feature pages carry an ETag made from the store's data version
(:meth:`Store.version`) and the request, with ``Cache-Control: no-cache``: a
browser asks again each time and gets ``304`` until someone saves an edit.
Encoded tiles are also kept in the process by that ETag (:class:`TileCache`),
for the next office that asks for the same tile.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from urllib.parse import urlencode

import shapely
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from domain.labels import label
from geodata.schema import SCHEMAS, SHANXI_BBOX
from geodata.settings import ogc_api_enabled
from geodata.store.contract import Store
from geodata.store.errors import StoreError
from geodata.tiles import (
    DATED,
    EXTENT,
    FEATURE_LAYERS,
    FILTERS,
    MAX_ZOOM,
    TILE_ATTRIBUTES,
    FeatureQuery,
    QueryError,
    Tile,
    check_filters,
    public_columns,
)
from ogc import params
from ogc.openapi import openapi_document

log = logging.getLogger(__name__)
MVT = "application/vnd.mapbox-vector-tile"
GEOJSON = "application/geo+json"
WEB_MERCATOR_QUAD = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
]
_FORMATS = {"json", "geojson"}
TILE_CACHE_BYTES = 64 * 1024 * 1024  # encoded tiles kept per process (a zoom-11 tile over a dense zone is ~0.7 MB)


def routes(
    open_store: Callable[[], Store],
    visitor: Callable[[Request], bool] = lambda request: True,
    prefix: str = "/ogc",
    tile_cache_bytes: int = TILE_CACHE_BYTES,
) -> list[BaseRoute]:
    """The OGC API under ``prefix``: ``open_store()`` gives the store for a request (called per request);
    ``visitor(request)`` False shows private fields (land holders, prices) in feature pages, never in tiles;
    ``tile_cache_bytes``: encoded tiles kept in this process (0: none)."""
    api = _Api(open_store, visitor, prefix.rstrip("/"), tile_cache_bytes)
    p = api.prefix
    table = [
        (p, api.landing),
        (p + "/", api.landing),
        (p + "/api", api.openapi),
        (p + "/conformance", api.conformance),
        (p + "/collections", api.collections),
        (p + "/collections/{cid}", api.collection),
        (p + "/collections/{cid}/items", api.items),
        (p + "/collections/{cid}/items/{fid}", api.item),
        (p + "/collections/{cid}/tiles", api.tilesets),
        (p + "/collections/{cid}/tiles/WebMercatorQuad", api.tileset),
        (p + "/collections/{cid}/tiles/WebMercatorQuad/{z}/{y}/{x}", api.tile),
        (p + "/{rest:path}", api.not_found),
    ]
    return [Route(path, _guarded(handler), methods=["GET", "HEAD"]) for path, handler in table]


def _error(status: int, description: str) -> JSONResponse:
    code = {400: "InvalidParameterValue", 404: "NotFound", 503: "ServiceUnavailable"}.get(status, "ServerError")
    return JSONResponse({"code": code, "description": description}, status_code=status)


def _guarded(handler):
    """4xx JSON for refused requests, 503 for a store that cannot answer, 500 without details otherwise."""

    @functools.wraps(handler)
    def endpoint(request: Request) -> Response:
        if not ogc_api_enabled():
            return _error(404, "OGC API 已关闭（ZONEMAP_OGC_API=off）")
        try:
            return handler(request)
        except QueryError as exc:
            return _error(exc.status, str(exc))
        except StoreError as exc:
            log.error("OGC API %s: %s", request.url.path, exc)
            return _error(503, str(exc))
        except Exception:
            log.exception("OGC API %s failed", request.url.path)
            return _error(500, "服务器内部错误，请稍后再试（详情见服务器日志）")

    return endpoint


def _json(body: dict, media_type: str = "application/json", headers: dict | None = None) -> Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return Response(text, media_type=media_type, headers=headers)


class _Api:
    def __init__(self, open_store: Callable[[], Store], visitor: Callable[[Request], bool], prefix: str, cache: int):
        self.open_store = open_store
        self.visitor = visitor
        self.prefix = prefix
        self._values: tuple[str, dict] | None = None  # (data version, allowed filter values)
        self._lock = threading.Lock()
        self.tiles = TileCache(cache)

    # --- helpers ---------------------------------------------------------------------------------------------------

    def base(self, request: Request) -> str:
        return str(request.base_url).rstrip("/") + self.prefix

    def allowed(self, store: Store, version: str) -> dict:
        """The stored values filters may take, read again when the data version moves."""
        with self._lock:
            cached = self._values
        if cached is None or cached[0] != version:
            cached = (version, store.filter_values())
            with self._lock:
                self._values = cached
        return cached[1]

    @staticmethod
    def layer(request: Request) -> str:
        cid = request.path_params["cid"]
        if cid not in FEATURE_LAYERS:
            raise QueryError(f"没有集合“{cid[:40]}”（可用：{'、'.join(FEATURE_LAYERS)}）", 404)
        return cid

    def collection_doc(self, base: str, layer: str) -> dict:
        doc = {
            "id": layer,
            "title": label(layer),
            "description": SCHEMAS[layer].doc,
            "itemType": "feature",
            "crs": list(params.CRS_LIST),
            "storageCrs": params.CRS4490,
            "extent": {"spatial": {"bbox": [list(SHANXI_BBOX)], "crs": params.CRS84}},
            "links": [
                {"rel": "self", "type": "application/json", "href": f"{base}/collections/{layer}"},
                {"rel": "items", "type": GEOJSON, "href": f"{base}/collections/{layer}/items"},
                {"rel": "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", "type": "application/json",
                 "href": f"{base}/collections/{layer}/tiles"},
            ],
        }  # fmt: skip
        if layer in DATED:
            doc["extent"]["temporal"] = {
                "interval": [[None, None]],
                "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
            }
        return doc

    # --- Features --------------------------------------------------------------------------------------------------

    def landing(self, request: Request) -> Response:
        base = self.base(request)
        return _json({
            "title": "开发区一张图 OGC API",
            "description": "山西省开发区、地块（标准地）与“三个一批”项目：OGC API – Features 与矢量瓦片（只读）",
            "links": [
                {"rel": "self", "type": "application/json", "href": f"{base}/"},
                {"rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0", "href": f"{base}/api"},
                {"rel": "conformance", "type": "application/json", "href": f"{base}/conformance"},
                {"rel": "data", "type": "application/json", "href": f"{base}/collections"},
            ],
        })  # fmt: skip

    def openapi(self, request: Request) -> Response:
        return _json(openapi_document(self.base(request)), "application/vnd.oai.openapi+json;version=3.0")

    def conformance(self, request: Request) -> Response:
        return _json({"conformsTo": CONFORMANCE})

    def collections(self, request: Request) -> Response:
        base = self.base(request)
        return _json({
            "links": [{"rel": "self", "type": "application/json", "href": f"{base}/collections"}],
            "collections": [self.collection_doc(base, layer) for layer in FEATURE_LAYERS],
        })  # fmt: skip

    def collection(self, request: Request) -> Response:
        return _json(self.collection_doc(self.base(request), self.layer(request)))

    def items(self, request: Request) -> Response:
        layer = self.layer(request)
        names = ["f", "bbox", "bbox-crs", "limit", "offset", "crs", *FILTERS[layer]] + (
            ["datetime"] if layer in DATED else []
        )
        given = params.single(request.query_params, names)
        _format(given)
        out_crs = params.crs(given.get("crs"))
        box_crs = params.crs(given.get("bbox-crs"), "bbox-crs")  # checked with or without a bbox
        box = params.bbox(given["bbox"], box_crs) if "bbox" in given else None
        limit = params.whole("limit", given["limit"], 1, params.MAX_LIMIT) if "limit" in given else params.DEFAULT_LIMIT
        offset = params.whole("offset", given["offset"], 0, params.MAX_OFFSET) if "offset" in given else 0
        dates = params.datetime_interval(layer, given["datetime"]) if "datetime" in given else None
        store = self.open_store()
        version = store.version()
        filters = params.filters(layer, given, self.allowed(store, version))
        private = not self.visitor(request)
        etag = _etag(version, request.url.path, sorted(given.items()), private)
        if _fresh(request, etag):
            return _not_modified(etag)
        query = FeatureQuery(layer, box, filters, dates, limit, offset, public_columns(layer, private))
        page = store.features(query)
        features = [_feature(layer, rec, geom, out_crs) for rec, geom in _records(page.frame)]
        base = self.base(request)
        links = [{"rel": "self", "type": GEOJSON, "href": _page_url(base, layer, given, offset)}]
        if offset + len(features) < page.matched:
            links.append({"rel": "next", "type": GEOJSON, "href": _page_url(base, layer, given, offset + limit)})
        if offset > 0:
            links.append(
                {"rel": "prev", "type": GEOJSON, "href": _page_url(base, layer, given, max(0, offset - limit))}
            )
        body = {
            "type": "FeatureCollection",
            "features": features,
            "numberMatched": page.matched,
            "numberReturned": len(features),
            "timeStamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "links": links,
        }
        return _json(body, GEOJSON, _cache_headers(etag, out_crs))

    def item(self, request: Request) -> Response:
        layer = self.layer(request)
        given = params.single(request.query_params, ["f", "crs"])
        _format(given)
        out_crs = params.crs(given.get("crs"))
        fid = request.path_params["fid"]
        store = self.open_store()
        private = not self.visitor(request)
        etag = _etag(store.version(), request.url.path, sorted(given.items()), private)
        if _fresh(request, etag):
            return _not_modified(etag)
        frame = store.read_records(layer, [fid]) if len(fid) <= 200 else None
        if frame is None or not len(frame):
            raise QueryError(f"集合 {layer} 中没有编号为“{fid[:40]}”的要素", 404)
        frame = frame[[*public_columns(layer, private), "geometry"]]
        feature = _feature(layer, *next(iter(_records(frame))), out_crs)
        base = self.base(request)
        feature["links"] = [
            {"rel": "self", "type": GEOJSON, "href": f"{base}/collections/{layer}/items/{fid}"},
            {"rel": "collection", "type": "application/json", "href": f"{base}/collections/{layer}"},
        ]
        return _json(feature, GEOJSON, _cache_headers(etag, out_crs))

    # --- Tiles -----------------------------------------------------------------------------------------------------

    def tilesets(self, request: Request) -> Response:
        layer = self.layer(request)
        base = self.base(request)
        return _json({"tilesets": [self.tileset_doc(base, layer)]})

    def tileset(self, request: Request) -> Response:
        layer = self.layer(request)
        return _json(self.tileset_doc(self.base(request), layer))

    def tileset_doc(self, base: str, layer: str) -> dict:
        url = f"{base}/collections/{layer}/tiles/WebMercatorQuad"
        return {
            "title": f"{label(layer)}（矢量瓦片）",
            "dataType": "vector",
            "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
            "tileMatrixSetURI": WEB_MERCATOR_QUAD,
            "minzoom": 0, "maxzoom": MAX_ZOOM, "extent": EXTENT,
            "layers": [{"id": layer, "dataType": "vector", "geometryType": _geometry_type(layer),
                        "propertiesSchema": {"type": "object",
                                             "properties": {k: {} for k in ("id", *TILE_ATTRIBUTES[layer])}}}],
            "links": [
                {"rel": "self", "type": "application/json", "href": url},
                {"rel": "item", "type": MVT, "templated": True,
                 "href": url + "/{tileMatrix}/{tileRow}/{tileCol}?f=mvt"},
            ],
        }  # fmt: skip

    def tile(self, request: Request) -> Response:
        layer = self.layer(request)
        tile = Tile.parse(request.path_params["z"], request.path_params["x"], request.path_params["y"])
        given = params.single(request.query_params, ["f", "v", *FILTERS[layer]])
        if given.pop("f", "mvt") != "mvt":
            raise QueryError("瓦片只提供 Mapbox Vector Tile 格式（f=mvt）")
        if len(given.pop("v", "")) > 80:  # the map's data version: only makes the address new after an edit
            raise QueryError("参数 v 过长")
        store = self.open_store()
        version = store.version()
        filters = check_filters(layer, given, self.allowed(store, version))
        etag = _etag(version, layer, (tile.z, tile.x, tile.y), sorted(filters.items()))
        if _fresh(request, etag):
            return _not_modified(etag)
        body = self.tiles.get(etag)
        if body is None:
            body = store.tile(layer, tile, filters)
            self.tiles.put(etag, body)
        return Response(body, media_type=MVT, headers={"ETag": etag, "Cache-Control": "no-cache"})

    def not_found(self, request: Request) -> Response:
        raise QueryError(f"没有这个地址：{request.url.path[:80]}", 404)


class TileCache:
    """Encoded tiles by ETag (data version, layer, z/x/y, filters), least recently used out first, up to a byte budget.

    Many offices looking at the same province view ask for the same tiles; an
    edit moves the data version, so a cached tile is never served after one.
    """

    def __init__(self, budget: int):
        self.budget = budget
        self.used = 0
        self._tiles: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            body = self._tiles.get(key)
            if body is not None:
                self._tiles.move_to_end(key)
            return body

    def put(self, key: str, body: bytes) -> None:
        if len(body) > self.budget:
            return
        with self._lock:
            if key in self._tiles:
                return
            self._tiles[key] = body
            self.used += len(body)
            while self.used > self.budget:
                self.used -= len(self._tiles.popitem(last=False)[1])


def _format(given: dict) -> None:
    if given.get("f", "json") not in _FORMATS:
        raise QueryError("只提供 GeoJSON（f=json 或 f=geojson）")


def _geometry_type(layer: str) -> str:
    return "points" if SCHEMAS[layer].geometry == "Point" else "polygons"


def _etag(*parts) -> str:
    return '"' + hashlib.sha1(repr(parts).encode()).hexdigest()[:20] + '"'


def _fresh(request: Request, etag: str) -> bool:
    tags = request.headers.get("if-none-match", "")
    return etag in [t.strip().removeprefix("W/") for t in tags.split(",")] or tags.strip() == "*"


def _not_modified(etag: str) -> Response:
    return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "no-cache"})


def _cache_headers(etag: str, out_crs: str) -> dict:
    return {"ETag": etag, "Cache-Control": "no-cache", "Content-Crs": f"<{out_crs}>"}


def _page_url(base: str, layer: str, given: dict, offset: int) -> str:
    query = {k: v for k, v in given.items() if k != "offset"}
    if offset:
        query["offset"] = str(offset)
    return f"{base}/collections/{layer}/items" + (f"?{urlencode(query)}" if query else "")


def _records(frame):
    columns = [c for c in frame.columns if c != "geometry"]
    for values, geom in zip(frame[columns].itertuples(index=False, name=None), frame.geometry, strict=True):
        yield dict(zip(columns, values, strict=True)), geom


def _feature(layer: str, record: dict, geom, out_crs: str) -> dict:
    """A GeoJSON feature; in EPSG:4490 the coordinates are latitude, longitude (the CRS's axis order)."""
    if geom is not None and out_crs == params.CRS4490:
        geom = shapely.transform(geom, lambda xy: xy[:, ::-1])
    key = SCHEMAS[layer].key
    return {
        "type": "Feature",
        "id": record[key],
        "geometry": None if geom is None else json.loads(shapely.to_geojson(geom)),
        "properties": {k: _plain(v) for k, v in record.items()},
    }


def _plain(value):
    """A JSON value: None for missing numbers, Python scalars for numpy ones."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        if value != value:  # pandas.NA, NaT
            return None
    except TypeError:
        return None
    return value
