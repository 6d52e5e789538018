"""A static SVG map for print views: no tiles, no scripts, every label escaped."""

from __future__ import annotations

import math
from collections.abc import Mapping
from html import escape

import pandas as pd
import shapely

from layers.styles import MISSING


def svg_map(
    zones: pd.DataFrame,
    parcels: pd.DataFrame,
    colors: Mapping[str, str],
    color_column: str,
    width: int = 900,
    height: int = 560,
    pad: float = 0.15,
    label_names: set[str] | None = None,
    zone_label: str | None = None,
) -> str:
    """Zones (dashed) and features (polygons filled / points dotted by ``color_column``), with a scale bar.

    The view fits ``parcels`` (any polygons or points to show), or the zones when there are none.
    Features are labelled with their name (only those in ``label_names`` when given);
    zones with their ``zone_label`` column, when given, above their outline.
    """
    frames = [f for f in (parcels, zones) if len(f)]
    if not frames:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"></svg>'
    minx, miny, maxx, maxy = (parcels if len(parcels) else zones).total_bounds
    dx, dy = max(maxx - minx, 1e-4), max(maxy - miny, 1e-4)
    minx, maxx, miny, maxy = minx - dx * pad, maxx + dx * pad, miny - dy * pad, maxy + dy * pad
    kx = math.cos(math.radians((miny + maxy) / 2))  # metres per degree east vs north
    scale = min(width / ((maxx - minx) * kx), height / (maxy - miny))
    # Centre the content: the spare room of the narrower axis goes equally to both sides.
    ox = (width - (maxx - minx) * kx * scale) / 2
    oy = (height - (maxy - miny) * scale) / 2

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return ox + (lon - minx) * kx * scale, height - oy - (lat - miny) * scale

    def path(geom) -> str:
        parts = []
        for poly in getattr(geom, "geoms", [geom]):
            for ring in [poly.exterior, *poly.interiors]:
                pts = [xy(x, y) for x, y in ring.coords]
                parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + "Z")
        return "".join(parts)

    spare_x, spare_y = ox / (kx * scale), oy / scale  # the spare room in degrees
    view = shapely.box(minx - spare_x, miny - spare_y, maxx + spare_x, maxy + spare_y)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        ' font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="#f4f6f8"/>',
    ]
    for z in zones.to_dict("records"):
        if z["geometry"].intersects(view):
            out.append(f'<path d="{path(z["geometry"])}" fill="none" stroke="#3b6fb6" stroke-dasharray="6 4"/>')
            if zone_label and z.get(zone_label) and not z["geometry"].contains(view):
                zx0, _, zx1, zy1 = z["geometry"].bounds
                x, y = xy((zx0 + zx1) / 2, zy1)
                text = escape(str(z[zone_label]))
                out.append(f'<text x="{x:.1f}" y="{y - 6:.1f}" text-anchor="middle" fill="#3b6fb6">{text}</text>')
    for p in parcels.to_dict("records"):
        color = escape(colors.get(p.get(color_column), MISSING))
        geom = p["geometry"]
        x, y = xy(*geom.representative_point().coords[0])
        if geom.geom_type == "Point":
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="{color}" stroke="#fff" stroke-width="2"/>')
            y -= 10
        else:
            out.append(f'<path d="{path(geom)}" fill="{color}" fill-opacity="0.8" stroke="#333"/>')
        if label_names is None or p["name"] in label_names:
            text = escape(str(p["name"]))
            out.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-weight="bold">{text}</text>')
    out.append(_scale_bar(scale, height))
    out.append(f'<text x="{width - 30}" y="30" font-size="18" text-anchor="middle">N</text>')
    out.append(f'<path d="M{width - 30},36 l-7,20 l7,-6 l7,6 z" fill="#333"/>')
    out.append("</svg>")
    return "".join(out)


def _scale_bar(scale: float, height: int) -> str:
    px_per_km = scale / 111.32  # the y axis is degrees of latitude, 1° ≈ 111.32 km
    steps = (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500)
    km = next((k for k in steps if k * px_per_km >= 80), steps[-1])
    w = km * px_per_km
    text = f"{km:g} 公里" if km >= 1 else f"{km * 1000:g} 米"
    return (
        f'<g transform="translate(20,{height - 24})"><rect width="{w:.1f}" height="6" fill="#333"/>'
        f'<text y="-4">{text}</text></g>'
    )
