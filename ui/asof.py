"""A page's records on its 截至 date: the figures' parcels and projects, and the map's as-of stage column.

The parcels are put on the day once per data version and day, over the whole
dataset (:func:`stats.asof.parcels_on`), shared by every session of the server
(the last :data:`KEEP` days), and each page's filtered view takes its
rows from that: the figures read the parcels as they stood (records imported
later left out, each at the stage it had reached), the map colours every parcel
of the page by ``asof_status`` (:data:`layers.styles.PARCEL_STYLES`): the stage
known to be reached by the day, 日期不详, or 当日尚无记录 for a parcel recorded later.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections import OrderedDict

import pandas as pd

from domain.asof import ABSENT
from geodata.dataset import Dataset
from geodata.query import View
from stats.asof import parcels_on, projects_on
from ui.bulletin_panel import history_of

ASOF_STYLE = "asof_status"
KEEP = 4  # days kept (each a frame of every parcel), shared by the server's sessions
_SHARED: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
_LOCK = threading.Lock()


def parcels_then(data: Dataset, day: dt.date) -> pd.DataFrame:
    """Every parcel of ``data`` as it stood at the end of ``day`` (kept per data version and day)."""
    key = (data.version, day)
    with _LOCK:
        if key in _SHARED:
            _SHARED.move_to_end(key)
            return _SHARED[key]
    then = parcels_on(data.parcels, history_of(data), day)  # outside the lock: two first visits may both compute
    with _LOCK:
        _SHARED[key] = then
        while len(_SHARED) > KEEP:
            _SHARED.popitem(last=False)
    return then


def stage_column(data: Dataset, day: dt.date, index: pd.Index) -> pd.Series:
    """``asof_status`` for the parcels at ``index`` (of ``data.parcels``); 当日尚无记录 for those recorded later."""
    return parcels_then(data, day)["asof_status"].reindex(index).fillna(ABSENT)


def view_as_of(data: Dataset, view: View, day: dt.date) -> tuple[View, pd.DataFrame]:
    """(the view on ``day`` — parcels and projects as they stood — , the map's parcels: the view's parcels
    as they are, with the ``asof_status`` column to colour them by)."""
    then = parcels_then(data, day)
    shown = view.parcels.assign(**{ASOF_STYLE: stage_column(data, day, view.parcels.index)})
    parcels = then.loc[then.index.intersection(view.parcels.index)]
    projects = projects_on(view.projects, history_of(data), day)
    return dataclasses.replace(view, parcels=parcels, projects=projects), shown


def map_parcels(data: Dataset, day: dt.date) -> pd.DataFrame:
    """``data.parcels`` with ``asof_status`` (the province-scale map draws from the whole dataset)."""
    return data.parcels.assign(**{ASOF_STYLE: stage_column(data, day, data.parcels.index)})
