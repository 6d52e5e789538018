"""Land-use codes of 国土空间调查、规划、用途管制用地用海分类 and what they are in zonemap.

The classification (自然资源部《国土空间调查、规划、用途管制用地用海分类指南》,
2023) is kept as data in ``landuse_codes.csv`` beside this module: code, name
and, where there is one, zonemap's land use (``LAND_USES`` in
:mod:`geodata.schema`): 09 商业服务业用地 → commercial_land, 10 工矿用地 and
1001 工业用地 → industrial_land, 11 仓储用地 → logistics_land. Every other code
is recognised (its official name is shown) but has no zonemap counterpart; the
user maps it or it is imported as 未填.

Ledgers write a code in many ways: ``1001``, ``100101``, ``1001 工业用地``,
``1001工业用地``, ``工业用地``, or ``901`` where Excel dropped the leading zero
of ``0901``. A six-digit code not in the table falls back to its four-digit
parent; a code and a name that disagree (``1001 商业用地``) name nothing.
Codes of the older 土地利用现状分类 (GB/T 21010) are not
read as codes: their numbers mean other things here (0601 is 乡村道路用地,
not 工业用地), so only their names are matched.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CODES_FILE = Path(__file__).with_name("landuse_codes.csv")
UNFILLED = "unfilled"  # zonemap's land use for “not given / no counterpart” (label 未填)


@dataclass(frozen=True)
class LandUseCode:
    """One class of the 用地用海分类."""

    code: str  # "1001"
    name: str  # "工业用地"
    land_use: str | None  # zonemap's land use, None when there is no counterpart

    @property
    def text(self) -> str:
        return f"{self.code} {self.name}"


@cache
def codes() -> dict[str, LandUseCode]:
    """Every class by code, read once from :data:`CODES_FILE`."""
    with open(CODES_FILE, encoding="utf-8", newline="") as fh:
        return {r["code"]: LandUseCode(r["code"], r["name"], r["land_use"] or None) for r in csv.DictReader(fh)}


@cache
def _by_name() -> dict[str, LandUseCode]:
    out: dict[str, LandUseCode] = {}
    for c in codes().values():
        out.setdefault(c.name, c)  # a name used twice keeps its first (higher-level) class
    return out


def _lookup(code: str) -> LandUseCode | None:
    table = codes()
    for candidate in (code, code[:4]) if len(code) == 6 else (code,):
        if candidate in table:
            return table[candidate]
    return None


def find_code(value: object) -> LandUseCode | None:
    """The class a ledger's land-use value names (see module doc), or None when it names none."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if value != value or not value.is_integer():
            return None
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    m = re.fullmatch(r"(\d{1,6})\s*[-－—:：、.]?\s*(\D*)", text)
    if m:
        digits, name = m[1], m[2].strip()
        padded = digits.zfill(len(digits) + len(digits) % 2)  # 901 → 0901, 90101 → 090101
        found = _lookup(padded)
        if found is None:
            return None
        return found if not name or name == found.name or name not in _by_name() else None  # code and name disagree
    return _by_name().get(text)
