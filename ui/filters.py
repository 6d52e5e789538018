"""The sidebar filters, one component shared by every page that shows the map."""

from __future__ import annotations

import streamlit as st

from domain.labels import label, stage_label
from geodata.dataset import Dataset
from geodata.query import Filters
from geodata.schema import SHANXI_CITIES, STAGES, ZONE_TYPES

ALL = "全部"


def chain_options(data: Dataset) -> list[str]:
    """Chains in taxonomy order that occur in the data (zones, parcels or projects)."""
    used = set(data.parcels["chain"].dropna()) | set(data.projects["chain"].dropna())
    for value in data.zones["leading_chains"].dropna():
        used |= set(value.split(";"))
    ordered = data.chains.sort_values(["kind", "ordinal"])["name"].tolist()
    return [c for c in ordered if c in used]


def sidebar_filters(data: Dataset, key: str = "flt") -> Filters:
    """Draw the filter widgets in the sidebar and return the chosen filters."""
    sb = st.sidebar
    sb.header("筛选")
    cities = sb.multiselect(
        "市", list(SHANXI_CITIES), format_func=SHANXI_CITIES.get, key=f"{key}_city", placeholder=ALL
    )
    zones = data.zones if not cities else data.zones[data.zones["city_adcode"].isin(cities)]
    zone_names = dict(zip(zones["zone_id"], zones["short_name"], strict=True))
    zone_ids = sb.multiselect(
        "开发区", list(zone_names), format_func=zone_names.get, key=f"{key}_zone", placeholder=ALL
    )
    zone_types = sb.multiselect("开发区类型", list(ZONE_TYPES), format_func=label, key=f"{key}_ztype", placeholder=ALL)
    chains = sb.multiselect("产业链", chain_options(data), key=f"{key}_chain", placeholder=ALL)
    stages = sb.multiselect("项目阶段", list(STAGES), format_func=stage_label, key=f"{key}_stage", placeholder=ALL)
    rounds = data.rounds[data.rounds["kind"] == "round"]
    round_labels = dict(zip(rounds["round_id"], rounds["label"], strict=True))
    round_ids = sb.multiselect(
        "三个一批批次", list(round_labels), format_func=round_labels.get, key=f"{key}_round", placeholder=ALL
    )
    return Filters(
        cities=tuple(cities),
        zone_ids=tuple(z for z in zone_ids if z in zone_names),
        zone_types=tuple(zone_types),
        chains=tuple(chains),
        stages=tuple(stages),
        round_ids=tuple(round_ids),
    )
