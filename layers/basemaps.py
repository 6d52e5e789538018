"""Basemaps: the offline default (no tiles: the admin layer is the base) and optional online tiles.

This is the only module that names an online tile server; none is requested
unless the user picks one.
"""

from __future__ import annotations

import folium

OFFLINE = "offline"
_TIANDITU = "https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=%s" + (
    "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=%s"
)
_TIANDITU_ATTR = "&copy; 天地图 国家地理信息公共服务平台"

NAMES: dict[str, str] = {
    OFFLINE: "离线底图（行政区划）",
    "osm": "OpenStreetMap（在线）",
    "tianditu_vec": "天地图矢量（在线）",
    "tianditu_img": "天地图影像（在线）",
}


def basemap_options(tianditu_token: str | None) -> dict[str, str]:
    """The basemaps the user may choose; 天地图 only when a key is configured."""
    keys = [OFFLINE, "osm"] + (["tianditu_vec", "tianditu_img"] if tianditu_token else [])
    return {k: NAMES[k] for k in keys}


def tile_layers(basemap: str, tianditu_token: str | None = None) -> list[folium.TileLayer]:
    """Tile layers for ``basemap`` (none for the offline default)."""
    if basemap == "osm":
        return [
            folium.TileLayer(
                "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                attr="&copy; OpenStreetMap contributors",
                name=NAMES["osm"],
                max_zoom=19,
            )
        ]
    if basemap in ("tianditu_vec", "tianditu_img") and tianditu_token:
        base, notes = ("vec", "cva") if basemap == "tianditu_vec" else ("img", "cia")
        return [
            folium.TileLayer(
                _TIANDITU % (layer, layer, tianditu_token),
                attr=_TIANDITU_ATTR,
                name=name,
                subdomains="01234567",
                max_zoom=18,
                overlay=overlay,
                control=False,
            )
            for layer, name, overlay in ((base, NAMES[basemap], False), (notes, "注记", True))
        ]
    return []
