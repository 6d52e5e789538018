"""Serve every JS/CSS file the map needs from this app, never from a CDN.

Leaflet and Leaflet.markercluster come from PyPI XStatic packages (installed by
``make``); Leaflet.VectorGrid (the vector-tile layer of large data's maps) from
the npm registry, fetched and checked against its pinned integrity by
``scripts/vendor_npm.py`` (a ``make`` step) into ``var/vendor/``. At app start
(or ``python -m layers.assets``) they are copied into ``static/vendor/``
(git-ignored), which Streamlit serves at ``/app/static/``. URLs are absolute
because the map is drawn inside a component iframe. VectorGrid may be missing
(no npm, offline install): :func:`vectorgrid_ready` says so and the maps fall back.
"""

from __future__ import annotations

import functools
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

import folium
import folium.plugins
import xstatic.pkg.leaflet as xleaflet
import xstatic.pkg.leaflet_markercluster as xcluster
from branca.element import MacroElement
from jinja2 import Template

from geodata.atomic import replace_file

log = logging.getLogger(__name__)
REPO = Path(__file__).resolve().parent.parent
STATIC_DIR = REPO / "static"
NPM_DIR = REPO / "var" / "vendor"  # what scripts/vendor_npm.py unpacked
URL_PREFIX = "/app/static/vendor"


@dataclass(frozen=True)
class NpmAsset:
    """One file of an npm package, pinned by version and the registry's ``dist.integrity`` (SHA-512 of the tarball)."""

    package: str
    version: str
    integrity: str
    file: str  # under the package's dist/
    folder: str  # under var/vendor/ and static/vendor/


VECTORGRID = NpmAsset(
    "leaflet.vectorgrid",
    "1.3.0",
    "sha512-kWmj1pKM+MVdo/7Mg5zsB3YrGZvo/uIuiANV9MvWUFOG+Y2xAJzrteDhoIcCgTjHSSRJ36xdeGdIQVhuWjnCZw==",
    "Leaflet.VectorGrid.bundled.min.js",
    "vectorgrid",
)

# destination folder → (source folder, files or folders to copy)
_SOURCES: dict[str, tuple[Path, tuple[str, ...]]] = {
    "leaflet": (Path(xleaflet.BASE_DIR), ("leaflet.js", "leaflet.css", "images")),
    "markercluster": (
        Path(xcluster.BASE_DIR),
        ("leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css"),
    ),
}

LEAFLET_JS = f"{URL_PREFIX}/leaflet/leaflet.js"
LEAFLET_CSS = f"{URL_PREFIX}/leaflet/leaflet.css"
CLUSTER_JS = f"{URL_PREFIX}/markercluster/leaflet.markercluster.js"
CLUSTER_CSS = f"{URL_PREFIX}/markercluster/MarkerCluster.css"
CLUSTER_DEFAULT_CSS = f"{URL_PREFIX}/markercluster/MarkerCluster.Default.css"
VECTORGRID_JS = f"{URL_PREFIX}/{VECTORGRID.folder}/{VECTORGRID.file}"


def ensure_assets(static_dir: Path = STATIC_DIR, npm_dir: Path = NPM_DIR) -> Path:
    """Copy the vendored assets into ``static_dir/vendor`` unless already up to date.

    Leaflet.VectorGrid is copied when ``scripts/vendor_npm.py`` fetched it; if not, a warning is logged
    (large data is then drawn without vector tiles, see :func:`vectorgrid_ready`).
    """
    vendor = static_dir / "vendor"
    for dest_name, (src_dir, names) in _SOURCES.items():
        for name in names:
            _copy(src_dir / name, vendor / dest_name / name)
    src = npm_dir / VECTORGRID.folder / VECTORGRID.file
    if src.exists():
        _copy(src, vendor / VECTORGRID.folder / VECTORGRID.file)
    else:
        _warn_missing(str(src))
    return vendor


@functools.cache
def _warn_missing(src: str) -> None:
    """Once per process (the app copies its assets on every page run)."""
    log.warning("%s %s is missing (%s): run `make setup`; large data maps fall back to grid cells",
                VECTORGRID.package, VECTORGRID.version, src)  # fmt: skip


def vectorgrid_ready(static_dir: Path = STATIC_DIR) -> bool:
    """Whether the app serves Leaflet.VectorGrid (copied by :func:`ensure_assets`)."""
    return (static_dir / "vendor" / VECTORGRID.folder / VECTORGRID.file).exists()


def _copy(src: Path, dest: Path) -> None:
    if src.is_dir():
        for child in src.iterdir():
            _copy(child, dest / child.name)
        return
    if _same(src, dest):
        return
    replace_file(dest, lambda tmp: shutil.copy2(src, tmp))  # keeps the mtime: the next check is a cheap stat


def _same(src: Path, dest: Path) -> bool:
    if not dest.exists():
        return False
    a, b = src.stat(), dest.stat()
    return a.st_size == b.st_size and int(a.st_mtime) == int(b.st_mtime)


def asset_text(folder: str, name: str) -> str:
    """The text of one vendored asset straight from its XStatic package (for self-contained HTML)."""
    src_dir, names = _SOURCES[folder]
    if name not in names:
        raise KeyError(f"{folder}/{name} is not a vendored asset")
    return (src_dir / name).read_text(encoding="utf-8")


class ChineseControls(MacroElement):
    """Leaflet's own English in Chinese (#26): the zoom buttons' tooltips ("Zoom in", "Zoom out") and the
    attribution prefix, a link titled "A JavaScript library for interactive maps", which becomes plain Leaflet."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function (m) {
  if (m.zoomControl) {
    var at = m.zoomControl.getPosition();
    m.zoomControl.remove();
    m.zoomControl = L.control.zoom({position: at, zoomInTitle: "放大", zoomOutTitle: "缩小"}).addTo(m);
  }
  if (m.attributionControl) { m.attributionControl.setPrefix("Leaflet"); }
})({{ this._parent.get_name() }});
{% endmacro %}"""
    )


def offline_map(**kwargs) -> folium.Map:
    """A folium Map that loads only Leaflet, from this app (no jQuery, Bootstrap or icon fonts), its controls
    in Chinese."""
    fmap = folium.Map(**kwargs)
    fmap.default_js = [("leaflet", LEAFLET_JS)]
    fmap.default_css = [("leaflet_css", LEAFLET_CSS)]
    ChineseControls().add_to(fmap)
    return fmap


def offline_cluster(**kwargs) -> folium.plugins.MarkerCluster:
    """A MarkerCluster whose JS/CSS come from this app."""
    cluster = folium.plugins.MarkerCluster(**kwargs)
    cluster.default_js = [("markerclusterjs", CLUSTER_JS)]
    cluster.default_css = [("markerclustercss", CLUSTER_CSS), ("markerclusterdefaultcss", CLUSTER_DEFAULT_CSS)]
    return cluster


def asset_links(element) -> tuple[list[str], list[str]]:
    """(css, js) URLs the map needs, collected the way streamlit-folium collects them."""
    css: list[str] = []
    js: list[str] = []
    for elem in _walk(element):
        css.extend(href for _, href in getattr(elem, "default_css", []))
        js.extend(src for _, src in getattr(elem, "default_js", []))
    return list(dict.fromkeys(css)), list(dict.fromkeys(js))


def _walk(element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def check_offline(element) -> None:
    """Raise ValueError if any JS/CSS of ``element`` would be loaded from outside this app."""
    css, js = asset_links(element)
    foreign = [url for url in css + js if not url.startswith(URL_PREFIX + "/")]
    if foreign:
        raise ValueError(f"map would load assets from outside the app: {foreign}")


if __name__ == "__main__":
    print(f"assets ready in {ensure_assets()}")
