"""Land supply pipeline of a parcel: 储备 → 具备供地条件 → 已挂牌 → 已出让 → 已动工 → 已投产.

The stored ``supply_status`` is one of ``reserve``, ``listed``, ``sold``,
``started``, ``producing``. The stage 具备供地条件 (``supply_ready``) is never
typed in: a reserve parcel is in it when :func:`is_supply_ready` holds.

具备供地条件 (净地 ready to offer), the rule this app applies:

1. 基础设施配套 at least 三通一平 (通水, 通电, 通路 and 土地平整 — 土地平整 is
   the 净地 condition the data records), and
2. every required 区域评估 done. Which are required is a setting
   (``required``; the app reads ``$ZONEMAP_REQUIRED_ASSESSMENTS``, see
   geodata.settings). Its default is the six that 国办发〔2019〕11号 names:
   压覆重要矿产资源评估, 环境影响评价 (区域规划环评), 节能评价 (区域能评),
   地质灾害危险性评估, 地震安全性评价, 水资源论证. Provinces add others
   (防洪影响评价, 水土保持, 文物考古调查): shown, optional by default.

Status edits move forward along the pipeline. Moving back, or offering land
(挂牌 and beyond) that is not 具备供地条件, needs a reason; a 标准地 may never be
offered without the conditions (that is what 标准地 means).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from domain.labels import label
from domain.readiness import at_least, readiness_label, truthy

STATUSES: tuple[str, ...] = ("reserve", "listed", "sold", "started", "producing")
SUPPLY_READY = "supply_ready"
PIPELINE: tuple[str, ...] = ("reserve", SUPPLY_READY, "listed", "sold", "started", "producing")
SUPPLIED: tuple[str, ...] = ("sold", "started", "producing")  # 已供应 (出让合同已签)
MIN_READINESS = "three_plus_one"

# 国办发〔2019〕11号: the six regional assessments it names (the default of the required list)
GUOBAN_2019_11: tuple[str, ...] = (
    "assess_minerals",
    "assess_env",
    "assess_energy",
    "assess_geohazard",
    "assess_seismic",
    "assess_water_resources",
)
# every assessment the data records: the six, then those provinces add
ASSESSMENTS: tuple[str, ...] = (
    "assess_energy",
    "assess_env",
    "assess_flood",
    "assess_soil_water",
    "assess_water_resources",
    "assess_minerals",
    "assess_geohazard",
    "assess_seismic",
    "assess_heritage",
)
REQUIRED_ASSESSMENTS: tuple[str, ...] = tuple(f for f in ASSESSMENTS if f in GUOBAN_2019_11)  # the default
OPTIONAL_ASSESSMENTS: tuple[str, ...] = tuple(f for f in ASSESSMENTS if f not in REQUIRED_ASSESSMENTS)


def optional_assessments(required: Sequence[str] = REQUIRED_ASSESSMENTS) -> tuple[str, ...]:
    """The recorded assessments not in ``required``."""
    return tuple(f for f in ASSESSMENTS if f not in required)


def parse_required(text: str) -> tuple[str, ...]:
    """A required list written as keys or Chinese labels, separated by ``,`` ``;`` ``、`` or spaces.

    Raises ValueError (a Chinese sentence) on an unknown item; keeps :data:`ASSESSMENTS` order.
    """
    by_name = {f: f for f in ASSESSMENTS} | {label(f): f for f in ASSESSMENTS}
    items = [t for t in re.split(r"[,;，；、\s]+", text.strip()) if t]
    unknown = [t for t in items if t not in by_name]
    if unknown:
        known = "、".join(label(f) for f in ASSESSMENTS)
        raise ValueError(f"未知的区域评估事项：{'、'.join(unknown)}。可用：{known}")
    chosen = {by_name[t] for t in items}
    return tuple(f for f in ASSESSMENTS if f in chosen)


def assessments_done(parcel: Mapping[str, object], required: Sequence[str] = REQUIRED_ASSESSMENTS) -> bool:
    """True when every required regional assessment flag is set."""
    return all(truthy(parcel.get(f)) for f in required)


def missing_conditions(parcel: Mapping[str, object], required: Sequence[str] = REQUIRED_ASSESSMENTS) -> list[str]:
    """Keys of what keeps ``parcel`` from 具备供地条件 (readiness flags, then assessments)."""
    missing: list[str] = []
    if not at_least(readiness_label(parcel), MIN_READINESS):
        missing += [f for f in ("water_supply", "power", "road", "leveling") if not truthy(parcel.get(f))]
    missing += [f for f in required if not truthy(parcel.get(f))]
    return missing


def is_supply_ready(parcel: Mapping[str, object], required: Sequence[str] = REQUIRED_ASSESSMENTS) -> bool:
    """具备供地条件: readiness ≥ 三通一平 and every required assessment done (see module doc)."""
    return not missing_conditions(parcel, required)


def pipeline_stage(parcel: Mapping[str, object], required: Sequence[str] = REQUIRED_ASSESSMENTS) -> str:
    """The parcel's stage in :data:`PIPELINE` (``supply_ready`` derived for reserve land)."""
    status = parcel.get("supply_status")
    if status == "reserve" and is_supply_ready(parcel, required):
        return SUPPLY_READY
    return str(status)


def stage_of(parcel: Mapping[str, object]) -> str:
    """The stage the dataset derived (``pipeline_stage`` column, with the app's setting), else the default rule."""
    stage = parcel.get("pipeline_stage")
    return stage if isinstance(stage, str) and stage in PIPELINE else pipeline_stage(parcel)


def stage_counts(parcels: Iterable[Mapping[str, object]]) -> dict[str, dict[str, float]]:
    """Per pipeline stage: parcels ``at`` it and ``reached`` it (at it or beyond), in 宗 and 亩.

    ``reached`` is the funnel: a sold parcel has also passed 具备供地条件 and 挂牌.
    """
    out = {s: {"at": 0, "at_mu": 0.0, "reached": 0, "reached_mu": 0.0} for s in PIPELINE}
    for p in parcels:
        stage = stage_of(p)
        if stage not in out:
            continue
        area = float(p.get("area_mu") or 0.0)
        out[stage]["at"] += 1
        out[stage]["at_mu"] += area
        for s in PIPELINE[: PIPELINE.index(stage) + 1]:
            out[s]["reached"] += 1
            out[s]["reached_mu"] += area
    return out


AT, REACHED = "当前处于", "累计达到"  # the funnel's two figures, worded the same on the page and in the 台账
STAGE_FIGURES = (f"{REACHED}（宗）", f"{REACHED}（亩）", f"{AT}（宗）", f"{AT}（亩）")


def stage_figures(parcels: Iterable[Mapping[str, object]]) -> dict[str, dict[str, float]]:
    """Per pipeline stage, the four figures every table shows (:data:`STAGE_FIGURES`, 亩 to 0.01).

    The one definition of a stage's count and 亩 (the 标准地供给 page's funnel and
    every sheet of the 台账 read it): 当前处于 a stage is disjoint (the stages add up
    to all parcels); 累计达到 a stage counts it and every later one, so adjacent
    stages must not be added. 储备 is a stage here, not a 供应状态: a parcel whose
    status is 储备 but which meets the conditions is 具备供地条件, not 储备.
    """
    counts = stage_counts(parcels)
    return {
        s: dict(zip(STAGE_FIGURES, (c["reached"], round(c["reached_mu"], 2), c["at"], round(c["at_mu"], 2)),
                    strict=True))
        for s, c in counts.items()
    }  # fmt: skip


@dataclass(frozen=True)
class TransitionCheck:
    """Outcome of checking a status change: errors block; ``needs_reason`` asks for one."""

    errors: tuple[str, ...] = ()
    needs_reason: tuple[str, ...] = ()

    def ok(self, reason: str | None) -> bool:
        return not self.errors and (not self.needs_reason or bool((reason or "").strip()))


def check_transition(
    parcel: Mapping[str, object], new_status: str, required: Sequence[str] = REQUIRED_ASSESSMENTS
) -> TransitionCheck:
    """Check moving ``parcel`` (with its new flags already applied) to ``new_status``.

    Messages are Chinese, ready for the form.
    """
    old = parcel.get("supply_status")
    if new_status not in STATUSES:
        return TransitionCheck(errors=(f"未知的供应状态：{new_status}",))
    errors: list[str] = []
    reasons: list[str] = []
    if old in STATUSES and STATUSES.index(new_status) < STATUSES.index(old):
        reasons.append(f"供应状态从“{label(old)}”退回到“{label(new_status)}”，须填写原因")
    if new_status != "reserve" and old != new_status and not is_supply_ready(parcel, required):
        missing = "、".join(label(m) for m in missing_conditions(parcel, required))
        text = f"地块不具备供地条件（缺：{missing}），不能改为“{label(new_status)}”"
        if truthy(parcel.get("is_standard_land")):
            errors.append(f"{text}：标准地须先完成区域评估并达到三通一平")
        else:
            reasons.append(f"{text}；非标准地如确需供应，须填写原因")
    return TransitionCheck(errors=tuple(errors), needs_reason=tuple(reasons))
