"""Altair charts (Streamlit ships Altair; charts render offline)."""

from __future__ import annotations

import altair as alt
import pandas as pd


def funnel_chart(flow: pd.DataFrame) -> alt.Chart:
    """Horizontal bars of 亩 per pipeline stage (cumulative), labelled with 宗 and 亩."""
    base = alt.Chart(flow).encode(
        y=alt.Y("阶段:N", sort=list(flow["阶段"]), title=None),  # pipeline order
        x=alt.X("累计达到（亩）:Q", title="累计达到（亩）"),
        tooltip=["阶段", "累计达到（宗）", "累计达到（亩）", "当前处于（宗）", "当前处于（亩）"],
    )
    bars = base.mark_bar(color="#2e9d5a")
    text = (
        base.mark_text(align="left", dx=4)
        .encode(text=alt.Text("label:N"))
        .transform_calculate(
            label="datum['累计达到（宗）'] + ' 宗 · ' + format(datum['累计达到（亩）'], ',.2f') + ' 亩'"
        )
    )
    return (bars + text).properties(height=240)
