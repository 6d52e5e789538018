"""Province-scale maps: send the browser only what the current view needs.

Folium draws every feature it is given; a province's 100 000 parcels stall the
browser. For large data the map asks for its view (bounds and zoom returned by
``st_folium``) and gets:

- below :data:`DETAIL_ZOOM`, or when more than :data:`MAX_SHAPES` parcels are
  in view: one circle per grid cell (:data:`CELL_PX` screen pixels) with the
  count and 亩 of the filtered parcels in it — projects likewise above
  :data:`MAX_POINTS`;
- otherwise the parcels in view as shapes, simplified to half a screen pixel
  and with coordinates rounded to what the zoom can show.

Views are snapped outward to a grid of two tiles at their zoom, so small pans
reuse a cached answer. Counts elsewhere (the summary strip) come from the
filtered frames, never from what is drawn. Nothing here imports Streamlit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

DETAIL_ZOOM = 13  # from here parcels are drawn as shapes (1 px ≈ 15 m at Shanxi's latitude)
MAX_SHAPES = 4000  # more parcels than this in view are aggregated even at detail zoom
MAX_POINTS = 1500  # projects beyond this in view are aggregated
CELL_PX = 80  # aggregation cell, in screen pixels
LARGE = 5000  # parcels + projects above which pages switch to viewport drawing


@dataclass(frozen=True)
class View:
    """A snapped map view: south, west, north, east in degrees and an integer zoom."""

    south: float
    west: float
    north: float
    east: float
    zoom: int

    @property
    def box(self):
        return shapely.box(self.west, self.south, self.east, self.north)


def degrees_per_pixel(zoom: float) -> float:
    """Longitude degrees one screen pixel spans at ``zoom`` (256-px Web Mercator tiles)."""
    return 360.0 / (256 * 2**zoom)


def snap_view(bounds: dict | list | tuple, zoom: float) -> View:
    """The view for ``st_folium`` bounds (``{"_southWest": {lat, lng}, "_northEast": …}`` or
    ``[[s, w], [n, e]]``), widened to whole steps of two tiles at that zoom."""
    if isinstance(bounds, dict):
        s, w = bounds["_southWest"]["lat"], bounds["_southWest"]["lng"]
        n, e = bounds["_northEast"]["lat"], bounds["_northEast"]["lng"]
    else:
        (s, w), (n, e) = bounds
    z = int(max(0, min(22, math.floor(zoom))))
    step = degrees_per_pixel(z) * 512
    return View(
        math.floor(s / step) * step,
        math.floor(w / step) * step,
        math.ceil(n / step) * step,
        math.ceil(e / step) * step,
        z,
    )


def simplify_tolerance(zoom: int) -> float:
    """Half a screen pixel in degrees: simplification below this is invisible."""
    return degrees_per_pixel(zoom) / 2


def decimals_for(zoom: int) -> int:
    """Decimal places of coordinates that keep half-pixel precision at ``zoom`` (3 … 7)."""
    return int(min(7, max(3, math.ceil(-math.log10(degrees_per_pixel(zoom) / 2)))))


class ViewIndex:
    """A spatial index over a dataset's parcels and projects (built once per geometry version)."""

    def __init__(self, parcels: pd.DataFrame, projects: pd.DataFrame):
        geoms = np.asarray(parcels.geometry.values, dtype=object)
        self.parcel_tree = shapely.STRtree(geoms)
        points = shapely.point_on_surface(geoms) if len(geoms) else np.empty(0, dtype=object)
        self.parcel_xy = shapely.get_coordinates(points) if len(geoms) else np.empty((0, 2))
        self.parcel_mu = parcels["area_mu"].to_numpy(dtype=float) if len(parcels) else np.empty(0)
        self.project_xy = shapely.get_coordinates(np.asarray(projects.geometry.values, dtype=object))
        self.project_yi = projects["investment_yi"].to_numpy(dtype=float) if len(projects) else np.empty(0)

    def refresh(self, parcels: pd.DataFrame, projects: pd.DataFrame) -> None:
        """New per-record figures for the same shapes in the same order (after attribute edits)."""
        self.parcel_mu = parcels["area_mu"].to_numpy(dtype=float) if len(parcels) else np.empty(0)
        self.project_yi = projects["investment_yi"].to_numpy(dtype=float) if len(projects) else np.empty(0)

    def parcels_in(self, view: View) -> np.ndarray:
        """Positions of parcels whose shape touches the view, ascending."""
        return np.sort(self.parcel_tree.query(view.box))

    def projects_in(self, view: View) -> np.ndarray:
        x, y = self.project_xy[:, 0], self.project_xy[:, 1]
        inside = (x >= view.west) & (x <= view.east) & (y >= view.south) & (y <= view.north)
        return np.flatnonzero(inside)


@dataclass
class ViewResult:
    """What to draw for one view: positions of features, or aggregate cells.

    When a layer is aggregated, ``*_members`` are the positions of its records in
    view and ``*_cell_of`` the row of ``*_cells`` each one falls in (see :func:`dominant`).
    """

    view: View
    parcels: np.ndarray  # positions to draw as shapes (empty when aggregated)
    parcel_cells: pd.DataFrame  # lon, lat (mean), cx, cy (cell centre), count, mu (empty when drawn as shapes)
    projects: np.ndarray
    project_cells: pd.DataFrame  # lon, lat, cx, cy, count, yi
    parcels_in_view: int
    projects_in_view: int
    parcel_members: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    parcel_cell_of: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    project_members: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    project_cell_of: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))


CELL_COLUMNS = ["lon", "lat", "cx", "cy", "count"]


def grid_cells(xy: np.ndarray, weight: np.ndarray, cell_deg: float, name: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Points binned into square cells of ``cell_deg``: mean position, cell centre, count and summed ``weight``
    (as ``name``), one row per non-empty cell; and for each point the row of its cell."""
    if not len(xy):
        return pd.DataFrame(columns=[*CELL_COLUMNS, name]), np.empty(0, dtype=np.int64)
    keys = np.floor(xy / cell_deg).astype(np.int64)
    frame = pd.DataFrame({"i": keys[:, 0], "j": keys[:, 1], "lon": xy[:, 0], "lat": xy[:, 1], name: weight})
    grouped = frame.groupby(["i", "j"], sort=True)
    out = grouped.agg(lon=("lon", "mean"), lat=("lat", "mean"), count=("lon", "size"), total=(name, "sum"))
    out = out.rename(columns={"total": name}).reset_index()
    out["cx"], out["cy"] = (out["i"] + 0.5) * cell_deg, (out["j"] + 0.5) * cell_deg
    return out[[*CELL_COLUMNS, name]], grouped.ngroup().to_numpy()


def dominant(cell_of: np.ndarray, values: np.ndarray, weight: np.ndarray, cells: int) -> list:
    """For each of ``cells`` cells, the value whose members' ``weight`` sums highest (ties: the first value seen).

    ``cell_of``, ``values`` and ``weight`` are aligned per member; a cell without members gets ``None``.
    """
    out: list = [None] * cells
    if not len(cell_of):
        return out
    frame = pd.DataFrame({"cell": cell_of, "value": pd.Series(values, dtype=object).fillna(""), "w": weight})
    sums = frame.groupby(["cell", "value"], sort=False)["w"].sum().reset_index()
    best = sums.loc[sums.groupby("cell", sort=False)["w"].idxmax()]
    for cell, value in zip(best["cell"], best["value"], strict=True):
        out[int(cell)] = value or None
    return out


def query_view(index: ViewIndex, parcel_mask: np.ndarray, project_mask: np.ndarray, view: View) -> ViewResult:
    """The features (or cells) of the filtered records (masks over the index's rows) in ``view``."""
    p = index.parcels_in(view)
    p = p[parcel_mask[p]]
    j = index.projects_in(view)
    j = j[project_mask[j]]
    cell = degrees_per_pixel(view.zoom) * CELL_PX
    none = p[:0]
    if view.zoom >= DETAIL_ZOOM and len(p) <= MAX_SHAPES:
        shapes, members = p, none
    else:
        shapes, members = none, p
    parcel_cells, parcel_cell_of = grid_cells(index.parcel_xy[members], np.nan_to_num(index.parcel_mu[members]),
                                              cell, "mu")  # fmt: skip
    points, grouped = (j, j[:0]) if len(j) <= MAX_POINTS else (j[:0], j)
    project_cells, project_cell_of = grid_cells(index.project_xy[grouped],
                                                np.nan_to_num(index.project_yi[grouped]), cell, "yi")  # fmt: skip
    return ViewResult(view, shapes, parcel_cells, points, project_cells, len(p), len(j),
                      members, parcel_cell_of, grouped, project_cell_of)  # fmt: skip


def view_geometries(geoms: np.ndarray, zoom: int) -> np.ndarray:
    """Geometries as the zoom can show them: simplified to half a pixel, coordinates rounded."""
    simple = shapely.simplify(geoms, simplify_tolerance(zoom), preserve_topology=True)
    digits = decimals_for(zoom)
    return shapely.transform(simple, lambda xy: np.round(xy, digits))
