"""Filtering the dataset and summarising what is shown.

One :class:`Filters` value drives every layer and the summary strip:

- city, zone, zone type select zones (choosing a zone includes its parks);
  parcels and projects follow their zone;
- industrial chain keeps parcels and projects of those chains, and the zones
  that lead one of them or hold a kept parcel or project;
- 链主企业 (chain-leader enterprises) keeps those firms' 链主 projects, the zones that host them
  and those zones' parcels;
- project stage and round narrow the projects only;
- pipeline stage (储备 … 已投产, with the derived 具备供地条件), readiness label,
  land use, area range (亩) and assessment completeness narrow the parcels only.

An empty selection means "all".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geodata.dataset import Dataset
from geodata.schema import split_list


@dataclass(frozen=True)
class Filters:
    cities: tuple[str, ...] = ()  # city adcodes
    zone_ids: tuple[str, ...] = ()
    zone_types: tuple[str, ...] = ()
    chains: tuple[str, ...] = ()
    leaders: tuple[str, ...] = ()  # 链主 enterprises (projects' ``enterprise`` where ``is_chain_leader``)
    stages: tuple[str, ...] = ()
    round_ids: tuple[str, ...] = ()
    pipeline_stages: tuple[str, ...] = ()
    readiness: tuple[str, ...] = ()
    land_uses: tuple[str, ...] = ()
    area_mu: tuple[float | None, float | None] = (None, None)  # inclusive bounds
    assessments_done: bool | None = None

    @property
    def active(self) -> bool:
        return self != Filters()


@dataclass(frozen=True)
class View:
    """The filtered layers (admin is never filtered)."""

    admin: pd.DataFrame
    zones: pd.DataFrame
    parcels: pd.DataFrame
    projects: pd.DataFrame
    filters: Filters = field(default_factory=Filters)
    asof: dt.date | None = None  # set when parcels and projects are as they stood at the end of that day

    def layers(self) -> dict[str, pd.DataFrame]:
        return {"admin": self.admin, "zones": self.zones, "parcels": self.parcels, "projects": self.projects}


def zone_family(zones: pd.DataFrame, zone_ids: tuple[str, ...]) -> set[str]:
    """The given zones plus all their parks (children, recursively)."""
    chosen = set(zone_ids)
    while True:
        children = set(zones.loc[zones["parent_id"].isin(chosen), "zone_id"]) - chosen
        if not children:
            return chosen
        chosen |= children


def apply_filters(data: Dataset, f: Filters) -> View:
    """The view of ``data`` under filters ``f``."""
    zones = data.zones
    keep = pd.Series(True, index=zones.index)
    if f.cities:
        keep &= zones["city_adcode"].isin(f.cities)
    if f.zone_ids:
        keep &= zones["zone_id"].isin(zone_family(zones, f.zone_ids))
    if f.zone_types:
        keep &= zones["zone_type"].isin(f.zone_types)
    zone_ids = set(zones.loc[keep, "zone_id"])

    parcels = data.parcels[data.parcels["zone_id"].isin(zone_ids)]
    projects = data.projects[data.projects["zone_id"].isin(zone_ids)]
    if f.chains:
        parcels = parcels[parcels["chain"].isin(f.chains)]
        projects = projects[projects["chain"].isin(f.chains)]
    parcels = _parcel_filters(parcels, f)
    if f.stages:
        projects = projects[projects["stage"].isin(f.stages)]
    if f.round_ids:
        projects = projects[projects["round_id"].isin(f.round_ids)]

    if f.chains:
        wanted = set(f.chains)
        leads = zones["leading_chains"].map(lambda v: bool(wanted & set(split_list(v))))
        holds = zones["zone_id"].isin(set(parcels["zone_id"]) | set(projects["zone_id"]))
        keep &= leads | holds
    if f.leaders:
        projects = projects[projects["is_chain_leader"].astype(bool) & projects["enterprise"].isin(f.leaders)]
        hosts = set(projects["zone_id"])
        keep &= zones["zone_id"].isin(hosts)
        parcels = parcels[parcels["zone_id"].isin(hosts)]
    return View(admin=data.admin, zones=zones[keep], parcels=parcels, projects=projects, filters=f)


def _parcel_filters(parcels: pd.DataFrame, f: Filters) -> pd.DataFrame:
    for column, wanted in (
        ("pipeline_stage", f.pipeline_stages),
        ("readiness", f.readiness),
        ("land_use", f.land_uses),
    ):
        if wanted:
            parcels = parcels[parcels[column].isin(wanted)]
    low, high = f.area_mu
    if low is not None:
        parcels = parcels[parcels["area_mu"] >= low]
    if high is not None:
        parcels = parcels[parcels["area_mu"] <= high]
    if f.assessments_done is not None:
        parcels = parcels[parcels["assessments_done"] == f.assessments_done]
    return parcels


def summarize(view: View) -> dict[str, float | int]:
    """Counts, 亩 and 亿元 of what the view shows (all filtered records, not just drawn ones)."""
    parcels, projects = view.parcels, view.projects
    standard = parcels[parcels["is_standard_land"]]
    stage_counts = projects["stage"].value_counts()
    return {
        "zones": len(view.zones),
        "parcels": len(parcels),
        "parcels_mu": float(parcels["area_mu"].sum()),
        "standard_parcels": len(standard),
        "standard_mu": float(standard["area_mu"].sum()),
        "projects": len(projects),
        "investment_yi": float(projects["investment_yi"].sum(skipna=True)),
        "projects_without_investment": int(projects["investment_yi"].isna().sum()),
        "signed": int(stage_counts.get("signed", 0)),
        "started": int(stage_counts.get("started", 0)),
        "producing": int(stage_counts.get("producing", 0)),
    }


# What the search looks in, per layer: the record's key, then the columns in the order a match is reported
# (an identifier before the name, so a code found in both says it is the code).
SEARCH_COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "zones": ("zone_id", ("zone_id", "name", "short_name")),
    "parcels": ("parcel_id", ("parcel_id", "parcel_code", "supervision_no", "name")),
    "projects": ("project_id", ("project_id", "name", "enterprise")),
}


@dataclass(frozen=True)
class Hit:
    """A search result: the record, its name, and the column whose value matched (with that value)."""

    layer: str
    record_id: str
    name: str
    field: str
    value: str


def _first_match(frame: pd.DataFrame, columns: tuple[str, ...], needle: str) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the first of ``columns`` equal to ``needle``, and the first containing it (None: none)."""
    exact = np.full(len(frame), None, dtype=object)
    contained = exact.copy()
    for column in reversed(columns):  # the earlier column wins, so it is written last
        if column not in frame:
            continue
        values = frame[column].astype("string").str.lower()
        exact[values.eq(needle).fillna(False).to_numpy(dtype=bool)] = column
        contained[values.str.contains(needle, regex=False).fillna(False).to_numpy(dtype=bool)] = column
    return exact, contained


def search(data: Dataset, text: str, limit: int = 20) -> list[Hit]:
    """Zones, parcels and projects whose name or identifier is or contains ``text`` (Latin letters in any case).

    Identifiers: 开发区编号, 地块编号, 宗地代码, 电子监管号, 项目编号, and a project's 企业. Exact
    matches come first, then contained ones, each in layer order. Vectorised: one pass per column.
    """
    needle = text.strip().lower()
    if not needle:
        return []
    found = []
    for layer, (_key, columns) in SEARCH_COLUMNS.items():
        exact, contained = _first_match(data.layer(layer), columns, needle)
        not_exact = pd.isna(exact)
        field = np.where(not_exact, contained, exact)
        rows = np.flatnonzero(pd.notna(field))
        found.append(pd.DataFrame({"layer": layer, "row": rows, "field": field[rows], "rank": not_exact[rows]}))
    best = pd.concat(found, ignore_index=True).sort_values("rank", kind="stable").head(limit)
    hits = []
    for layer, row, column in best[["layer", "row", "field"]].itertuples(index=False):  # at most ``limit`` rows
        frame, key = data.layer(layer), SEARCH_COLUMNS[layer][0]
        hits.append(Hit(layer, frame[key].iat[row], frame["name"].iat[row], column, str(frame[column].iat[row])))
    return hits
