"""The figures of a 通报 (monthly or quarterly bulletin on 三个一批 and 标准地), pure pandas.

For a period (:class:`domain.periods.Period`) and a scope (the province, a city
or a zone), on the records as they stood at the end of the period
(:mod:`stats.asof`), so an issued bulletin can be issued again, identical:

- per city and per zone: projects newly 签约/开工/投产 in the period (个, 亿元),
  签约投资 环比 and 同比 (each earlier period on its own records of the time),
  rank by 签约投资;
- 开工率 and 投产率 in the 2021 report's sense, cumulative to the period's end:
  签约项目中已开工 ÷ 签约项目, 开工项目中已投产 ÷ 开工项目; 达效率 is not in the data
  (no project records 达效), so it is stated as not computed;
- 三未 on the period's last day (:func:`domain.tracker.judge`) with days waited;
- 标准地 挂牌 and 出让 in the period (宗, 亩);
- what could not be dated (日期不详): counted apart and named in the text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from domain.asof import UNKNOWN, YES
from domain.labels import label
from domain.periods import Period, growth, growth_text
from domain.tracker import SANWEI, Thresholds, format_rate, judge, ratio
from geodata.schema import SHANXI_CITIES
from stats.asof import records_on, stages_on

STAGE_WORDS = {"signed": "签约", "started": "开工", "producing": "投产"}
SOURCE_2021 = "开工率、投产率的口径同2021年10月记者闫杰关于全省开发区“三个一批”活动的报道（数据截至2021年9月底）"
PROVINCE = "全省"
SANWEI_COLUMNS = ["项目", "企业", "市", "开发区", "总投资（亿元）", "起算日期", "已等待（天）", "项目编号"]
DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class BulletinScope:
    """Which zones a bulletin covers: all (province), one city (adcode) or one zone and its parks."""

    name: str = PROVINCE
    city: str | None = None
    zone: str | None = None


def resolve_scope(text: str | None, zones: pd.DataFrame) -> BulletinScope:
    """``140700``/``晋中市``/``晋中`` → that city; a zone's id, name or short name → that zone; empty → province."""
    text = (text or "").strip()
    if not text:
        return BulletinScope()
    for code, name in SHANXI_CITIES.items():
        if text in (code, name, name.removesuffix("市")):
            return BulletinScope(name, city=code)
    for z in zones.to_dict("records"):
        if text in (z["zone_id"], z["name"], z["short_name"]):
            return BulletinScope(z["name"], zone=z["zone_id"])
    raise ValueError(f"未知的通报范围“{text}”：请写市的代码或名称（如 140700、晋中市），或开发区的编号或名称")


@dataclass
class Bulletin:
    period: Period
    scope: BulletinScope
    totals: dict  # headline figures of the scope
    cities: pd.DataFrame
    zones: pd.DataFrame
    sanwei: dict[str, pd.DataFrame]
    land: pd.DataFrame
    paragraphs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _zone_table(zones: pd.DataFrame) -> pd.DataFrame:
    return zones[["zone_id", "short_name", "city_adcode", "parent_id"]].assign(
        city=zones["city_adcode"].map(SHANXI_CITIES)
    )


def _in_scope(zone_table: pd.DataFrame, scope: BulletinScope) -> set[str]:
    if scope.city:
        return set(zone_table.loc[zone_table["city_adcode"] == scope.city, "zone_id"])
    if scope.zone:
        z = zone_table
        return set(z.loc[(z["zone_id"] == scope.zone) | (z["parent_id"] == scope.zone), "zone_id"])
    return set(zone_table["zone_id"])


def state_on(frames: dict[str, pd.DataFrame], history: pd.DataFrame | None, day: dt.date, scope: BulletinScope):
    """(projects, 标准地 parcels) in scope as they stood at the end of ``day``, with stages, city and zone names."""
    zones = _zone_table(records_on(frames["zones"], history, "zones", day))
    keep = _in_scope(zones, scope)
    names = zones.set_index("zone_id")
    out = []
    for layer in ("projects", "parcels"):
        rows = records_on(frames[layer], history, layer, day)
        rows = rows[rows["zone_id"].isin(keep)]
        if layer == "parcels":  # the bulletin reports 标准地 only
            rows = rows[rows["is_standard_land"].astype(bool)]
        stages = stages_on(rows, history, layer, day)
        out.append(
            pd.concat([pd.DataFrame(rows.drop(columns="geometry", errors="ignore")), stages], axis=1).assign(
                city=rows["zone_id"].map(names["city"]), zone_name=rows["zone_id"].map(names["short_name"])
            )
        )
    return out[0], out[1]


def _flows(projects: pd.DataFrame, period: Period, by: str | None) -> pd.DataFrame:
    """Per group: new 签约/开工/投产 in ``period`` (个, 亿元), undated ones, and the cumulative rates' counts."""
    frame = projects.assign(_all=PROVINCE)
    key = by or "_all"
    cols = {}
    for stage in STAGE_WORDS:
        new = in_period(frame[f"{stage}_known"], period)
        cols[f"{stage}_n"] = new
        cols[f"{stage}_yi"] = frame["investment_yi"].where(new, 0.0).fillna(0.0)
        cols[f"{stage}_unknown"] = frame[f"{stage}_on"] == UNKNOWN
        cols[f"{stage}_total"] = frame[f"{stage}_on"] == YES
    cols["signed_then_started"] = cols["signed_total"] & cols["started_total"]
    cols["started_then_producing"] = cols["started_total"] & cols["producing_total"]
    parts = pd.DataFrame(cols).assign(_key=frame[key])
    return parts.groupby("_key").sum()


def in_period(dates: pd.Series, period: Period) -> pd.Series:
    """Which dates (datetime64, NaT for none) fall in ``period``, both ends counted."""
    return (dates >= pd.Timestamp(period.start)) & (dates <= pd.Timestamp(period.end))


def _rates(row) -> tuple[float | None, float | None]:
    return ratio(row["signed_then_started"], row["signed_total"]), ratio(
        row["started_then_producing"], row["started_total"]
    )


def _group_table(now, before, year_ago, names: list[str], title: str) -> pd.DataFrame:
    rows = []
    for name in names:
        cur = now.loc[name] if name in now.index else None
        prev = before.loc[name]["signed_yi"] if name in before.index else 0.0
        ago = year_ago.loc[name]["signed_yi"] if name in year_ago.index else 0.0
        get = lambda c, cur=cur: 0 if cur is None else cur[c]  # noqa: E731
        start_rate, production_rate = (None, None) if cur is None else _rates(cur)
        rows.append(
            {
                title: name,
                "新签约（个）": int(get("signed_n")),
                "签约投资（亿元）": round(float(get("signed_yi")), 2),
                "签约投资环比": _pct(growth(float(get("signed_yi")), float(prev))),
                "签约投资同比": _pct(growth(float(get("signed_yi")), float(ago))),
                "新开工（个）": int(get("started_n")),
                "开工投资（亿元）": round(float(get("started_yi")), 2),
                "新投产（个）": int(get("producing_n")),
                "投产投资（亿元）": round(float(get("producing_yi")), 2),
                "开工率（累计）": format_rate(start_rate),
                "投产率（累计）": format_rate(production_rate),
                "达效率": "—",
            }
        )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table.insert(1, "排名", table["签约投资（亿元）"].rank(ascending=False, method="min").astype(int))
    return table.sort_values(["排名", title], kind="stable", ignore_index=True)


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:+.1f}%"


def _sanwei(projects: pd.DataFrame, day: dt.date, t: Thresholds) -> dict[str, pd.DataFrame]:
    """The 三未 lists on ``day``, longest wait first."""
    rows = {flag: [] for flag in SANWEI}
    order = list(STAGE_WORDS)
    for p in projects.to_dict("records"):
        reached = [s for s in order if p[f"{s}_on"] in (YES, UNKNOWN)]
        if not reached:
            continue
        record = {
            f"{s}_date": (d.date().isoformat() if pd.notna(d := p[f"{s}_known"]) and d.date() <= day else None)
            for s in order
        } | {"stage": reached[-1], "parcel_id": p.get("parcel_id")}
        verdict = judge(record, day, t)
        if verdict.flag:
            since = record["started_date"] if verdict.flag == "started_not_producing" else record["signed_date"]
            rows[verdict.flag].append(
                {
                    "项目": p["name"],
                    "企业": p.get("enterprise") or "—",
                    "市": p["city"],
                    "开发区": p["zone_name"],
                    "总投资（亿元）": p["investment_yi"],
                    "起算日期": since,
                    "已等待（天）": verdict.days,
                    "项目编号": p["project_id"],
                }
            )
    return {
        flag: pd.DataFrame(r, columns=SANWEI_COLUMNS).sort_values(
            "已等待（天）", ascending=False, kind="stable", ignore_index=True
        )
        for flag, r in rows.items()
    }


def _land(parcels: pd.DataFrame, period: Period, names: list[str]) -> pd.DataFrame:
    """标准地 挂牌 and 出让 in the period per city (宗, 亩), with a 合计 row."""
    std = parcels[parcels["is_standard_land"].astype(bool)]
    rows = []
    for name in [*names, "合计"]:
        part = std if name == "合计" else std[std["city"] == name]
        row = {"市": name}
        for stage, word in (("listed", "挂牌"), ("sold", "出让")):
            new = in_period(part[f"{stage}_known"], period)
            row[f"{word}（宗）"] = int(new.sum())
            row[f"{word}（亩）"] = round(float(part.loc[new, "area_mu"].sum()) if len(part) else 0.0, 2)
            row[f"{word}日期不详（宗）"] = int((part[f"{stage}_on"] == UNKNOWN).sum())
        rows.append(row)
    return pd.DataFrame(rows)


def bulletin_figures(
    frames: dict[str, pd.DataFrame],
    history: pd.DataFrame | None,
    period: Period,
    scope: BulletinScope = BulletinScope(),
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Bulletin:
    """Every figure of the bulletin for ``period`` (see module doc); text in :attr:`Bulletin.paragraphs`."""
    states = {p: state_on(frames, history, p.end, scope) for p in (period, period.previous(), period.year_ago())}
    projects, parcels = states[period]
    groups = {}
    for by in (None, "city", "zone_name"):
        groups[by] = [_flows(states[p][0], p, by) for p in (period, period.previous(), period.year_ago())]
    cities = [
        SHANXI_CITIES[c] for c in SHANXI_CITIES if SHANXI_CITIES[c] in set(projects["city"]) | set(parcels["city"])
    ]
    if scope.city:
        cities = [scope.name]
    zone_names = sorted(set(projects["zone_name"].dropna()) | set(parcels["zone_name"].dropna()))
    city_table = _group_table(*groups["city"], cities, "市")
    zone_table = _group_table(*groups["zone_name"], zone_names, "开发区")
    now, before, ago = (g.loc[PROVINCE] if PROVINCE in g.index else None for g in groups[None])
    totals = _totals(now, before, ago)
    land = _land(parcels, period, cities)
    sanwei = _sanwei(projects, period.end, thresholds)
    b = Bulletin(period, scope, totals, city_table, zone_table, sanwei, land)
    b.paragraphs, b.notes = _text(b)
    return b


def _totals(now, before, ago) -> dict:
    def value(row, column):
        return 0 if row is None else float(row[column])

    out = {}
    for stage in STAGE_WORDS:
        for what in ("n", "yi", "unknown", "total"):
            out[f"{stage}_{what}"] = value(now, f"{stage}_{what}")
        out[f"{stage}_n_before"], out[f"{stage}_n_ago"] = value(before, f"{stage}_n"), value(ago, f"{stage}_n")
        out[f"{stage}_yi_before"], out[f"{stage}_yi_ago"] = value(before, f"{stage}_yi"), value(ago, f"{stage}_yi")
    out["signed_then_started"] = value(now, "signed_then_started")
    out["started_then_producing"] = value(now, "started_then_producing")
    out["start_rate"] = ratio(out["signed_then_started"], out["signed_total"])
    out["production_rate"] = ratio(out["started_then_producing"], out["started_total"])
    return out


def _vs(word: str, current: float, earlier: float) -> str:
    text = growth_text(current, earlier)
    if text == "上期为零":
        return f"{word}基数为零"
    return f"{word}{text}"


def _yi(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _text(b: Bulletin) -> tuple[list[str], list[str]]:
    t, who, end = b.totals, b.scope.name, b.period.end
    paragraphs = []
    for stage, word in STAGE_WORDS.items():
        n, yi = int(t[f"{stage}_n"]), t[f"{stage}_yi"]
        paragraphs.append(
            f"{b.period.label}，{who}新{word}项目{n}个、总投资{_yi(yi)}亿元，"
            f"项目数{_vs('环比', n, t[f'{stage}_n_before'])}、{_vs('同比', n, t[f'{stage}_n_ago'])}，"
            f"投资{_vs('环比', yi, t[f'{stage}_yi_before'])}、{_vs('同比', yi, t[f'{stage}_yi_ago'])}。"
        )
    paragraphs.append(
        f"截至{end.year}年{end.month}月{end.day}日，{who}累计签约项目{int(t['signed_total'])}个，其中已开工"
        f"{int(t['signed_then_started'])}个，开工率{format_rate(t['start_rate'])}；累计开工项目{int(t['started_total'])}个，"
        f"其中已投产{int(t['started_then_producing'])}个，投产率{format_rate(t['production_rate'])}。"
        f"本数据无项目达效记录，达效率不作统计。{SOURCE_2021}。"
    )
    top = b.cities[b.cities["签约投资（亿元）"] > 0].head(3) if len(b.cities) > 1 else b.cities.iloc[0:0]
    if len(top):
        ranked = "、".join(f"{r['市']}（{_yi(r['签约投资（亿元）'])}亿元）" for r in top.to_dict("records"))
        paragraphs.append(f"按签约投资排名，居前的市为：{ranked}。")
    sanwei = "，".join(
        f"{label(flag)}项目{len(rows)}个"
        + (f"（最长已等待{int(rows['已等待（天）'].iloc[0])}天）" if len(rows) else "")
        for flag, rows in b.sanwei.items()
    )
    paragraphs.append(f"截至期末，{sanwei}，名单见附件。")
    total = b.land.iloc[-1]
    paragraphs.append(
        f"本期{who}挂牌标准地{int(total['挂牌（宗）'])}宗、{_yi(total['挂牌（亩）'])}亩，"
        f"出让标准地{int(total['出让（宗）'])}宗、{_yi(total['出让（亩）'])}亩。"
    )
    undated = [f"{int(t[f'{s}_unknown'])}个项目已{w}但{w}日期不详" for s, w in STAGE_WORDS.items() if t[f"{s}_unknown"]]
    land_undated = int(total["出让日期不详（宗）"])
    if land_undated:
        undated.append(f"{land_undated}宗标准地已出让但出让合同签订日期不详")
    notes = []
    if undated:
        notes.append(f"日期不详：{'，'.join(undated)}，未计入本期新增，请各开发区补录日期。")
    notes.append(
        "本通报按期末（北京时间当日24时）的数据计算，此后的修改不改变本期数字；环比为与上一期比较，同比为与上年同期比较。"
    )
    return paragraphs, notes
