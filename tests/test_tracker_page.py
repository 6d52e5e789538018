"""三个一批 page under AppTest, and its tables on the sample data."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from domain.tracker import Thresholds
from geodata.dataset import load_dataset
from geodata.query import Filters, apply_filters
from geodata.store import SAMPLE_PATH, GpkgStore
from stats.tracker import (
    investment_by_stage,
    judge_projects,
    leading_zones,
    project_table,
    rounds_table,
    zone_follow_up,
)
from tests.apptest import open_page
from tests.sql import LEADING_ZONES, rows


@pytest.fixture(scope="module")
def sample():
    return load_dataset(GpkgStore(SAMPLE_PATH))


def test_rounds_table_reproduces_the_official_figures(sample):
    t = rounds_table(sample.rounds).set_index("round_id")
    q13 = t.loc["P2021-Q1-3"]
    assert (q13["开工率"], q13["投产率"], q13["平均达效率"]) == ("80.2%", "57%", "98.1%")
    assert q13["开工项目已完成投资占比"] == "16%"  # 475.4 / 2973.3
    assert "投资完成率" not in t.columns and "达效率" not in t.columns  # seed 002's 三率 are not these
    year = t.loc["P2021"]
    assert (year["签约（个）"], year["签约投资（亿元）"]) == (1427, 5805.0)
    assert (year["开工（个）"], year["开工投资（亿元）"]) == (1607, 5029.8)
    assert (year["投产（个）"], year["投产投资（亿元）"]) == (1345, 2133.4)
    assert t.loc["P2023-2024Q1", "战略性新兴产业占比"] == "97.19%"
    assert t.loc["R2021-01", "开工率"] == "—"  # not published for that round


def test_judged_projects_and_follow_up(sample):
    judged = judge_projects(sample.projects, dt.date(2026, 11, 22), Thresholds())
    jk = judged.set_index("project_id")
    seeded = jk[jk["name"].str.contains("晶科")].iloc[0]
    assert seeded["stage"] == "started" and seeded["s2s_days"] is not None
    follow = zone_follow_up(judged)
    flags = follow[["签而未落（个）", "落而未投（个）", "投未见效（个）"]].to_numpy().sum()
    assert flags == judged["sanwei"].notna().sum() > 0
    table = project_table(judged, sample.rounds)
    assert len(table) == len(judged) and table.index.name == "项目编号"


def test_follow_up_takes_the_median_days_over_projects_with_both_dates():
    judged = pd.DataFrame(
        {
            "zone_id": ["Z1", "Z1", "Z1", "Z1", "Z2"],
            "zone_name": ["甲", "甲", "甲", "甲", "乙"],
            "s2s_days": [30, 60, 360, None, None],  # the last two have no start date
            "sanwei": [None, None, "started_not_producing", None, "signed_not_landed"],
            "problem": [None] * 5,
        }
    )
    follow = zone_follow_up(judged).set_index("开发区")
    assert follow.loc["甲", ["项目（个）", "有签约与开工日期（个）", "签约到开工中位数（天）"]].tolist() == [4, 3, 60.0]
    assert follow.loc["乙", "有签约与开工日期（个）"] == 0 and pd.isna(follow.loc["乙", "签约到开工中位数（天）"])


def test_chain_view_tables(sample):
    view = apply_filters(sample, Filters(chains=("光伏",)))
    stages = investment_by_stage(view.projects)
    assert stages["项目（个）"].sum() == len(view.projects)
    zones = leading_zones(view.zones, view.projects, view.parcels, "光伏")
    leading = view.zones.loc[view.zones["leading_chains"].fillna("").str.contains("光伏"), "zone_id"]
    assert zones["项目（个）"].sum() == view.projects["zone_id"].isin(set(leading)).sum()  # no 光伏 链主 here
    assert zones.iloc[0]["项目总投资（亿元）"] >= zones.iloc[-1]["项目总投资（亿元）"]


def run_tracker():
    return open_page("pages/tracker.py")


DAY = dt.date(2026, 11, 22)
# 三未 under the default thresholds (180, 180, 730 days) on ?1 for chain ?2, counted in SQL: signed and not started
# for over 180 days without / with a parcel, started and not producing for over 730 days, and the records that
# cannot be judged (a date after ?1, a start before signing, a start or signing date missing where needed).
SANWEI_SQL = """
WITH p AS (
  SELECT *, julianday(?1) - julianday(signed_date) AS since_signed,
    julianday(?1) - julianday(started_date) AS since_start,
    coalesce(signed_date > ?1 OR started_date > ?1 OR producing_date > ?1 OR started_date < signed_date, 0) AS bad_date,
    (stage = 'producing' OR producing_date IS NOT NULL) AS producing,
    (stage = 'started' OR started_date IS NOT NULL) AS started
  FROM projects WHERE chain = ?2
)
SELECT
  sum(NOT bad_date AND NOT producing AND NOT started AND coalesce(parcel_id, '') = '' AND since_signed > 180),
  sum(NOT bad_date AND NOT producing AND NOT started AND coalesce(parcel_id, '') <> '' AND since_signed > 180),
  sum(NOT bad_date AND NOT producing AND started AND since_start > 730),
  sum(bad_date OR (NOT producing AND started AND started_date IS NULL)
      OR (NOT producing AND NOT started AND signed_date IS NULL))
FROM p
"""


def chain_tab(at):
    """The 产业链 tab's 领跑开发区 headings, and its tables as rows."""
    [tab] = [t for t in at.tabs if t.label == "产业链"]
    tables = [[tuple(row) for row in d.value.itertuples(index=False)] for d in tab.dataframe]
    return [m.value for m in tab.markdown if "领跑开发区" in m.value], tables, tab


def test_tracker_page_with_a_chain_selected(sample_copy):
    at = run_tracker()
    assert at.title[0].value == "三个一批"
    rounds = at.table[0].value
    assert r"80\.2%" in rounds.to_string()  # escaped for Markdown, shown as 80.2%
    assert any(s.value == "三率" for s in at.subheader)
    sanlv = at.table[1].value
    assert list(sanlv.index) == ["开工复工率", "投资完成率", "项目达产率"]
    assert any("推动项目签约到开工由238天压缩至58天" in c.value for c in at.caption)
    assert not any("平均用时" in c.value for c in at.caption)
    at.sidebar.multiselect(key="trk_chain").select("光伏").run()
    at.sidebar.date_input(key="trk_asof").set_value(DAY).run()  # 截至: 三未 judged on that day
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    flags = ("签而未落（个）", "落而未投（个）", "投未见效（个）", "日期缺失或有误（个）")
    counted = rows(sample_copy, SANWEI_SQL, DAY.isoformat(), "光伏")[0]
    assert tuple(metrics[f] for f in flags) == tuple(str(n) for n in counted) == ("7", "0", "5", "2")
    headings, tables, _ = chain_tab(at)
    assert headings == ["**光伏：领跑开发区**"]
    assert tables == [rows(sample_copy, LEADING_ZONES, "光伏")]
    # today's sample: 562.44 of 715.54 亿元
    assert tables[0][0] == ("晋中新兴产业园区", "是", "", 2, 562.44, 0, 2342.17)


def test_the_stage_chart_s_download_holds_its_numbers(sample_copy, downloads):
    """下载数据（Excel）：项目阶段 under 光伏, against the projects counted in SQL."""
    at = run_tracker()
    at.sidebar.multiselect(key="trk_chain").select("光伏").run()
    [offered] = [b for b in at.get("download_button") if b.proto.label == "下载数据（Excel）：项目阶段"]
    file = downloads.of(offered)
    assert file.filename.startswith("项目阶段_") and file.filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(file.content))
    assert book.sheetnames == ["项目阶段"]
    header, *table = book["项目阶段"].iter_rows(values_only=True)
    assert header == ("阶段", "项目（个）", "总投资（亿元）", "未披露投资（个）")
    counted = rows(
        sample_copy,
        "SELECT stage, count(*), round(coalesce(sum(investment_yi), 0), 2), sum(investment_yi IS NULL) FROM projects"
        " WHERE chain = '光伏' GROUP BY stage",
    )
    names = {"signed": "签约", "started": "开工", "producing": "投产"}
    assert sorted(table) == sorted((names[stage], *figures) for stage, *figures in counted)
    assert table == [("签约", 7, 51.21, 1), ("开工", 8, 631.81, 2), ("投产", 2, 32.52, 0)]  # today's sample


def test_thresholds_change_the_flags(sample_copy):
    at = run_tracker()
    before = {m.label: m.value for m in at.metric}["投未见效（个）"]
    at.sidebar.number_input[2].set_value(3650).run()
    after = {m.label: m.value for m in at.metric}["投未见效（个）"]
    assert int(after) < int(before)


def test_a_chain_leader_selects_its_chains(sample_copy):
    """The leader's chains are those of its projects (SQL below), and only those drive the chain tab."""
    leader = "太重集团"
    chains = [
        c for (c,) in rows(sample_copy, "SELECT DISTINCT chain FROM projects WHERE enterprise = ? ORDER BY 1", leader)
    ]
    assert chains == ["高端装备制造"]
    at = run_tracker()
    at.sidebar.selectbox(key="trk_leader").set_value(leader).run()
    assert not at.exception, at.exception
    headings, tables, tab = chain_tab(at)
    assert [c.value for c in tab.caption] == [f"链主企业“{leader}”所在产业链：{'、'.join(chains)}"]
    assert headings == [f"**{c}：领跑开发区**" for c in chains]
    assert tables == [rows(sample_copy, LEADING_ZONES, c) for c in chains]
    assert tables[0][:3] == [  # the leader's zone first, named; 沁水 and 武乡 (38.86, 32.2 亿) list the chain not
        ("晋中新兴产业园区", "是", "太重集团", 5, 27.44, 1, 893.75),
        ("阳泉高新区", "是", "", 1, 18.71, 0, 333.25),
        ("长治高新区", "是", "", 1, 13.63, 0, 382.94),
    ]
