"""The OpenAPI 3.0 document of the OGC API (``/ogc/api``), built from the same tables the handlers check.

Collections, filters and their fixed values come from :mod:`geodata.tiles`,
so a filter added there appears here without a second list to keep in step.
"""

from __future__ import annotations

from geodata.tiles import _FIXED_VALUES, DATED, FEATURE_LAYERS, FILTERS, MAX_ZOOM
from ogc.params import CRS_LIST, DEFAULT_LIMIT, MAX_LIMIT, WHOLE_DIGITS

_ERROR = {"description": "请求有误或不存在（JSON：code、description）",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/exception"}}}}  # fmt: skip


def _param(name: str, description: str, schema: dict, where: str = "query", required: bool = False) -> dict:
    out = {"name": name, "in": where, "required": required, "description": description, "schema": schema}
    if schema.get("type") == "array":  # bbox=1,2,3,4 (OGC API – Features), not bbox=1&bbox=2…
        out.update(style="form", explode=False)
    return out


def _json_ok(description: str, media: str = "application/json") -> dict:
    return {"200": {"description": description, "content": {media: {"schema": {"type": "object"}}}}, "4XX": _ERROR}


def _filter_params(layer: str) -> list[dict]:
    out = []
    for name in FILTERS[layer]:
        schema: dict = {"type": "string"}
        if name in _FIXED_VALUES:
            schema["enum"] = list(_FIXED_VALUES[name])
        out.append(_param(name, f"按 {name} 筛选（取值须存在，否则 400）", schema))
    return out


def openapi_document(base: str) -> dict:
    """The document, with ``base`` (the API's root URL) as its server."""
    crs = {"type": "string", "format": "uri", "enum": list(CRS_LIST), "default": CRS_LIST[0]}
    paths: dict = {
        "/": {"get": {"summary": "入口页", "operationId": "getLandingPage", "responses": _json_ok("入口页")}},
        "/api": {"get": {"summary": "本文档", "operationId": "getAPI", "responses": _json_ok("OpenAPI 3.0")}},
        "/conformance": {"get": {"summary": "符合的标准类", "operationId": "getConformance",
                                 "responses": _json_ok("conformsTo")}},
        "/collections": {"get": {"summary": "集合列表", "operationId": "getCollections",
                                 "responses": _json_ok("集合")}},
    }  # fmt: skip
    for layer in FEATURE_LAYERS:
        items = [
            _param("bbox", "最小经度,最小纬度,最大经度,最大纬度（bbox-crs 为 EPSG:4490 时先纬度后经度）",
                   {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}}),
            _param("bbox-crs", "bbox 的坐标系", crs),
            _param("limit", f"每页条数（超过 {MAX_LIMIT} 按 {MAX_LIMIT}）",
                   {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
            _param("offset", "跳过的条数", {"type": "integer", "minimum": 0, "maximum": 10**WHOLE_DIGITS - 1,
                                            "default": 0}),
            _param("crs", "返回坐标系；EPSG:4490 的坐标为 纬度,经度", crs),
            _param("f", "格式", {"type": "string", "enum": ["json", "geojson"]}),
            *_filter_params(layer),
        ]  # fmt: skip
        if layer in DATED:
            items.append(_param("datetime", f"按 {DATED[layer]} 筛选：日期或“起/止”（.. 为不限）", {"type": "string"}))
        tile_params = [
            _param("tileMatrix", f"级别 0–{MAX_ZOOM}", {"type": "integer", "minimum": 0, "maximum": MAX_ZOOM},
                   "path", True),
            _param("tileRow", "行（y）：小于 2 的级别次方，否则 404", {"type": "integer", "minimum": 0,
                   "maximum": 2**MAX_ZOOM - 1}, "path", True),
            _param("tileCol", "列（x）：小于 2 的级别次方，否则 404", {"type": "integer", "minimum": 0,
                   "maximum": 2**MAX_ZOOM - 1}, "path", True),
            _param("f", "格式", {"type": "string", "enum": ["mvt"]}),
            _param("v", "数据版本（地图写入地址，使修改后浏览器重新取瓦片；服务器不读取）",
                   {"type": "string", "maxLength": 80}),
            *_filter_params(layer),
        ]  # fmt: skip
        c = f"/collections/{layer}"
        paths[c] = {
            "get": {"summary": f"集合 {layer}", "operationId": f"describe_{layer}", "responses": _json_ok("集合")}
        }
        paths[c + "/items"] = {
            "get": {
                "summary": f"{layer} 要素",
                "operationId": f"get_{layer}_features",
                "parameters": items,
                "responses": _json_ok("要素", "application/geo+json"),
            }
        }
        paths[c + "/items/{featureId}"] = {
            "get": {
                "summary": f"{layer} 单个要素",
                "operationId": f"get_{layer}_feature",
                "parameters": [
                    _param("featureId", "编号", {"type": "string"}, "path", True),
                    _param("crs", "返回坐标系", crs),
                ],
                "responses": _json_ok("要素", "application/geo+json"),
            }
        }
        paths[c + "/tiles"] = {
            "get": {
                "summary": f"{layer} 瓦片集",
                "operationId": f"get_{layer}_tilesets",
                "responses": _json_ok("瓦片集"),
            }
        }
        paths[c + "/tiles/WebMercatorQuad"] = {
            "get": {
                "summary": f"{layer} 瓦片集说明",
                "operationId": f"get_{layer}_tileset",
                "responses": _json_ok("瓦片集"),
            }
        }
        paths[c + "/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}"] = {"get": {
            "summary": f"{layer} 矢量瓦片", "operationId": f"get_{layer}_tile", "parameters": tile_params,
            "responses": {"200": {"description": "Mapbox Vector Tile（空区域为空内容）", "content": {
                "application/vnd.mapbox-vector-tile": {"schema": {"type": "string", "format": "binary"}}}},
                "304": {"description": "未改变（If-None-Match）"}, "4XX": _ERROR}}}  # fmt: skip
    return {
        "openapi": "3.0.3",
        "info": {"title": "开发区一张图 OGC API", "version": "1.0.0",
                 "description": "OGC API – Features（只读）与 OGC API – Tiles（Mapbox Vector Tile）"},
        "servers": [{"url": base}],
        "paths": paths,
        "components": {"schemas": {"exception": {"type": "object", "required": ["code"], "properties": {
            "code": {"type": "string"}, "description": {"type": "string"}}}}},
    }  # fmt: skip
