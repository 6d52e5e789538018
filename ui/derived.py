"""Derived frames per data version, filters and settings: computed once per process, shared by sessions.

Every pan, zoom or click reruns the whole page; at 100 000 parcels classifying the
idle land alone takes seconds, so the result is kept until the data, the filters or
the rules change. The frames are shared: pages read them and never change them in place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import streamlit as st

from domain.idle import IdleRules
from domain.matching import Candidate, Match, Need, rank
from geodata.dataset import Dataset
from geodata.query import View
from stats.idle import candidates, classify_parcels

T = TypeVar("T")


@st.cache_resource(max_entries=2, show_spinner="正在认定闲置土地…")
def _classified(version: str, today: dt.date, rules: str, _parcels: pd.DataFrame, _rules: IdleRules) -> pd.DataFrame:
    return classify_parcels(_parcels, today, _rules)


def all_classified(data: Dataset, today: dt.date, rules: IdleRules) -> pd.DataFrame:
    """:func:`stats.idle.classify_parcels` of every parcel, once per data version, date and rules.

    A parcel's class does not depend on the filters, so one frame serves every session and view.
    """
    return _classified(data.version, today, repr(rules), data.parcels, rules)


def classified_parcels(data: Dataset, view: View, today: dt.date, rules: IdleRules) -> pd.DataFrame:
    """The view's rows of :func:`all_classified`."""
    every = all_classified(data, today, rules)
    return every if len(view.parcels) == len(every) else every.loc[view.parcels.index]


@st.cache_resource(max_entries=2, show_spinner="正在整理可供应土地…")
def _candidates(version: str, today: dt.date, rules: str, _classified: pd.DataFrame,
                _zones: pd.DataFrame) -> list[Candidate]:  # fmt: skip
    return candidates(_classified, _zones)


def supply_candidates(data: Dataset, view: View, today: dt.date, rules: IdleRules) -> list[Candidate]:
    """:func:`stats.idle.candidates` of the view's classified parcels.

    Built once for all parcels (per data version, date and rules); a view keeps the candidates
    whose parcels are all in it — the same list as building them from the view's parcels, since
    a pair joins two adjacent parcels of one zone and both must be shown.
    """
    every = _candidates(data.version, today, repr(rules), all_classified(data, today, rules), data.zones)
    if len(view.parcels) == len(data.parcels):
        return every
    shown = set(view.parcels["parcel_id"])
    return [c for c in every if all(p in shown for p in c.parcel_ids)]


@st.cache_resource(max_entries=32, show_spinner=False)
def _ranked(version: str, filters: str, today: dt.date, rules: str, need: Need, tolerance: float,
            _pool: Callable[[], list[Candidate]]) -> list[Match]:  # fmt: skip
    return rank(need, _pool(), tolerance=tolerance, limit=10)


def ranked_matches(data: Dataset, view: View, today: dt.date, rules: IdleRules, need: Need,
                   tolerance: float) -> list[Match]:  # fmt: skip
    """The ten best candidates for ``need`` (:func:`domain.matching.rank`), cached per project and tolerance."""
    pool = lambda: supply_candidates(data, view, today, rules)  # noqa: E731 - built only when not cached
    return _ranked(data.version, repr(view.filters), today, repr(rules), need, tolerance, pool)


@st.cache_resource(max_entries=64, show_spinner=False)
def _table(what: str, version: str, filters: str, _build: Callable[[], object]) -> object:
    return _build()


def view_table(data: Dataset, view: View, what: str, build: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """``build()``, a summary table of the filtered view, computed once per data version and filters.

    ``what`` names the table and every other input it depends on (e.g. ``"pipeline_by:zone"``):
    two calls with the same ``what``, data version, filters and 截至 day get the same frame.
    """
    return _table(what, data.version, f"{view.filters!r}@{getattr(view, 'asof', None)}", build)


def per_version(data: Dataset, what: str, build: Callable[[], T]) -> T:
    """``build()`` once per data version; ``what`` names it and every input it depends on (see :func:`view_table`)."""
    return _table(what, data.version, "", build)
