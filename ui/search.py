"""The search box's results as choices: which record, and which of its identifiers matched (#26)."""

from __future__ import annotations

from domain.labels import label
from geodata.query import Hit


def hit_text(hit: Hit) -> str:
    """“地块｜名称”, and the identifier that matched when it was not the name: “（宗地代码：…）”."""
    shown = f"{label(hit.layer)}｜{hit.name}"
    return shown if hit.field == "name" else f"{shown}（{label(hit.field)}：{hit.value}）"


def hit_choices(hits: list[Hit]) -> dict[str, str]:
    """Choice key ``layer:id`` → what the list shows."""
    return {f"{hit.layer}:{hit.record_id}": hit_text(hit) for hit in hits}
