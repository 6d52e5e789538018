"""Altair charts (Streamlit ships Altair; charts render offline)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from domain.labels import stage_label
from layers.styles import STAGE_COLORS

# 签约 / 开工 / 投产 in the map's colours
STAGE_SCALE = alt.Scale(domain=[stage_label(s) for s in STAGE_COLORS], range=list(STAGE_COLORS.values()))
# Category names in full: Vega-Lite cuts axis labels at 180 px with an ellipsis ("2021年前三次活…").
FULL_LABELS = alt.Axis(labelLimit=0)
LABEL_ROOM = 1.9  # the funnel's x axis runs this far past the longest bar, so its text label fits


def funnel_chart(flow: pd.DataFrame) -> alt.Chart:
    """Horizontal bars of 亩 per pipeline stage (cumulative), labelled with 宗 and 亩."""
    base = alt.Chart(flow).encode(
        y=alt.Y("阶段:N", sort=list(flow["阶段"]), title=None, axis=FULL_LABELS),  # pipeline order
        x=alt.X(
            "累计达到（亩）:Q",
            title="累计达到（亩）",
            scale=alt.Scale(domain=[0, max(1.0, float(flow["累计达到（亩）"].max() or 0)) * LABEL_ROOM]),
        ),
        tooltip=["阶段", "累计达到（宗）", "累计达到（亩）", "当前处于（宗）", "当前处于（亩）"],
    )
    bars = base.mark_bar(color="#2e9d5a")
    text = (
        base.mark_text(align="left", dx=4)
        .encode(text=alt.Text("label:N"))
        .transform_calculate(
            label="'累计 ' + datum['累计达到（宗）'] + ' 宗 · ' + format(datum['累计达到（亩）'], ',.2f') + ' 亩"
            "（当前 ' + datum['当前处于（宗）'] + ' 宗）'"
        )
    )
    return (bars + text).properties(height=240)


def rounds_chart(table: pd.DataFrame) -> alt.Chart:
    """Signed / started / producing project counts per round or period (grouped bars)."""
    counts = ["签约（个）", "开工（个）", "投产（个）"]
    long = table.melt(id_vars=["活动"], value_vars=counts, var_name="环节", value_name="项目（个）").dropna()
    long["环节"] = long["环节"].str.removesuffix("（个）")
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("活动:N", sort=list(table["活动"]), title=None, axis=FULL_LABELS),
            yOffset="环节:N",
            x=alt.X("项目（个）:Q"),
            color=alt.Color("环节:N", scale=STAGE_SCALE, legend=alt.Legend(orient="top")),
            tooltip=["活动", "环节", "项目（个）"],
        )
        .properties(height=alt.Step(18))  # per bar of the grouped rows
    )


def stage_chart(table: pd.DataFrame) -> alt.Chart:
    """Projects and 亿元 per stage."""
    return (
        alt.Chart(table)
        .mark_bar()
        .encode(
            x=alt.X("阶段:N", sort=list(table["阶段"]), title=None, axis=alt.Axis(labelLimit=0, labelAngle=0)),
            y=alt.Y("总投资（亿元）:Q"),
            color=alt.Color("阶段:N", scale=STAGE_SCALE, legend=None),
            tooltip=list(table.columns),
        )
        .properties(height=240)
    )


def chain_chart(table: pd.DataFrame) -> alt.Chart:
    """亿元 per chain, stacked by stage."""
    order = table.groupby("产业链")["总投资（亿元）"].sum().sort_values(ascending=False).index.tolist()
    return (
        alt.Chart(table)
        .mark_bar()
        .encode(
            y=alt.Y("产业链:N", sort=order, title=None, axis=FULL_LABELS),
            x=alt.X("总投资（亿元）:Q", stack=True),
            color=alt.Color("阶段:N", scale=STAGE_SCALE, legend=alt.Legend(orient="top")),
            tooltip=list(table.columns),
        )
        .properties(height=alt.Step(30))  # 30 px a chain: one chain is one bar, not a hairline
    )
