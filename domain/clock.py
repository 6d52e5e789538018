"""Beijing time (UTC+08:00), the one clock for what users read: stored timestamps, report dates, file names."""

from __future__ import annotations

import datetime as dt

BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")


def beijing_now() -> dt.datetime:
    """Now, in Beijing time."""
    return dt.datetime.now(BEIJING)


def beijing_today() -> dt.date:
    """Today's date in Beijing (the server's clock may run on UTC: 00:00–08:00 Beijing is still yesterday there)."""
    return beijing_now().date()


def to_beijing(value: object) -> dt.datetime | None:
    """An ISO timestamp (with or without offset; without one it is taken as Beijing time) in Beijing time.

    Anything that is not a timestamp gives None.
    """
    if isinstance(value, dt.datetime):
        stamp = value
    else:
        try:
            stamp = dt.datetime.fromisoformat(str(value).strip())
        except (TypeError, ValueError):
            return None
    if stamp.tzinfo is None:
        return stamp.replace(tzinfo=BEIJING)
    return stamp.astimezone(BEIJING)
