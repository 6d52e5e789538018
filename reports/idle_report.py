"""The 闲置土地盘活 report for the meeting: an Excel workbook and a printable HTML page with a map.

Both are built from the same tables; the HTML is self-contained (inline CSS and
SVG, no script, no outside request) and every text in it is escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from html import escape

import pandas as pd

from domain.idle import IDLE_STATUSES, IdleRules
from domain.labels import label
from geodata.io.export import tables_xlsx
from layers.styles import IDLE_COLORS
from layers.svgmap import svg_map
from stats.idle import compare_table, idle_table, idle_totals


def rules_table(today: dt.date, rules: IdleRules) -> pd.DataFrame:
    """The rules and settings the figures were computed with."""
    one, two = f"满{rules.idle_years}年", f"满{rules.recover_years}年"
    developed = "三分之一" if abs(rules.developed_share - 1 / 3) < 1e-9 else f"{rules.developed_share:.2%}"
    return pd.DataFrame(
        [
            ("依据", "《闲置土地处置办法》（国土资源部令第53号，2012-07-01施行）第二、八、十二、十四条"),
            ("判定日期", today.isoformat()),
            ("未动工闲置（第二条第一款）", f"超过约定、规定的动工开发日期{one}未动工开发"),
            (
                "中止开发闲置（第二条第二款）",
                f"已动工开发，但开发面积不足{developed}或者已投资额不足{rules.invested_share:.0%}，中止开发建设{one}",
            ),
            (
                "土地闲置费（第十四条（一））",
                f"受让人原因未动工开发{one}：出让或者划拨价款 × {rules.fee_rate:.0%}，不得列入生产成本",
            ),
            ("无偿收回（第十四条（二））", f"受让人原因未动工开发{two}"),
            (
                "协商处置（第八条、第十二条）",
                "政府或政府有关部门原因、自然灾害等不可抗力造成闲置的，以及已动工后中止开发的（第十二条末款）："
                "延长动工开发期限（自补充协议约定的动工开发日期起不超过一年）、调整土地用途或规划条件、"
                "政府安排临时使用（不超过两年）、协议有偿收回、置换土地（须已缴清地价、落实项目资金且因规划依法修改"
                "造成闲置）或市县规定的其他方式；不征收闲置费，不无偿收回",
            ),
            (
                "“满一年”的计算",
                "约定动工日（或停工日）当日不计入（民法典第二百零一条），至次年对应日24时届满（第二百零三条），"
                "次日起为闲置；次年该月无对应日的，以月末日为最后一日（第二百零二条），如2024-02-29起算至2025-02-28",
            ),
        ],
        columns=["项目", "内容"],
    )


def report_xlsx(classified: pd.DataFrame, today: dt.date, rules: IdleRules, scenarios: Mapping[str, dict]) -> bytes:
    """Workbook: 认定清单, 按开发区, 按市, 规则, each scenario, 方案对比."""
    tables = [
        ("认定清单", idle_table(classified).reset_index()),
        ("按开发区汇总", idle_totals(classified, "zone")),
        ("按市汇总", idle_totals(classified, "city")),
        ("规则与参数", rules_table(today, rules)),
    ]
    tables += [(f"方案-{name}", s["table"]) for name, s in scenarios.items()]
    if len(scenarios) >= 2:
        tables.append(("方案对比", compare_table({n: s["totals"] for n, s in scenarios.items()}).reset_index()))
    return tables_xlsx(tables)


def _html_table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(_cell(v))}</td>" for v in row) + "</tr>" for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


CSS = """
@page { size: A4 landscape; margin: 12mm; }
body { font-family: "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; color: #222; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 18px 0 6px; }
table { border-collapse: collapse; width: 100%; font-size: 11px; page-break-inside: auto; }
th, td { border: 1px solid #999; padding: 3px 5px; text-align: left; } th { background: #eee; }
.legend span { display: inline-block; width: 12px; height: 10px; margin: 0 4px 0 12px; border: 1px solid #555; }
.note { color: #666; font-size: 11px; }
.map svg { width: 100%; height: auto; max-height: 150mm; border: 1px solid #999; }
"""


def report_html(
    classified: pd.DataFrame,
    zones: pd.DataFrame,
    today: dt.date,
    rules: IdleRules,
    scenarios: Mapping[str, dict],
    title: str = "闲置土地盘活情况",
    admin: pd.DataFrame | None = None,
) -> str:
    """A printable page (A4 landscape): map of idle parcels, totals, parcel list, rules, scenarios.

    The map draws the city and county outlines of ``admin`` (when given) under the zones, and each idle
    parcel in its class colour with a dark outline; a parcel too small to see at the map's scale (the
    province view) gets a dot of its colour (see :func:`layers.svgmap.svg_map`).
    """
    idle = classified[classified["is_idle"]]
    shown_zones = zones[zones["zone_id"].isin(idle["zone_id"])]
    base = None if admin is None else admin[admin["level"].isin(["city", "county"])]
    drawn = svg_map(shown_zones, idle, IDLE_COLORS, "idle_class", width=1000, height=620, pad=0.08, base=base,
                    label_size=13, speck_px=12)  # fmt: skip
    legend = "".join(f'<span style="background:{IDLE_COLORS[k]}"></span>{escape(label(k))}' for k in IDLE_STATUSES)
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1><p class='note'>判定日期 {today.isoformat()} · 边界与地块形状为示意</p>",
        f"<div class='map'>{drawn}</div>" if len(idle) else "<p>没有认定为闲置的地块。</p>",
        f"<div class='legend'>{legend}</div>",
        "<h2>按开发区汇总</h2>",
        _html_table(idle_totals(classified, "zone")),
        "<h2>认定清单</h2>",
        _html_table(idle_table(classified[classified["is_idle"]]).reset_index()),
        "<h2>规则与参数</h2>",
        _html_table(rules_table(today, rules)),
    ]
    for name, s in scenarios.items():
        cols = [c for c in s["table"].columns if not c.endswith("算式")]
        parts += [f"<h2>方案：{escape(name)}</h2>", _html_table(s["table"][cols])]
    if len(scenarios) >= 2:
        compare = compare_table({n: s["totals"] for n, s in scenarios.items()}).reset_index()
        parts += ["<h2>方案对比</h2>", _html_table(compare)]
    parts.append("</body></html>")
    return "".join(parts)
