import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Polygon, box

from domain.units import geodesic_area_m2, geodesic_area_mu, km2_to_mu, m2_to_mu, mu_to_hectare, mu_to_m2


def test_mu_is_exactly_2000_thirds_m2():
    assert m2_to_mu(2000) == 3
    assert mu_to_m2(3) == 2000
    assert m2_to_mu(1_000_000) == pytest.approx(1500, abs=1e-9)
    assert km2_to_mu(1) == 1500
    assert mu_to_hectare(15) == 1
    # 666.67 would be wrong by 0.0005%: 1000 亩 differ by 3.3 m²
    assert mu_to_m2(1000) != pytest.approx(666670, abs=1)


def test_geodesic_area_matches_gauss_kruger_at_central_meridian():
    """A 300 m × 200 m rectangle laid out in CGCS2000 GK (CM 111°E, EPSG:4546) at the CM."""
    to_lonlat = Transformer.from_crs("EPSG:4546", "EPSG:4490", always_xy=True).transform
    x0, y0 = 500_000.0, 4_100_000.0  # on the central meridian, ~37°N (介休)
    rect = box(x0, y0, x0 + 300, y0 + 200)
    lonlat = shapely.transform(rect, lambda xy: np.column_stack(to_lonlat(xy[:, 0], xy[:, 1])))
    assert 110.99 < lonlat.centroid.x < 111.01
    assert geodesic_area_m2(lonlat) == pytest.approx(60_000, rel=2e-6)
    assert geodesic_area_mu(lonlat) == pytest.approx(90.0, abs=2e-4)


def test_area_independent_of_orientation_and_empty():
    ring = [(112.0, 37.0), (112.01, 37.0), (112.01, 37.01), (112.0, 37.01)]
    assert geodesic_area_m2(Polygon(ring)) == pytest.approx(geodesic_area_m2(Polygon(ring[::-1])))
    assert geodesic_area_mu(None) == 0
    assert geodesic_area_mu(Polygon()) == 0


def test_area_in_degrees_would_be_wrong():
    """0.01° × 0.01° at 37°N is about 889 m × 1110 m ≈ 987 700 m², i.e. ≈ 1481.6 亩."""
    cell = box(112.0, 37.0, 112.01, 37.01)
    assert 985_000 < geodesic_area_m2(cell) < 990_000
    assert geodesic_area_mu(cell) == pytest.approx(geodesic_area_m2(cell) * 3 / 2000)


def test_blank_cells_are_none_nan_na_or_spaces():
    import math

    import pandas as pd

    from domain.values import is_blank

    assert all(is_blank(v) for v in (None, math.nan, pd.NA, pd.NaT, "", "  \t"))
    assert not any(is_blank(v) for v in (0, 0.0, False, "0", " 甲 "))
