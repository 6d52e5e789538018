"""GCJ-02 conversion against an independent scalar implementation (pure `math`)."""

import math

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon

from domain.coords import gcj02_to_wgs84, gcj02_to_wgs84_geometries, wgs84_to_gcj02

A = 6378245.0
EE = 0.00669342162296594323


def ref_wgs_to_gcj(lon, lat):
    """Scalar transcription of the public GCJ-02 formula, written independently."""
    x, y = lon - 105.0, lat - 35.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    dlon += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * math.pi
    magic = 1 - EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = dlat * 180.0 / ((A * (1 - EE)) / (magic * sqrtmagic) * math.pi)
    dlon = dlon * 180.0 / (A / sqrtmagic * math.cos(radlat) * math.pi)
    return lon + dlon, lat + dlat


# Known places in Shanxi (WGS84): 太原五一广场, 大同古城, 运城盐湖, 晋城, 介休, 省界西南角附近
PLACES = [(112.5624, 37.8656), (113.2995, 40.0903), (111.0077, 35.0264), (112.8513, 35.4907), (111.918, 37.027)]


@pytest.mark.parametrize(("lon", "lat"), PLACES)
def test_forward_matches_reference(lon, lat):
    glon, glat = wgs84_to_gcj02(lon, lat)
    rlon, rlat = ref_wgs_to_gcj(lon, lat)
    assert abs(float(glon) - rlon) < 1e-9
    assert abs(float(glat) - rlat) < 1e-9
    # the offset is a few hundred metres, not zero
    assert 0.001 < math.hypot(rlon - lon, rlat - lat) < 0.01


@pytest.mark.parametrize(("lon", "lat"), PLACES)
def test_inverse_is_exact_against_reference(lon, lat):
    glon, glat = ref_wgs_to_gcj(lon, lat)  # known pair from the reference
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    assert abs(float(wlon) - lon) < 1e-6
    assert abs(float(wlat) - lat) < 1e-6
    assert abs(float(wlon) - lon) < 1e-8  # in fact far better


def test_vectorised_over_arrays_and_outside_china():
    rng = np.random.default_rng(7)
    lon = rng.uniform(110.2, 114.6, 500)
    lat = rng.uniform(34.6, 40.7, 500)
    glon, glat = wgs84_to_gcj02(lon, lat)
    ref = np.array([ref_wgs_to_gcj(a, b) for a, b in zip(lon, lat, strict=True)])
    assert np.max(np.abs(glon - ref[:, 0])) < 1e-9
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    assert np.max(np.abs(wlon - lon)) < 1e-8 and np.max(np.abs(wlat - lat)) < 1e-8
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)  # Paris: unchanged


def test_geometries_converted_in_one_call():
    poly = Polygon([(112.5, 37.8), (112.6, 37.8), (112.6, 37.9)])
    out = gcj02_to_wgs84_geometries([poly, shapely.Point(112.55, 37.85)])
    assert out[0].is_valid and out[0].geom_type == "Polygon"
    back = np.array(ref_wgs_to_gcj(*shapely.get_coordinates(out[1])[0]))
    assert np.allclose(back, [112.55, 37.85], atol=1e-8)
    assert poly.exterior.coords[0] == (112.5, 37.8)  # input untouched
