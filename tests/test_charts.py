"""Charts keep their labels whole and their bars visible whatever the number of categories."""

from __future__ import annotations

import pandas as pd

from ui.charts import chain_chart, funnel_chart, rounds_chart


def test_category_labels_are_never_cut():
    rounds = pd.DataFrame(
        {"活动": ["2021年前三次活动（汇总）"], "签约（个）": [1059], "开工（个）": [604], "投产（个）": [593]}
    )
    for chart in (
        rounds_chart(rounds),
        chain_chart(pd.DataFrame({"产业链": ["光伏"], "阶段": ["开工"], "总投资（亿元）": [1.0]})),
    ):
        spec = chart.to_dict()
        assert spec["encoding"]["y"]["axis"]["labelLimit"] == 0


def test_one_chain_is_a_bar_not_a_hairline():
    spec = chain_chart(
        pd.DataFrame({"产业链": ["光伏"] * 2, "阶段": ["签约", "开工"], "总投资（亿元）": [5.0, 9.0]})
    ).to_dict()
    assert spec["height"] == {"step": 30}


def test_funnel_leaves_room_for_its_labels_and_says_cumulative_and_now():
    flow = pd.DataFrame(
        {"阶段": ["储备", "具备供地条件"], "累计达到（宗）": [10, 6], "累计达到（亩）": [100.0, 60.0],
         "当前处于（宗）": [4, 6], "当前处于（亩）": [40.0, 60.0]}
    )  # fmt: skip
    spec = funnel_chart(flow).to_dict()
    bars, text = spec["layer"]
    assert bars["encoding"]["x"]["scale"]["domain"][1] > 100 * 1.5
    assert "'累计 '" in text["transform"][0]["calculate"] and "（当前 '" in text["transform"][0]["calculate"]
