"""Derived tables are computed once per data version and filters, and records are read fast but unchanged."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from geodata.frames import records
from geodata.query import Filters
from ui.derived import per_version, view_table


def test_records_equal_pandas_records_for_every_kind_of_value():
    frame = pd.DataFrame(
        {
            "name": pd.array(["甲", None, "<b>丙</b>"], dtype="string[pyarrow]"),
            "status": ["reserve", "sold", None],
            "area_mu": [1.5, np.nan, 3.0],
            "done": [True, False, True],
            "when": ["2025-06-30", None, "2024-02-29"],
            "count": pd.array([1, None, 3], dtype="Int64"),
            "flag": pd.array([True, None, False], dtype="boolean"),
            "day": pd.to_datetime(["2024-01-01", None, "2024-03-01"]),
        }
    )

    def same(rows):  # None stays None; NaN and NaT compare as their kind (NaN is never == NaN)
        return [{k: v if v is None or not pd.isna(v) else repr(v) for k, v in r.items()} for r in rows]

    assert same(records(frame)) == same(frame.to_dict("records"))
    assert same(records(frame))[1]["count"] is None and same(records(frame))[1]["area_mu"] == "nan"
    assert same(records(frame, ["area_mu"])) == [{"area_mu": 1.5}, {"area_mu": "nan"}, {"area_mu": 3.0}]
    assert records(frame.iloc[0:0]) == []


def test_a_view_table_is_built_once_per_data_version_and_filters():
    calls = []

    def build():
        calls.append(1)
        return pd.DataFrame({"n": [len(calls)]})

    data = SimpleNamespace(version="test-v1")
    view = SimpleNamespace(filters=Filters(cities=("140100",)))
    first = view_table(data, view, "test:count", build)
    assert view_table(data, view, "test:count", build) is first and len(calls) == 1  # a rerun: no work
    view_table(data, SimpleNamespace(filters=Filters()), "test:count", build)  # other filters
    view_table(SimpleNamespace(version="test-v2"), view, "test:count", build)  # an edit moved the version
    view_table(data, view, "test:other", build)  # another table
    assert len(calls) == 4
    assert per_version(data, "test:thing", lambda: "a") == per_version(data, "test:thing", lambda: "b") == "a"


def test_the_idle_classes_of_a_filtered_view_are_those_of_its_parcels():
    import datetime as dt

    from domain.idle import IdleRules
    from geodata.dataset import load_dataset
    from geodata.query import apply_filters
    from geodata.store import SAMPLE_PATH, GpkgStore
    from stats.idle import classify_parcels
    from ui.derived import classified_parcels

    data = load_dataset(GpkgStore(SAMPLE_PATH))
    day, rules = dt.date(2026, 11, 24), IdleRules()
    view = apply_filters(data, Filters(cities=("140700",)))  # 晋中
    shown = classified_parcels(data, view, day, rules)
    alone = classify_parcels(view.parcels, day, rules)
    assert 0 < len(shown) < len(data.parcels)

    def plain(frame):  # missing as None, whatever the dtype pandas inferred for an all-missing column
        return [[None if v is None or (not isinstance(v, (list, tuple)) and pd.isna(v)) else v for v in row]
                for row in frame.drop(columns="geometry").astype(object).itertuples(index=True)]  # fmt: skip

    assert plain(shown) == plain(alone)


def test_the_candidates_of_a_filtered_view_are_those_built_from_its_parcels():
    import datetime as dt

    from domain.idle import IdleRules
    from geodata.dataset import load_dataset
    from geodata.query import apply_filters
    from geodata.store import SAMPLE_PATH, GpkgStore
    from stats.idle import candidates, classify_parcels
    from ui.derived import supply_candidates

    data = load_dataset(GpkgStore(SAMPLE_PATH))
    day, rules = dt.date(2026, 11, 24), IdleRules()
    for filters in (Filters(cities=("140700",)), Filters(chains=(data.parcels["chain"].dropna().iloc[0],)), Filters()):
        view = apply_filters(data, filters)
        alone = candidates(classify_parcels(view.parcels, day, rules), data.zones)
        shown = supply_candidates(data, view, day, rules)
        assert sorted(shown, key=lambda c: c.parcel_ids) == sorted(alone, key=lambda c: c.parcel_ids)
        assert len(alone) > 0
