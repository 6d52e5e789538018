"""The sidebar filters, one component shared by every page that shows the map.

Every filter widget is bound to a query parameter named after its key
(``?flt_chain=光伏&flt_city=晋中市``), so a copied address opens with the same
filters (see :mod:`ui.urlstate` for the selection and the map view).
"""

from __future__ import annotations

import streamlit as st

from domain.chains import ordered
from domain.labels import label, stage_label
from domain.readiness import READINESS_KEYS
from domain.supply import PIPELINE
from geodata.dataset import Dataset
from geodata.query import Filters
from geodata.schema import LAND_USES, SHANXI_CITIES, STAGES, ZONE_TYPES, split_list
from layers.styles import PARCEL_STYLE_NAMES, SUPPLY_STYLES
from stats.tracker import chain_leaders

ALL = "全部"
# Bound to the URL; no English "Select all" entry at the top of the option list.
URL = {"bind": "query-params"}
MULTI = URL | {"placeholder": ALL, "select_all": False}


def chain_options(data: Dataset) -> list[str]:
    """Every chain the data names (zones' leading chains, parcels, projects), in taxonomy order: also the
    ones the data file's own chains table lacks (domain.chains)."""
    used = set(data.parcels["chain"].dropna()) | set(data.projects["chain"].dropna())
    for value in data.zones["leading_chains"].dropna():
        used |= set(split_list(value))
    return ordered(used, data.chains.to_dict("records"))


def sidebar_filters(
    data: Dataset, key: str = "flt", projects: bool = True, parcels: bool = False, leaders: bool = False
) -> Filters:
    """Draw the filter widgets in the sidebar and return the chosen filters.

    City, zone, zone type and chain are always there; ``projects`` adds stage and
    round, ``leaders`` the 链主企业 filter, ``parcels`` adds supply stage, readiness, land use, area and assessments.
    """
    sb = st.sidebar
    sb.header("筛选")
    cities = sb.multiselect("市", list(SHANXI_CITIES), format_func=SHANXI_CITIES.get, key=f"{key}_city", **MULTI)
    zones = data.zones if not cities else data.zones[data.zones["city_adcode"].isin(cities)]
    zone_names = dict(zip(zones["zone_id"], zones["short_name"], strict=True))
    zone_ids = sb.multiselect("开发区", list(zone_names), format_func=zone_names.get, key=f"{key}_zone", **MULTI)
    zone_types = sb.multiselect("开发区类型", list(ZONE_TYPES), format_func=label, key=f"{key}_ztype", **MULTI)
    chains = sb.multiselect("产业链", chain_options(data), key=f"{key}_chain", **MULTI)
    extra: dict = {}
    if leaders:
        extra["leaders"] = tuple(sb.multiselect("链主企业", chain_leaders(data.projects), key=f"{key}_leader", **MULTI))
    if projects:
        extra["stages"] = tuple(
            sb.multiselect("项目阶段", list(STAGES), format_func=stage_label, key=f"{key}_stage", **MULTI)
        )
        rounds = data.rounds[data.rounds["kind"] == "round"]
        round_labels = dict(zip(rounds["round_id"], rounds["label"], strict=True))
        extra["round_ids"] = tuple(
            sb.multiselect(
                "三个一批批次", list(round_labels), format_func=round_labels.get, key=f"{key}_round", **MULTI
            )
        )
    if parcels:
        extra |= _parcel_filters(data, key)
    return Filters(
        cities=tuple(cities),
        zone_ids=tuple(z for z in zone_ids if z in zone_names),
        zone_types=tuple(zone_types),
        chains=tuple(chains),
        **extra,
    )


def _parcel_filters(data: Dataset, key: str) -> dict:
    sb = st.sidebar
    out: dict = {}
    out["pipeline_stages"] = tuple(
        sb.multiselect("供地阶段", list(PIPELINE), format_func=label, key=f"{key}_pstage", **MULTI)
    )
    out["readiness"] = tuple(
        sb.multiselect("基础设施配套", list(READINESS_KEYS), format_func=label, key=f"{key}_ready", **MULTI)
    )
    out["land_uses"] = tuple(sb.multiselect("用地性质", list(LAND_USES), format_func=label, key=f"{key}_use", **MULTI))
    top = float(max(1.0, data.parcels["area_mu"].max() if len(data.parcels) else 1.0))
    low, high = sb.slider(
        "面积（亩）", 0.0, float(round(top + 0.5)), (0.0, float(round(top + 0.5))), key=f"{key}_area", **URL
    )
    out["area_mu"] = (low if low > 0 else None, high if high < round(top + 0.5) else None)
    done = sb.selectbox(
        "区域评估",
        list(_ASSESSMENT_CHOICES),
        format_func=_ASSESSMENT_CHOICES.get,
        key=f"{key}_assess",
        placeholder=ALL,
        **URL,
    )
    out["assessments_done"] = {"all": None, "done": True, "missing": False}[done]
    return out


_ASSESSMENT_CHOICES = {"all": ALL, "done": "已全部完成", "missing": "尚未完成"}


def parcel_style_select() -> str:
    """The sidebar's 地块着色 choice (kept in the address as ``style``), shared by the map pages."""
    return st.sidebar.selectbox(
        "地块着色",
        SUPPLY_STYLES,
        format_func=PARCEL_STYLE_NAMES.get,
        key="style",
        placeholder="选择着色方式",
        bind="query-params",
    )
