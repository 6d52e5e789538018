"""Reporting periods of the 通报: a month (``2021-09``) or a quarter (``2021-Q3``), and 环比/同比.

The province "按月通报" the 三个一批 progress and 运城 works "一季一通报": a bulletin
covers one calendar month or quarter, both ends counted. 环比 compares with the
period just before (August for September, Q2 for Q3; January with the December
before), 同比 with the same period a year earlier. Growth = (this − that) ÷ that;
there is none when the earlier figure is missing or zero (a rise from nothing
has no percentage), and the text says so instead of printing a number.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_QUARTER = re.compile(r"^\s*(\d{4})-?[Qq]([1-4])\s*$")
_QUARTER_NAMES = ("一", "二", "三", "四")


@dataclass(frozen=True)
class Period:
    """One month (``kind`` "month", ``number`` 1–12) or quarter ("quarter", 1–4) of ``year``."""

    kind: str
    year: int
    number: int

    @property
    def start(self) -> dt.date:
        month = self.number if self.kind == "month" else 3 * self.number - 2
        return dt.date(self.year, month, 1)

    @property
    def end(self) -> dt.date:
        last = self.number if self.kind == "month" else 3 * self.number
        following = dt.date(self.year + last // 12, last % 12 + 1, 1)
        return following - dt.timedelta(days=1)

    @property
    def code(self) -> str:
        return f"{self.year}-{self.number:02d}" if self.kind == "month" else f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.year}年{self.number}月"
        return f"{self.year}年第{_QUARTER_NAMES[self.number - 1]}季度"

    def previous(self) -> Period:
        """The period just before (环比)."""
        if self.number > 1:
            return Period(self.kind, self.year, self.number - 1)
        return Period(self.kind, self.year - 1, 12 if self.kind == "month" else 4)

    def year_ago(self) -> Period:
        """The same period a year earlier (同比)."""
        return Period(self.kind, self.year - 1, self.number)


def parse_period(text: str) -> Period:
    """``"2021-09"`` → September 2021, ``"2021-Q3"`` → its third quarter; anything else: ValueError in Chinese."""
    if m := _MONTH.match(text or ""):
        year, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            return Period("month", year, month)
    if m := _QUARTER.match(text or ""):
        return Period("quarter", int(m.group(1)), int(m.group(2)))
    raise ValueError(f"无法识别的通报期间“{text}”：月份写作 2021-09，季度写作 2021-Q3")


def period_of(day: dt.date, kind: str) -> Period:
    """The month or quarter that contains ``day``."""
    return Period(kind, day.year, day.month if kind == "month" else (day.month - 1) // 3 + 1)


def growth(current: float | None, earlier: float | None) -> float | None:
    """(current − earlier) ÷ earlier; None when either is missing or ``earlier`` is 0."""
    if current is None or earlier is None or earlier == 0:
        return None
    return (current - earlier) / earlier


def growth_text(current: float | None, earlier: float | None) -> str:
    """'增长25%', '下降12.5%', '持平', or why there is no percentage ('上期为零' / '上期无数据')."""
    if earlier is None or current is None:
        return "上期无数据"
    rate = growth(current, earlier)
    if rate is None:
        return "上期为零"
    text = f"{abs(rate) * 100:.1f}".removesuffix(".0")
    if text == "0":
        return "持平"
    return f"{'增长' if rate > 0 else '下降'}{text}%"
