"""观摩会 tours as data: an ordered list of stops, and their JSON form for storage.

A stop shows one record (a zone, parcel or project) at a zoom, with chosen
layers, a title and a note. Stores keep a tour as its title and its stops as
JSON (:func:`stops_json` / :func:`tour_from_json`), versioned like any record.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

STOP_LAYERS = ("zones", "parcels", "projects")


@dataclass(frozen=True)
class Stop:
    layer: str  # zones | parcels | projects
    ref: str  # the record's id
    title: str
    zoom: int | None = None  # None: fit the record
    show: tuple[str, ...] = STOP_LAYERS
    note: str = ""


@dataclass(frozen=True)
class Tour:
    tour_id: str
    title: str
    stops: tuple[Stop, ...] = field(default_factory=tuple)


def new_tour_id(existing) -> str:
    """``T-001``, ``T-002`` …: the first number not taken by ``existing`` ids (deleted ones leave gaps)."""
    taken = set(existing)
    n = 1
    while f"T-{n:03d}" in taken:
        n += 1
    return f"T-{n:03d}"


def stops_json(tour: Tour) -> str:
    """The stops as JSON text (what stores keep)."""
    return json.dumps([asdict(s) for s in tour.stops], ensure_ascii=False)


def tour_from_json(tour_id: str, title: str, stops: str) -> Tour:
    """A Tour from its stored id, title and stops JSON."""
    return Tour(
        tour_id, title, tuple(Stop(**(s | {"show": tuple(s.get("show", STOP_LAYERS))})) for s in json.loads(stops))
    )
