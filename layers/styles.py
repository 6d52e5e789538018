"""Colours of every layer and the legend that explains them.

One table per styled attribute; the legend is generated from the same tables,
so a colour and its explanation cannot drift apart.
"""

from __future__ import annotations

from html import escape

from domain.labels import label, stage_label

ZONE_TYPE_COLORS: dict[str, str] = {
    "industrial": "#3b6fb6",
    "agriculture": "#3a9a47",
    "eco_tourism": "#c27c0e",
}
SUPPLY_STATUS_COLORS: dict[str, str] = {
    "reserve": "#9e9e9e",
    "listed": "#f2b134",
    "sold": "#e07b24",
    "started": "#c2372b",
    "producing": "#7b2d8b",
}
PIPELINE_COLORS: dict[str, str] = {
    "reserve": "#9e9e9e",
    "supply_ready": "#2e9d5a",
    "listed": "#f2b134",
    "sold": "#e07b24",
    "started": "#c2372b",
    "producing": "#7b2d8b",
}
READINESS_COLORS: dict[str, str] = {
    "seven_plus_one": "#1a7f37",
    "five_plus_one": "#4caf50",
    "four_plus_one": "#8bc34a",
    "three_plus_one": "#cddc39",
    "not_ready": "#d0d0d0",
}
STAGE_COLORS: dict[str, str] = {
    "signed": "#1e88e5",
    "started": "#fb8c00",
    "producing": "#d81b60",
}
IDLE_COLORS: dict[str, str] = {
    "not_idle": "#8bc34a",
    "idle": "#ff9800",
    "idle_two_years": "#d32f2f",
    "government_delay": "#7e57c2",
    "force_majeure_delay": "#26a69a",
    "stalled": "#f06292",
    "undetermined": "#bdbdbd",
    "not_supplied": "#e0e0e0",
}
# A parcel's stage on the 截至 date (stats.asof.parcel_stage_on): the statuses' colours, 日期不详 and 当日尚无记录.
ASOF_COLORS: dict[str, str] = {**SUPPLY_STATUS_COLORS, "undated": "#4fc3f7", "absent": "#f5f5f5"}
# 开发区年度考核 classes (domain.evaluation): green to red, no class grey.
EVALUATION_COLORS: dict[str, str] = {"A": "#1a9850", "B": "#91cf60", "C": "#fdae61", "D": "#d73027", "—": "#bdbdbd"}
PARCEL_STYLES: dict[str, tuple[str, dict[str, str]]] = {
    "supply_status": ("supply_status", SUPPLY_STATUS_COLORS),
    "readiness": ("readiness", READINESS_COLORS),
    "pipeline_stage": ("pipeline_stage", PIPELINE_COLORS),
    "idle_class": ("idle_class", IDLE_COLORS),  # needs stats.idle.classify_parcels
    "asof_status": ("asof_status", ASOF_COLORS),  # needs stats.asof.parcel_stage_on
}
PARCEL_STYLE_NAMES: dict[str, str] = {
    "pipeline_stage": "供地阶段",
    "supply_status": "供应状态",
    "readiness": "基础设施配套",
    "idle_class": "闲置认定",
    "asof_status": "截至日的供应状态",
}
SUPPLY_STYLES: tuple[str, ...] = ("pipeline_stage", "supply_status", "readiness")  # columns every dataset has
MISSING = "#bdbdbd"

CITY_LINE = {"color": "#5d5d5d", "weight": 2, "fill": False, "opacity": 0.9}
COUNTY_LINE = {"color": "#9a9a9a", "weight": 0.8, "fillColor": "#fbfaf6", "fillOpacity": 0.6, "opacity": 0.8}
HIGHLIGHT = {"color": "#00e5ff", "weight": 5, "fill": False, "opacity": 1}


def zone_style(zone_type: str) -> dict:
    color = ZONE_TYPE_COLORS.get(zone_type, MISSING)
    return {"color": color, "weight": 2, "fillColor": color, "fillOpacity": 0.12, "dashArray": "6 4"}


def parcel_style(value: str, style_by: str) -> dict:
    color = PARCEL_STYLES[style_by][1].get(value, MISSING)
    return {"color": "#4a4a4a", "weight": 0.8, "fillColor": color, "fillOpacity": 0.75}


def stage_color(stage: str) -> str:
    return STAGE_COLORS.get(stage, MISSING)


def legend_sections(
    parcel_style_by: str, projects: bool = True, cells: bool = False, summaries: bool = False
) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """(section title, [(colour, label, shape)]) for the legend; shape is box, dash, dot, cellp or cellj.

    ``cells``: the map aggregates records into labelled grid cells when zoomed out
    (see :mod:`layers.viewmap`); ``summaries``: it labels cities and zones with their figures
    (see :class:`layers.tilemap.Summaries`); the legend says how to read them.
    """
    colors = PARCEL_STYLES[parcel_style_by][1]
    name = PARCEL_STYLE_NAMES[parcel_style_by]
    sections = [
        ("开发区（边界为示意）", [(c, label(k), "dash") for k, c in ZONE_TYPE_COLORS.items()]),
        (f"地块·{name}", [(c, label(k), "box") for k, c in colors.items()]),
    ]
    if projects:
        sections.append(("三个一批项目", [(c, stage_label(k), "dot") for k, c in STAGE_COLORS.items()]))
    if cells:
        rows = [("#555555", f"地块宗数·亩（边框：面积最大的{name}）", "cellp")]
        if projects:
            rows.append(("#555555", "项目个数（边框：最多的阶段）", "cellj"))
        sections.append(("缩小时按网格汇总，放大查看地块", rows))
    if summaries:
        figures = "宗·亩" + ("·项目" if projects else "")
        rows = [("#8a8a8a", "8 级及以下：每市一个", "cellp"), ("#8a8a8a", "9–11 级：每开发区一个", "cellp")]
        sections.append((f"汇总标注（{figures}）", rows))
    return sections


def legend_html(parcel_style_by: str, projects: bool = True, cells: bool = False, summaries: bool = False) -> str:
    """The legend's inner HTML; every text is escaped."""
    return legend_html_rows(legend_sections(parcel_style_by, projects, cells, summaries))


def legend_html_rows(sections) -> str:
    """Legend HTML of ``(title, [(colour, label, shape)])`` sections; every text is escaped."""
    parts = []
    for title, items in sections:
        parts.append(f'<div class="zm-legend-title">{escape(title)}</div>')
        for color, text, shape in items:
            parts.append(
                f'<div class="zm-legend-row"><span class="zm-key zm-{shape}" style="--c:{escape(color)}"></span>'
                f"{escape(text)}</div>"
            )
    return "".join(parts)


LEGEND_CSS = """
.zm-legend{background:rgba(255,255,255,.92);padding:4px 9px;border-radius:4px;font:12px/1.5 sans-serif;
  box-shadow:0 1px 4px rgba(0,0,0,.3);max-height:48vh;max-width:48vw;overflow:auto}
.zm-legend summary{cursor:pointer;font-weight:600;user-select:none}
.zm-legend[open] summary{margin-bottom:2px}
.zm-tile-note{background:#fff4e5;color:#663c00;border:1px solid #f0b45a;border-radius:4px;padding:6px 10px;
  font:13px/1.5 sans-serif;max-width:320px;box-shadow:0 1px 4px rgba(0,0,0,.25)}
.zm-legend-title{font-weight:600;margin-top:4px}
.zm-key{display:inline-block;width:14px;height:10px;margin-right:6px;vertical-align:middle}
.zm-box{background:var(--c);border:1px solid #555}
.zm-dash{border:2px dashed var(--c);height:6px;width:10px}
.zm-dot{background:var(--c);border-radius:50%;width:10px;height:10px;border:1px solid #fff}
.zm-cellp{border:2px solid var(--c);border-radius:3px;background:#fff;width:12px;height:9px}
.zm-cellj{border:2px solid var(--c);border-radius:50%;background:#fff;width:9px;height:9px}
.zm-cell-icon{background:none;border:none}
.zm-cell{position:absolute;left:0;top:0;transform:translate(-50%,-50%);box-sizing:border-box;display:flex;
  flex-direction:column;align-items:center;justify-content:center;padding:1px 5px;font:11px/1.2 sans-serif;
  color:#1b1b1b;background:rgba(255,255,255,.92);border:3px solid var(--c);border-radius:5px;
  box-shadow:0 1px 3px rgba(0,0,0,.35);white-space:nowrap}
.zm-cell-j{min-width:24px;height:24px;padding:0 3px;border-radius:12px;font-weight:700;background:#fff;
  transform:translate(-50%,-50%) translate(30px,-22px)}
.zm-label{font:12px sans-serif;color:#333;white-space:nowrap;text-shadow:0 0 3px #fff,0 0 3px #fff;
  transform:translate(-50%,-50%);pointer-events:none}
.leaflet-container{background:#eef1f4}
"""
