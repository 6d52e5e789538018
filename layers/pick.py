"""What a click on the vector-tile map selects, found on the server from the clicked point.

The tile map draws shapes the browser cannot name back to Streamlit; its
click returns a point (and the zoom, see :class:`layers.tilemap.TileMap`). The
record under it is looked up here among the page's filtered records, the way
the eye reads the map: a project marker within :data:`PICK_PX` pixels (from
:data:`PROJECT_ZOOM`, where markers are drawn), else the smallest filtered
parcel containing the point (a parcel inside a larger one is reachable), else
the smallest filtered zone. Pure shapely; nothing here imports Streamlit.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import shapely

PROJECT_ZOOM = 12  # from here project markers are drawn (below it the summaries count them)
PICK_PX = 9  # a marker's radius (7 px) and a little


def degrees_per_pixel(zoom: float) -> float:
    """Longitude degrees one screen pixel spans at ``zoom`` (256-px Web Mercator tiles)."""
    return 360.0 / (256 * 2**zoom)


class Picker:
    """Spatial indexes over every parcel, zone and project (built once per geometry version)."""

    def __init__(self, zones: pd.DataFrame, parcels: pd.DataFrame, projects: pd.DataFrame):
        self.parcel_ids = parcels["parcel_id"].to_numpy(dtype=object)
        self.parcel_geoms = np.asarray(parcels.geometry.values, dtype=object)
        self.parcel_tree = shapely.STRtree(self.parcel_geoms)
        self.parcel_area = shapely.area(self.parcel_geoms)
        self.zone_ids = zones["zone_id"].to_numpy(dtype=object)
        self.zone_geoms = np.asarray(zones.geometry.values, dtype=object)
        self.zone_area = shapely.area(self.zone_geoms)
        self.project_ids = projects["project_id"].to_numpy(dtype=object)
        xy = shapely.get_coordinates(np.asarray(projects.geometry.values, dtype=object)) if len(projects) else None
        self.project_xy = xy if xy is not None and len(xy) == len(projects) else np.empty((0, 2))

    def pick(self, lat: float, lng: float, zoom: float | None, *, parcels: np.ndarray, zones: np.ndarray,
             projects: np.ndarray) -> tuple[str, str] | None:  # fmt: skip
        """``(layer, id)`` under the point; ``parcels``/``zones``/``projects`` are boolean masks of the filtered
        records over the frames the picker was built on. ``zoom`` None (not reported): no project pick."""
        if not (isinstance(lat, int | float) and isinstance(lng, int | float) and math.isfinite(lat + lng)):
            return None
        if zoom is not None and zoom >= PROJECT_ZOOM and len(self.project_xy):
            reach = degrees_per_pixel(zoom) * PICK_PX
            dx = self.project_xy[:, 0] - lng
            dy = (self.project_xy[:, 1] - lat) / math.cos(math.radians(lat))  # a pixel spans fewer degrees of latitude
            dist = np.hypot(dx, dy)
            dist[~projects] = np.inf
            best = int(np.argmin(dist))
            if dist[best] <= reach:
                return "projects", str(self.project_ids[best])
        point = shapely.Point(lng, lat)
        hits = self.parcel_tree.query(point, predicate="intersects")
        hits = hits[parcels[hits]]
        if len(hits):
            return "parcels", str(self.parcel_ids[hits[np.argmin(self.parcel_area[hits])]])
        inside = np.flatnonzero(zones & shapely.intersects(self.zone_geoms, point))
        if len(inside):
            return "zones", str(self.zone_ids[inside[np.argmin(self.zone_area[inside])]])
        return None
