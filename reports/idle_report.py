"""The 闲置土地盘活 report for the meeting: an Excel workbook and a printable HTML page with a map.

Both are built from the same tables; the HTML is self-contained (inline CSS and
SVG, no script, no outside request) and every text in it is escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from html import escape

import pandas as pd

from domain.idle import IdleRules
from geodata.io.export import tables_xlsx
from geodata.tables.idle import compare_table, idle_table, idle_totals
from layers.styles import IDLE_COLORS
from layers.svgmap import svg_map


def rules_table(today: dt.date, rules: IdleRules) -> pd.DataFrame:
    """The rules and settings the figures were computed with."""
    return pd.DataFrame(
        [
            ("依据", "《闲置土地处置办法》（国土资源部令第53号，2012-07-01施行）第二、十二、十四条"),
            ("判定日期", today.isoformat()),
            ("未动工闲置", f"超过约定动工日期满{rules.idle_years}年未动工"),
            (
                "中止开发闲置",
                f"已动工但开发面积不足{rules.developed_share:.2%}或投资不足{rules.invested_share:.0%}，"
                f"且停工满{rules.idle_years}年",
            ),
            ("土地闲置费", f"闲置满{rules.idle_years}年：出让或划拨价款 × {rules.fee_rate:.0%}"),
            ("无偿收回", f"闲置满{rules.recover_years}年（政府原因造成的除外，协议处置）"),
            ("“满一年”", "至次年对应日；2月29日起算的，至次年2月28日（月末日）"),
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
"""


def report_html(
    classified: pd.DataFrame,
    zones: pd.DataFrame,
    today: dt.date,
    rules: IdleRules,
    scenarios: Mapping[str, dict],
    title: str = "闲置土地盘活情况",
) -> str:
    """A printable page (A4 landscape): map of idle parcels, totals, parcel list, rules, scenarios."""
    idle = classified[classified["is_idle"]]
    shown_zones = zones[zones["zone_id"].isin(idle["zone_id"])]
    legend = "".join(
        f'<span style="background:{c}"></span>{escape(k)}'
        for k, c in (("闲置满一年", IDLE_COLORS["idle"]), ("闲置满两年", IDLE_COLORS["idle_two_years"]),
                     ("政府原因（协议处置）", IDLE_COLORS["government_delay"]))
    )  # fmt: skip
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1><p class='note'>判定日期 {today.isoformat()} · 边界与地块形状为示意</p>",
        svg_map(shown_zones, idle, IDLE_COLORS, "idle_class") if len(idle) else "<p>没有认定为闲置的地块。</p>",
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
