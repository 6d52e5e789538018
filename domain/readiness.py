"""Infrastructure readiness (通水/通电/通路/… + 土地平整) and its derived label.

Each item is stored as a boolean flag on the parcel; the label is always derived
here, never typed in. Definitions (docs/rules.md):

- 三通一平: 通水, 通电, 通路 + 土地平整
- 四通一平: 三通 + 通讯 + 土地平整
- 五通一平: 通路, 通水, 通电, 通讯, 燃气 + 土地平整
- 七通一平: 给水, 排水, 通电, 通讯, 通路, 燃气, 热力 + 土地平整
- 未达标: anything less than 三通一平
"""

from __future__ import annotations

from collections.abc import Mapping

# Flag columns in the order a checklist shows them.
READINESS_FLAGS: tuple[str, ...] = (
    "water_supply",  # 通水 / 给水
    "drainage",  # 排水
    "power",  # 通电
    "road",  # 通路
    "telecom",  # 通讯
    "gas",  # 燃气
    "heat",  # 热力
    "leveling",  # 土地平整
)

# From best to worst; the first whose required flags are all set wins.
READINESS_LEVELS: tuple[tuple[str, frozenset[str]], ...] = (
    ("seven_plus_one", frozenset(READINESS_FLAGS)),
    ("five_plus_one", frozenset({"road", "water_supply", "power", "telecom", "gas", "leveling"})),
    ("four_plus_one", frozenset({"water_supply", "power", "road", "telecom", "leveling"})),
    ("three_plus_one", frozenset({"water_supply", "power", "road", "leveling"})),
)
NOT_READY = "not_ready"
READINESS_KEYS: tuple[str, ...] = (*(key for key, _ in READINESS_LEVELS), NOT_READY)  # best first

# Rank of each label: higher is better; used for "at least 三通一平" rules.
READINESS_RANK: dict[str, int] = {NOT_READY: 0} | {
    key: len(READINESS_LEVELS) - i for i, (key, _) in enumerate(READINESS_LEVELS)
}


def readiness_label(flags: Mapping[str, object]) -> str:
    """The readiness label key for one parcel's flags.

    Missing or null flags count as not done. Returns one of
    ``seven_plus_one``, ``five_plus_one``, ``four_plus_one``,
    ``three_plus_one`` or ``not_ready`` (see ``domain.labels`` for Chinese).
    """
    done = {name for name in READINESS_FLAGS if truthy(flags.get(name))}
    for key, required in READINESS_LEVELS:
        if required <= done:
            return key
    return NOT_READY


def at_least(label: str, minimum: str = "three_plus_one") -> bool:
    """True when ``label`` is at least as good as ``minimum``."""
    return READINESS_RANK[label] >= READINESS_RANK[minimum]


def truthy(value: object) -> bool:
    """A stored flag as bool: None, NaN and falsy values are False."""
    if value is None:
        return False
    try:
        if value != value:  # NaN / pd.NA-like
            return False
    except TypeError:
        return False
    return bool(value)
