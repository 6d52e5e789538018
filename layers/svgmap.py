"""A static SVG map for print views: no tiles, no scripts, every label escaped.

An optional admin base (county and city outlines with their names) is drawn
under the data. Labels never overlap: each is tried above, below, right and
left of its anchor, in order of importance, and left out if none of the
places is free (see :func:`place_labels`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

import pandas as pd
import shapely

from layers.styles import MISSING


@dataclass(frozen=True)
class Label:
    """A text to place near ``(x, y)`` (SVG pixels); ``gap`` keeps it clear of a marker drawn there."""

    text: str
    x: float
    y: float
    size: float = 12
    gap: float = 4
    style: str = ""  # extra SVG attributes, e.g. a fill colour


def text_box(label: Label) -> tuple[float, float]:
    """Estimated (width, height) of the label: CJK characters a full em, others about half."""
    width = sum(label.size if ord(ch) > 0x2E80 else label.size * 0.6 for ch in label.text)
    return width, label.size * 1.2


def place_labels(
    labels: Sequence[Label], width: float, height: float, margin: float = 2, reserved: Sequence[tuple] = ()
) -> list[tuple]:
    """Greedy placement without overlaps, in the given order (most important first).

    Returns ``(label, x, y, anchor)`` for each label placed (``y`` is the text
    baseline, ``anchor`` the SVG text-anchor); labels with no free place, or
    that would leave the map, are left out. ``reserved`` boxes (left, top, right,
    bottom) are kept free, e.g. for the scale bar.
    """
    taken: list[tuple[float, float, float, float]] = list(reserved)
    placed = []
    for lab in labels:
        w, h = text_box(lab)
        options = [  # (left, top, text x, baseline, anchor)
            (lab.x - w / 2, lab.y - lab.gap - h, lab.x, lab.y - lab.gap - h * 0.2, "middle"),
            (lab.x - w / 2, lab.y + lab.gap, lab.x, lab.y + lab.gap + h * 0.8, "middle"),
            (lab.x + lab.gap, lab.y - h / 2, lab.x + lab.gap, lab.y + h * 0.3, "start"),
            (lab.x - lab.gap - w, lab.y - h / 2, lab.x - lab.gap, lab.y + h * 0.3, "end"),
        ]
        for left, top, tx, ty, anchor in options:
            box = (left - margin, top - margin, left + w + margin, top + h + margin)
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height
            if inside and not any(_overlap(box, other) for other in taken):
                taken.append(box)
                placed.append((lab, tx, ty, anchor))
                break
    return placed


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


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
    base: pd.DataFrame | None = None,
    label_size: float = 12,
    speck_px: float = 0,
) -> str:
    """Zones (dashed) and features (polygons filled / points dotted by ``color_column``), with a scale bar.

    The view fits ``parcels`` (any polygons or points to show), or the zones when there are none.
    Features are labelled with their name (only those in ``label_names`` when given), in ``label_size``
    pixels, never over a point marker; zones with their ``zone_label`` column, when given, above their
    outline. ``base`` (admin rows with ``level`` city/county, ``name`` and geometry) is drawn
    underneath as the base map, named where there is room. A polygon smaller than ``speck_px`` pixels
    across (a parcel on a province map) also gets a dot of its colour, so that it can be seen.
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
        f'<defs><clipPath id="zm-view"><rect width="{width}" height="{height}"/></clipPath></defs>',
        f'<rect width="{width}" height="{height}" fill="#f4f6f8"/>',
    ]
    labels: list[Label] = []  # in order of importance
    base_labels: list[Label] = []
    if base is not None and len(base):
        out.append('<g clip-path="url(#zm-view)">')
        for level, stroke, fill, size in (("county", "#b0b0b0", "#fbfaf6", 11), ("city", "#6d6d6d", "none", 13)):
            rows = base[(base["level"] == level) & base.intersects(view)]
            for name, geom in zip(rows["name"], rows.geometry, strict=True):
                clipped = geom.intersection(view.buffer(0.05))
                if clipped.is_empty or clipped.geom_type not in ("Polygon", "MultiPolygon"):
                    continue
                width_px = 1.6 if level == "city" else 0.7
                out.append(f'<path d="{path(clipped)}" fill="{fill}" stroke="{stroke}" stroke-width="{width_px}"/>')
                inner = geom.intersection(view)
                if not inner.is_empty:
                    px, py = xy(*inner.representative_point().coords[0])
                    color = "#555" if level == "city" else "#8a8a8a"
                    base_labels.append(Label(str(name), px, py, size, 0, f'fill="{color}"'))
        out.append("</g>")
    for z in zones.to_dict("records"):
        if z["geometry"].intersects(view):
            out.append(f'<path d="{path(z["geometry"])}" fill="none" stroke="#3b6fb6" stroke-dasharray="6 4"/>')
            if zone_label and z.get(zone_label) and not z["geometry"].contains(view):
                zx0, _, zx1, zy1 = z["geometry"].bounds
                x, y = xy((zx0 + zx1) / 2, zy1)
                labels.append(Label(str(z[zone_label]), x, y, label_size, 4, 'fill="#3b6fb6"'))
    important: list[Label] = []
    dots: list[tuple] = []  # point markers and specks: no label is placed over them
    for p in parcels.to_dict("records"):
        color = escape(colors.get(p.get(color_column), MISSING))
        geom = p["geometry"]
        x, y = xy(*geom.representative_point().coords[0])
        if geom.geom_type == "Point":
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="{color}" stroke="#fff" stroke-width="2"/>')
            dots.append((x - 8, y - 8, x + 8, y + 8))
        else:
            out.append(
                f'<path class="zm-parcel" d="{path(geom)}" fill="{color}" fill-opacity="0.85" stroke="#333"'
                ' stroke-width="1.2"/>'
            )
            x0, y0, x1, y1 = geom.bounds
            (ax, ay), (bx, by) = xy(x0, y0), xy(x1, y1)
            if max(abs(bx - ax), abs(by - ay)) < speck_px:
                out.append(
                    f'<circle class="zm-speck" cx="{x:.1f}" cy="{y:.1f}" r="{speck_px / 2:g}" fill="{color}"'
                    ' stroke="#333" stroke-width="1.2"/>'
                )
                dots.append((x - speck_px / 2, y - speck_px / 2, x + speck_px / 2, y + speck_px / 2))
        if label_names is None or p["name"] in label_names:
            # clear of a marker or dot drawn at the same point (a project at its parcel's centre)
            important.append(Label(str(p["name"]), x, y, label_size, max(11, speck_px / 2 + 3), 'font-weight="bold"'))
    furniture = [(10, height - 45, 200, height), (width - 50, 5, width, 65), *dots]  # scale bar, north arrow
    base_labels.sort(key=lambda lab: -lab.size)  # city names before county names
    for lab, x, y, anchor in place_labels(important + labels + base_labels, width, height, reserved=furniture):
        halo = 'stroke="#fff" stroke-width="3" paint-order="stroke"'
        out.append(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{lab.size:g}" {halo} {lab.style}>'
            f"{escape(lab.text)}</text>"
        )
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
