"""The loaded dataset: every layer plus the columns derived from the rules.

Derived, never stored: a parcel's ``readiness`` label (domain.readiness), its
``supply_ready`` (具备供地条件), ``assessments_done`` and ``pipeline_stage``
(domain.supply, with the required 区域评估 of geodata.settings), the
city and county names of zones, and each parcel's and project's ``city_adcode``
and ``zone_type`` (from its zone) so filters need no joins at draw time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial

import geopandas as gpd
import numpy as np
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
    position: int = 0  # the store's position() this data reflects (see Store.changed_since)
    geometry_version: str = ""  # changes only when a shape is added or changed (spatial indexes key on it)

    def layer(self, name: str) -> pd.DataFrame:
        return getattr(self, name)


def load_dataset(store: Store) -> Dataset:
    """Read every layer of ``store`` and add the derived columns (a store written by a newer zonemap is refused)."""
    store.check_schema()
    position, version = store.position(), store.version()  # before reading: later changes are patched in
    data = dataset_from_frames(store.read_all(), version=version)
    return replace(data, position=position, geometry_version=version)


PATCH_LIMIT = 5000  # more changed records than this: read everything again


def refresh_dataset(data: Dataset, store: Store) -> Dataset:
    """``data`` brought up to the store's current state, patching only the records changed since it was read.

    Attribute edits keep :attr:`Dataset.geometry_version` (spatial indexes stay
    valid); new records or changed shapes move it. A zone change (it alters
    parcels' and projects' derived columns), a change not in the audit (the
    file replaced by hand) or more than :data:`PATCH_LIMIT` records: a full read.
    """
    version = store.version()
    if version == data.version:  # every page run asks: one cheap question when nothing changed
        return data
    position = store.position()  # before the changes: a save in between is patched again next time
    changes = store.changed_since(data.position)
    if position == data.position or any(layer == "zones" for layer, _, _ in changes) or len(changes) > PATCH_LIMIT:
        return load_dataset(store)
    ids: dict[str, list[str]] = {}
    shaped = False
    for layer, record_id, field in changes:
        ids.setdefault(layer, []).append(record_id)
        shaped |= field in ("geometry", "*")
    fresh = {layer: store.read_records(layer, list(dict.fromkeys(rids))) for layer, rids in ids.items()}
    patched = patch_dataset(data, fresh)
    return replace(patched, version=version, position=position,
                   geometry_version=version if shaped else data.geometry_version)  # fmt: skip


def patch_dataset(data: Dataset, fresh: Mapping[str, pd.DataFrame]) -> Dataset:
    """``data`` with the stored records in ``fresh`` (parcels, projects) replacing or joining its rows.

    Derived columns of those records are computed by :func:`dataset_from_frames`
    itself, on just these rows; the other rows are untouched (copied, so
    sessions still using ``data`` see no change). Row order is kept; new
    records are appended.
    """
    empty = {n: data.layer(n).iloc[:0] for n in ("parcels", "projects")}
    sub = dataset_from_frames({"admin": data.admin, "zones": data.zones, "rounds": data.rounds, "chains": data.chains,
                               **empty, **{n: f for n, f in fresh.items() if n in empty}})  # fmt: skip
    out = {}
    for name in fresh:
        if name not in empty:
            continue
        frame, new, key = data.layer(name).copy(), sub.layer(name), SCHEMA_KEYS[name]
        positions = pd.Index(frame[key]).get_indexer(new[key])
        known = positions >= 0
        rows = frame.index[positions[known]]
        for column in frame.columns:
            if column in new.columns:
                frame.loc[rows, column] = new.loc[known, column].to_numpy()
        if (~known).any():
            frame = pd.concat([frame, new.loc[~known, frame.columns]], ignore_index=True)
        out[name] = gpd.GeoDataFrame(frame, geometry="geometry", crs=data.layer(name).crs)
    return replace(data, **out)


SCHEMA_KEYS = {"parcels": "parcel_id", "projects": "project_id"}


def dataset_from_frames(frames: dict[str, pd.DataFrame], version: str = "") -> Dataset:
    """A Dataset of already typed layer frames, with the derived columns added."""
    admin = frames["admin"]
    names = dict(zip(admin["adcode"], admin["name"], strict=True))
    zones = frames["zones"].copy()
    zones["city_name"] = zones["city_adcode"].map(names)
    zones["county_name"] = zones["county_adcode"].map(names)
    zone_cols = zones.set_index("zone_id")[["city_adcode", "zone_type", "short_name"]]
    parcels = with_parcel_rules(_with_zone(frames["parcels"], zone_cols))
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


def with_parcel_rules(parcels: pd.DataFrame) -> pd.DataFrame:
    """``parcels`` with the columns the supply rules derive from flags and status (readiness, supply_ready,
    assessments_done, pipeline_stage) computed in place — again after the flags or status change (截至 a day)."""
    required = required_assessments()
    rules = {
        "readiness": readiness_label,
        "supply_ready": partial(is_supply_ready, required=required),
        "assessments_done": partial(assessments_done, required=required),
        "pipeline_stage": partial(pipeline_stage, required=required),
    }
    inputs = [*READINESS_FLAGS, *ASSESSMENTS, "supply_status", "is_standard_land"]
    for column, values in per_distinct(parcels, inputs, rules).items():
        parcels[column] = values
    return parcels


def per_distinct(frame: pd.DataFrame, columns: list[str], rules: dict[str, Callable]) -> dict[str, list]:
    """``{name: [rule(record) for every row]}``, each rule computed once per distinct combination of ``columns``.

    The rules in :mod:`domain` stay the only implementation; 100 000 parcels
    share a few hundred combinations of flags and status. Rows are grouped by a
    64-bit hash of their values (pandas' own row hash).
    """
    if frame.empty:
        return {name: [] for name in rules}
    sub = frame[columns]
    hashes = pd.util.hash_pandas_object(sub, index=False).to_numpy()
    _, first, codes = np.unique(hashes, return_index=True, return_inverse=True)
    distinct = sub.iloc[first].astype(object)
    records = distinct.where(distinct.notna(), None).to_dict("records")
    out = {}
    for name, rule in rules.items():
        results = np.empty(len(records), dtype=object)
        for i, record in enumerate(records):
            results[i] = rule(record)
        out[name] = list(results[codes])
    return out


def _with_zone(frame: gpd.GeoDataFrame, zone_cols: pd.DataFrame) -> gpd.GeoDataFrame:
    out = frame.copy()
    joined = zone_cols.reindex(out["zone_id"])
    out["city_adcode"] = joined["city_adcode"].to_numpy()
    out["zone_type"] = joined["zone_type"].to_numpy()
    out["zone_name"] = joined["short_name"].to_numpy()
    return out
