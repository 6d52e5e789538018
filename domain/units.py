"""Area units and geodesic area.

1 亩 = 2000/3 m² exactly; 1 公顷 = 15 亩; 1 km² = 1500 亩 (docs/rules.md).
Areas are computed on the CGCS2000 ellipsoid (numerically identical to GRS80 for
areas) with :class:`pyproj.Geod`, never in degrees and never with 666.67.
"""

from __future__ import annotations

from fractions import Fraction

from pyproj import Geod
from shapely.geometry.base import BaseGeometry

M2_PER_MU = 2000 / 3
MU_PER_HECTARE = 15
MU_PER_KM2 = 1500

# CGCS2000 uses the GRS80 ellipsoid parameters (a, 1/f = 298.257222101).
_GEOD = Geod(ellps="GRS80")

assert Fraction(M2_PER_MU).limit_denominator(10) == Fraction(2000, 3)


def m2_to_mu(m2: float) -> float:
    """Square metres to 亩."""
    return m2 * 3 / 2000


def mu_to_m2(mu: float) -> float:
    """亩 to square metres."""
    return mu * 2000 / 3


def mu_to_hectare(mu: float) -> float:
    """亩 to 公顷."""
    return mu / MU_PER_HECTARE


def km2_to_mu(km2: float) -> float:
    """Square kilometres to 亩."""
    return km2 * MU_PER_KM2


def geodesic_area_m2(geom: BaseGeometry | None) -> float:
    """Area in m² of a lon/lat (EPSG:4490 / 4326) polygon on the ellipsoid.

    Returns 0 for empty or missing geometries and for points and lines.
    """
    if geom is None or geom.is_empty:
        return 0.0
    area, _perimeter = _GEOD.geometry_area_perimeter(geom)
    return abs(area)


def geodesic_area_mu(geom: BaseGeometry | None) -> float:
    """Area in 亩 of a lon/lat polygon, computed on the ellipsoid."""
    return m2_to_mu(geodesic_area_m2(geom))


REGISTERED_AREA_TOLERANCE = 0.01  # a registered area (登记面积) this far from the computed one is pointed out


def area_difference_note(registered: float | None, computed: float | None) -> str | None:
    """“登记 127.38 亩，按图形 124.85 亩，相差 2.0%” when they differ by more than 1 %; None otherwise or if unknown."""
    if registered is None or computed is None or registered != registered or computed != computed or computed <= 0:
        return None
    share = abs(registered - computed) / computed
    if share <= REGISTERED_AREA_TOLERANCE:
        return None
    return f"登记 {registered:,.2f} 亩，按图形 {computed:,.2f} 亩，相差 {share:.1%}"
