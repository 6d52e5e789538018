"""Viewport queries and aggregation for province-scale data: the right features, counts that add up."""

from __future__ import annotations

import re

import folium
import numpy as np
import pandas as pd
import pytest
import shapely

from geodata.dataset import dataset_from_frames
from geodata.query import Filters, apply_filters
from geodata.synth import REFERENCE_DAY, SYNTH_SOURCE, synth_frames, write_synth
from layers.viewport import (
    DETAIL_ZOOM,
    MAX_SHAPES,
    View,
    ViewIndex,
    decimals_for,
    dominant,
    grid_cells,
    query_view,
    snap_view,
    view_geometries,
)


@pytest.fixture(scope="module")
def big():
    return dataset_from_frames(synth_frames(12000, 2500, seed=7), version="synth")


@pytest.fixture(scope="module")
def index(big):
    return ViewIndex(big.parcels, big.projects)


def masks(big, filters=None):
    view = apply_filters(big, filters or Filters())
    return big.parcels.index.isin(view.parcels.index), big.projects.index.isin(view.projects.index), view


def test_synth_makes_what_was_asked_and_says_it_is_synthetic(big):
    assert len(big.parcels) == 12000 and len(big.projects) == 2500
    synthetic = big.parcels[big.parcels["source"] == SYNTH_SOURCE]
    assert len(synthetic) == 12000 - 195 and (synthetic["outline_source"] == "schematic").all()
    geoms = big.parcels.geometry.values
    tree = shapely.STRtree(geoms)
    assert sum(len(tree.query(g, predicate="overlaps")) for g in geoms[:3000]) == 0
    assert big.projects["parcel_id"].dropna().isin(big.parcels["parcel_id"]).all()


def test_synth_has_realistic_idle_shares_and_keeps_the_sample_tours(big, tmp_path):
    synthetic = big.parcels[big.parcels["source"] == SYNTH_SOURCE]
    supplied = synthetic[synthetic["supply_status"].isin(["sold", "started", "producing"])]
    due = pd.to_datetime(supplied["agreed_start_date"]) < pd.Timestamp(REFERENCE_DAY) - pd.Timedelta(days=366)
    overdue = supplied[due & supplied["actual_start_date"].isna()]
    assert 0.005 < len(overdue) / len(supplied) < 0.05  # a few percent of supplied land, not a fifth
    store = write_synth(tmp_path / "s.gpkg", 300, 50)
    assert [t.tour.tour_id for t in store.list_tours()] == ["T-SXZG"]


def test_snapping_covers_the_view_and_is_stable_for_small_pans():
    a = snap_view({"_southWest": {"lat": 37.80, "lng": 112.50}, "_northEast": {"lat": 37.86, "lng": 112.62}}, 14.3)
    b = snap_view([[37.801, 112.501], [37.861, 112.621]], 14)
    assert a == b and a.zoom == 14
    assert a.south <= 37.80 and a.west <= 112.50 and a.north >= 37.86 and a.east >= 112.62


def test_detail_view_returns_exactly_the_parcels_touching_it(big, index):
    parcel_mask, project_mask, _ = masks(big)
    z = big.parcels[big.parcels["zone_id"] == "SXZG-JZ"].geometry.union_all().centroid
    view = View(z.y - 0.01, z.x - 0.012, z.y + 0.01, z.x + 0.012, 15)
    result = query_view(index, parcel_mask, project_mask, view)
    truth = set(np.flatnonzero(big.parcels.geometry.intersects(view.box).to_numpy()))
    assert set(result.parcels) == truth and 0 < len(truth) <= MAX_SHAPES
    assert result.parcel_cells.empty and result.parcels_in_view == len(truth)
    in_box = big.projects.geometry.within(view.box) | big.projects.geometry.touches(view.box)
    assert set(result.projects) == set(np.flatnonzero(in_box.to_numpy()))


def test_low_zoom_aggregates_and_counts_equal_the_filtered_truth(big, index):
    filters = Filters(chains=(big.parcels["chain"].value_counts().index[0],), stages=("started",))
    parcel_mask, project_mask, filtered = masks(big, filters)
    province = snap_view([[34.4, 110.0], [40.9, 114.8]], 7)
    result = query_view(index, parcel_mask, project_mask, province)
    assert len(result.parcels) == 0 and 0 < len(result.parcel_cells) < 300
    assert result.parcel_cells["count"].sum() == len(filtered.parcels) == result.parcels_in_view
    assert result.parcel_cells["mu"].sum() == pytest.approx(filtered.parcels["area_mu"].sum())
    expected = len(filtered.projects)
    assert (result.project_cells["count"].sum() if len(result.project_cells) else len(result.projects)) == expected


def test_a_crowded_detail_view_is_aggregated(big, index):
    parcel_mask, project_mask, _ = masks(big)
    wide = snap_view([[36.0, 111.0], [39.0, 114.0]], DETAIL_ZOOM)  # thousands of parcels at detail zoom
    result = query_view(index, parcel_mask, project_mask, wide)
    assert result.parcels_in_view > MAX_SHAPES and len(result.parcels) == 0
    assert result.parcel_cells["count"].sum() == result.parcels_in_view


def test_geometry_is_cut_to_what_the_zoom_shows(big):
    geoms = big.parcels.geometry.values[:200]
    coarse, fine = view_geometries(geoms, 13), view_geometries(geoms, 18)
    assert decimals_for(13) == 5 and decimals_for(18) == 6  # half a pixel: 1e-5° ≈ 1 m, 1e-6° ≈ 0.1 m
    coords = shapely.get_coordinates(coarse)
    assert np.allclose(coords, np.round(coords, 5))
    assert shapely.get_num_coordinates(coarse).sum() <= shapely.get_num_coordinates(fine).sum()
    assert all(shapely.is_valid(coarse))


def test_grid_cells_sum_their_members():
    xy = np.array([[0.1, 0.1], [0.2, 0.2], [1.5, 0.1]])
    cells, cell_of = grid_cells(xy, np.array([1.0, 2.0, 4.0]), 1.0, "mu")
    assert cells["count"].tolist() == [2, 1] and cells["mu"].tolist() == [3.0, 4.0]
    assert cells["lon"].tolist() == pytest.approx([0.15, 1.5])
    assert cells["cx"].tolist() == [0.5, 1.5] and cells["cy"].tolist() == [0.5, 0.5]  # labels sit at cell centres
    assert cell_of.tolist() == [0, 0, 1]


def test_dominant_is_the_value_with_the_largest_weight_per_cell():
    cell_of = np.array([0, 0, 0, 1, 1, 2])
    values = np.array(["sold", "reserve", "reserve", None, "listed", "sold"], dtype=object)
    weight = np.array([5.0, 3.0, 1.0, 9.0, 2.0, 0.0])
    assert dominant(cell_of, values, weight, 4) == ["sold", None, "sold", None]  # 5 > 3 + 1; a blank can win
    assert dominant(np.empty(0, dtype=int), np.empty(0), np.empty(0), 2) == [None, None]


def test_aggregated_members_map_to_their_cells(big, index):
    parcel_mask, project_mask, filtered = masks(big)
    result = query_view(index, parcel_mask, project_mask, snap_view([[34.4, 110.0], [40.9, 114.8]], 7))
    assert len(result.parcel_members) == result.parcels_in_view == len(filtered.parcels)
    counts = np.bincount(result.parcel_cell_of, minlength=len(result.parcel_cells))
    assert counts.tolist() == result.parcel_cells["count"].tolist()
    mu = np.bincount(
        result.parcel_cell_of, weights=np.nan_to_num(big.parcels["area_mu"].to_numpy()[result.parcel_members])
    )
    assert mu == pytest.approx(result.parcel_cells["mu"].to_numpy())


def test_province_cells_are_labelled_and_coloured_by_the_legend(big, index):
    from layers.styles import PIPELINE_COLORS, legend_html
    from layers.viewmap import view_group

    parcels = big.parcels
    parcel_mask, project_mask, filtered = masks(big)
    result = query_view(index, parcel_mask, project_mask, snap_view([[34.4, 110.0], [40.9, 114.8]], 7))
    group = view_group(filtered.zones, parcels, big.projects, result, "pipeline_stage")
    folium.Map().add_child(group).get_root().render()  # renders: every style is computable
    cells = next(c for c in group._children.values() if getattr(c, "layer_name", "") == "地块（汇总）")
    htmls = [f["properties"]["html"] for f in cells.data["features"]]
    box = re.compile(r'<div class="zm-cell zm-cell-p" style="--c:(#[0-9a-f]{6})"><b>([\d,]+)宗</b>([\d.,]+万?)亩</div>')
    boxes = [box.fullmatch(h) for h in htmls]
    assert all(boxes)
    boxes = [b.groups() for b in boxes]
    assert len(boxes) == len(result.parcel_cells) > 3
    assert sum(int(n.replace(",", "")) for _, n, _ in boxes) == len(filtered.parcels)  # labels add up
    # the border is the colour of the class holding the most 亩 in the cell, read from the same legend
    first = result.parcel_cell_of == 0
    by_class = parcels.iloc[result.parcel_members[first]].groupby("pipeline_stage")["area_mu"].sum()
    assert boxes[0][0] == PIPELINE_COLORS[by_class.idxmax()]
    assert set(c for c, _, _ in boxes) <= set(PIPELINE_COLORS.values())
    assert "缩小时按网格汇总" in legend_html("pipeline_stage", cells=True)
    assert "面积最大的供地阶段" in legend_html("pipeline_stage", cells=True)  # the measure is named
    assert "缩小时按网格汇总" not in legend_html("pipeline_stage")
