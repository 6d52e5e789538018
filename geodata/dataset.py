"""The loaded dataset: every layer plus the columns derived from the rules.

Derived, never stored: a parcel's ``readiness`` label (domain.readiness), its
``supply_ready`` (具备供地条件), ``assessments_done`` and ``pipeline_stage``
(domain.supply, with the required 区域评估 of geodata.settings), the
city and county names of zones, and each parcel's and project's ``city_adcode``
and ``zone_type`` (from its zone) so filters need no joins at draw time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import geopandas as gpd
import pandas as pd

from domain.readiness import READINESS_FLAGS, readiness_label
from domain.supply import ASSESSMENTS, assessments_done, is_supply_ready, pipeline_stage
from geodata.settings import required_assessments
from geodata.store import Store


@dataclass(frozen=True)
class Dataset:
    """All layers of one store, read once. Treat as read-only."""

    admin: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    parcels: gpd.GeoDataFrame
    projects: gpd.GeoDataFrame
    rounds: pd.DataFrame
    chains: pd.DataFrame
    version: str = ""

    def layer(self, name: str) -> pd.DataFrame:
        return getattr(self, name)


def load_dataset(store: Store) -> Dataset:
    """Read every layer of ``store`` and add the derived columns."""
    return dataset_from_frames(store.read_all(), version=store.version())


def dataset_from_frames(frames: dict[str, pd.DataFrame], version: str = "") -> Dataset:
    """A Dataset of already typed layer frames, with the derived columns added."""
    admin = frames["admin"]
    names = dict(zip(admin["adcode"], admin["name"], strict=True))
    zones = frames["zones"].copy()
    zones["city_name"] = zones["city_adcode"].map(names)
    zones["county_name"] = zones["county_adcode"].map(names)
    zone_cols = zones.set_index("zone_id")[["city_adcode", "zone_type", "short_name"]]
    parcels = _with_zone(frames["parcels"], zone_cols)
    inputs = [*READINESS_FLAGS, *ASSESSMENTS, "supply_status", "is_standard_land"]
    required = required_assessments()
    for column, rule in (("readiness", readiness_label), ("supply_ready", partial(is_supply_ready, required=required)),
                         ("assessments_done", partial(assessments_done, required=required)),
                         ("pipeline_stage", partial(pipeline_stage, required=required))):  # fmt: skip
        parcels[column] = per_distinct(parcels, inputs, rule)
    projects = _with_zone(frames["projects"], zone_cols)
    return Dataset(
        admin=admin,
        zones=zones,
        parcels=parcels,
        projects=projects,
        rounds=frames["rounds"],
        chains=frames["chains"],
        version=version,
    )


def per_distinct(frame: pd.DataFrame, columns: list[str], rule) -> list:
    """``rule(record)`` for every row, computed once per distinct combination of ``columns``.

    The rules in :mod:`domain` stay the only implementation; 100 000 parcels
    share a few hundred combinations of flags and status.
    """
    if frame.empty:
        return []
    keys = pd.MultiIndex.from_frame(frame[columns].astype(object).where(frame[columns].notna(), None))
    codes, uniques = pd.factorize(keys)
    results = [rule(dict(zip(columns, values, strict=True))) for values in uniques]
    return [results[c] for c in codes]


def _with_zone(frame: gpd.GeoDataFrame, zone_cols: pd.DataFrame) -> gpd.GeoDataFrame:
    out = frame.copy()
    joined = zone_cols.reindex(out["zone_id"])
    out["city_adcode"] = joined["city_adcode"].to_numpy()
    out["zone_type"] = joined["zone_type"].to_numpy()
    out["zone_name"] = joined["short_name"].to_numpy()
    return out
