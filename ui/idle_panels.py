"""Widgets of the 闲置土地盘活 page: rules, the scenario editor, saved scenarios, matching."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from domain.idle import IdleRules
from domain.labels import label
from domain.revitalize import DEFAULT_INDICATORS, OPTIONS, ChainIndicators
from stats.idle import compare_table

PICK = "idl_pick"
SCENARIOS = "idl_scenarios"
INDICATOR_COLUMNS = {
    "invest_intensity": "投资强度（万元/亩）",
    "output_per_mu": "亩均产值（万元/亩）",
    "tax_per_mu": "亩均税收（万元/亩）",
    "jobs_per_mu": "亩均就业（人/亩）",
}
DEFAULT_CHAIN = "默认"


def rules_sidebar() -> tuple[dt.date, IdleRules]:
    """判定日期 and the regulation's thresholds (settings, defaults from the regulation)."""
    with st.sidebar.expander("认定规则（《闲置土地处置办法》）", expanded=False):
        today = st.date_input("判定日期", value=dt.date.today(), format="YYYY-MM-DD", key="idl_today")
        rules = IdleRules(
            developed_share=st.number_input("已开发面积不足（占应开发面积）", 0.0, 1.0, 1 / 3, 0.01, format="%.4f"),
            invested_share=st.number_input("或者已投资不足（占总投资）", 0.0, 1.0, 0.25, 0.01, format="%.2f"),
            fee_rate=st.number_input("土地闲置费（占出让或者划拨价款）", 0.0, 1.0, 0.20, 0.01, format="%.2f"),
        )
        st.caption("满一年：约定动工日（或停工日）当日不计入，至次年对应日24时届满，次日起闲置。")
    return today, rules


def add_to_pick(parcel_ids: list[str]) -> None:
    """Callback: add parcels to the calculator's selection (keeps order, no duplicates)."""
    current = list(st.session_state.get(PICK, []))
    st.session_state[PICK] = current + [p for p in parcel_ids if p not in current]


def plan_editor(classified: pd.DataFrame, chains: list[str]) -> pd.DataFrame:
    """Per picked parcel: disposal option (the order's default for its class) and target chain (an editable table).

    The option column offers only options allowed for some picked parcel; a
    choice that does not fit its parcel is reported by the page, never evaluated.
    """
    picked = classified.set_index("parcel_id").loc[st.session_state.get(PICK, [])]
    allowed = [tuple(o) for o in picked["idle_options"]]
    offered = [k for k in OPTIONS if any(k in keys for keys in allowed)]
    plan = pd.DataFrame(
        {
            "地块编号": picked.index,
            "名称": picked["name"].to_numpy(),
            "面积（亩）": picked["area_mu"].round(2).to_numpy(),
            "闲置认定": [label(c) for c in picked["idle_class"]],
            "处置方式": [OPTIONS[keys[0]].label if keys else None for keys in allowed],
            "可选处置方式": ["；".join(OPTIONS[k].label for k in keys) for keys in allowed],
            "目标产业链": [c or DEFAULT_CHAIN for c in picked["chain"]],
        }
    )
    return st.data_editor(
        plan,
        key=f"idl_plan_{'_'.join(picked.index)}",
        hide_index=True,
        disabled=["地块编号", "名称", "面积（亩）", "闲置认定", "可选处置方式"],
        column_config={
            "处置方式": st.column_config.SelectboxColumn(options=[OPTIONS[k].label for k in offered], required=True),
            "目标产业链": st.column_config.SelectboxColumn(options=[DEFAULT_CHAIN, *chains], required=True),
        },
        width="stretch",
    )


def indicator_editor(chains: list[str]) -> dict[str, ChainIndicators]:
    """The per-chain indicators (illustrative defaults, editable)."""
    rows = [{"产业链": c} | {v: getattr(DEFAULT_INDICATORS, k) for k, v in INDICATOR_COLUMNS.items()} for c in chains]
    edited = st.data_editor(
        pd.DataFrame(rows, columns=["产业链", *INDICATOR_COLUMNS.values()]),
        key=f"idl_ind_{'_'.join(chains)}",
        hide_index=True,
        disabled=["产业链"],
        width="stretch",
    )
    return {
        r["产业链"]: ChainIndicators(**{k: float(r[v] or 0) for k, v in INDICATOR_COLUMNS.items()})
        for r in edited.to_dict("records")
    }


def plan_choices(plan: pd.DataFrame) -> list[tuple[str, str, str | None]]:
    """The edited plan as (parcel_id, option key, chain or None)."""
    by_label = {o.label: k for k, o in OPTIONS.items()}
    return [
        (r["地块编号"], by_label.get(r["处置方式"], ""), None if r["目标产业链"] == DEFAULT_CHAIN else r["目标产业链"])
        for r in plan.to_dict("records")
    ]


def save_scenario(name: str, table: pd.DataFrame, sums: dict[str, float]) -> None:
    st.session_state.setdefault(SCENARIOS, {})[name] = {"table": table, "totals": sums}


def saved_scenarios() -> dict[str, dict]:
    return st.session_state.get(SCENARIOS, {})


def compare_panel() -> None:
    scenarios = saved_scenarios()
    if len(scenarios) < 2:
        st.caption("保存两个及以上方案后，在此并列比较。")
        return
    st.dataframe(compare_table({n: s["totals"] for n, s in scenarios.items()}), width="stretch")
