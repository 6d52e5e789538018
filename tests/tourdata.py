"""A hand-made dataset whose tour holds more projects than the tour draws as circles below the projects' zoom.

Zones (admin base, rounds and chains from the sample; no parcels):

- ``A``, a top-level 开发区 named with markup (:data:`HOSTILE`), 100 签约 projects, and its park ``A1`` with
  150 开工 and 20 投产: A's summary counts 270.
- ``B``, a zone without parks: 5 签约 and 40 投产, 45 in all.
- ``C``, not in the tour: 30 签约 that no summary counts.

315 projects in the tour (:data:`IN_TOUR`), more than :data:`reports.tour_html.TOUR_MAX_POINTS`.
"""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import shapely

from domain.tours import Stop, Tour
from geodata.dataset import Dataset, dataset_from_frames
from geodata.store import SAMPLE_PATH, GpkgStore

HOSTILE = "<img src=x onerror=alert(1)>"
BOXES = {  # west, south, east, north: A wide enough that its stop is fitted below zoom 12
    "A": (112.30, 37.60, 112.80, 37.90),
    "A1": (112.55, 37.70, 112.62, 37.75),
    "B": (112.90, 37.60, 113.00, 37.70),
    "C": (113.20, 37.60, 113.30, 37.70),
}
ZONES = [  # id, parent, name, short name
    ("A", None, "甲开发区", HOSTILE),
    ("A1", "A", "甲开发区一号园区", "一号园区"),
    ("B", None, "乙开发区", "乙区"),
    ("C", None, "丙开发区", "丙区"),
]
PROJECTS = [("A", "signed", 100), ("A1", "started", 150), ("A1", "producing", 20), ("B", "signed", 5),
            ("B", "producing", 40), ("C", "signed", 30)]  # fmt: skip
IN_TOUR = 315
EXPECTED = {"A": (270, 100, 150, 20), "B": (45, 5, 0, 40)}  # 项目, 签约, 开工, 投产


def _points(box, n: int) -> list:
    """``n`` points on a grid over the inner part of ``box``."""
    w, s, e, north = box
    side = math.ceil(math.sqrt(n))
    x = [w + (e - w) * (0.1 + 0.8 * (i % side + 0.5) / side) for i in range(n)]
    y = [s + (north - s) * (0.1 + 0.8 * (i // side + 0.5) / side) for i in range(n)]
    return list(shapely.points(x, y))


def many_projects() -> Dataset:
    frames = GpkgStore(SAMPLE_PATH).read_all()
    template = frames["zones"].iloc[0].to_dict()
    zones = [
        template | {"zone_id": z, "parent_id": p, "name": name, "short_name": short, "geometry": shapely.box(*BOXES[z])}
        for z, p, name, short in ZONES
    ]
    frames["zones"] = gpd.GeoDataFrame(pd.DataFrame(zones), geometry="geometry", crs=frames["zones"].crs)
    frames["parcels"] = frames["parcels"].iloc[:0]
    project = frames["projects"].iloc[0].to_dict() | {"parcel_id": None, "investment_yi": 1.0, "round_id": None}
    rows = []
    for zone, stage, n in PROJECTS:
        for i, point in enumerate(_points(BOXES[zone], n)):
            rows.append(project | {"project_id": f"P-{zone}-{stage}-{i}", "name": f"{zone}{stage}{i}",
                                   "zone_id": zone, "stage": stage, "geometry": point})  # fmt: skip
    frames["projects"] = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=frames["projects"].crs)
    return dataset_from_frames(frames, version="many-projects")


def many_projects_tour() -> Tour:
    """Zone A (its park in it) fitted, zone B fitted, then a project of the park at zoom 15."""
    return Tour("T-MANY", "多项目路线", (Stop("zones", "A", "甲开发区全貌"), Stop("zones", "B", "乙开发区"),
                                      Stop("projects", "P-A1-started-0", "一号园区项目", zoom=15)))  # fmt: skip
