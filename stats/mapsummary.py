"""The figures the large-data map writes over its shapes: 宗, 亩 and 项目 per 市 (province zoom) and per 开发区.

A province of parcels drawn as shapes is colour without numbers; the map's
summary overlay (:class:`layers.tilemap.Summaries`) labels each city, and
each development zone when zoomed in, with what the page's filters kept.
Parks (园区) count with their top-level zone, so a zone and its parks get one
label, not a pile. Pure pandas: the caller passes the filtered frames.
"""

from __future__ import annotations

import pandas as pd

COLUMNS = ["key", "name", "lat", "lng", "parcels", "mu", "projects", "sanwei"]


def _count(keys: pd.Series, name: str) -> pd.Series:
    return pd.Series(1, index=keys.to_numpy()).groupby(level=0, sort=False).size().rename(name)


def _totals(parcels: pd.DataFrame, projects: pd.DataFrame, parcel_key: pd.Series, project_key: pd.Series,
            flagged: pd.Series | None = None):  # fmt: skip
    """宗, 亩, 项目 and, with ``flagged`` (a boolean per project), 三未 per key."""
    p = pd.DataFrame({"key": parcel_key.to_numpy(), "mu": parcels["area_mu"].to_numpy(dtype=float)})
    by = p.groupby("key", sort=False).agg(parcels=("mu", "size"), mu=("mu", "sum"))
    out = by.join(_count(project_key, "projects"), how="outer")
    sanwei = project_key[flagged.reindex(project_key.index, fill_value=False).to_numpy(dtype=bool)] \
        if flagged is not None else project_key.iloc[:0]  # fmt: skip
    out = out.join(_count(sanwei, "sanwei"), how="left").fillna(0)
    for column in ("parcels", "projects", "sanwei"):
        out[column] = out[column].astype(int)
    return out


def _labelled(totals: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """``places`` (key, name, geometry) with the totals, places without a record left out, most 亩 first."""
    if not len(places):
        return pd.DataFrame(columns=COLUMNS)
    points = places.geometry.representative_point()
    frame = pd.DataFrame({
        "key": places["key"].to_numpy(), "name": places["name"].to_numpy(),
        "lat": points.y.to_numpy(), "lng": points.x.to_numpy(),
    }).set_index("key")  # fmt: skip
    frame = frame.join(totals, how="inner")
    frame = frame[(frame["parcels"] > 0) | (frame["projects"] > 0)].reset_index()
    return frame.sort_values(["mu", "projects", "key"], ascending=[False, False, True], kind="stable")[COLUMNS]


def by_city(admin: pd.DataFrame, parcels: pd.DataFrame, projects: pd.DataFrame,
            flagged: pd.Series | None = None) -> pd.DataFrame:  # fmt: skip
    """One row per 市 holding a filtered record: name, representative point, 宗, 亩, 项目 (records' ``city_adcode``),
    and 三未 when ``flagged`` (a boolean per project: flagged 三未) is given."""
    totals = _totals(parcels, projects, parcels["city_adcode"].astype(str), projects["city_adcode"].astype(str),
                     flagged)  # fmt: skip
    cities = admin[admin["level"] == "city"]
    places = cities.assign(key=cities["adcode"].astype(str))[["key", "name", "geometry"]]
    return _labelled(totals, places)


def top_zone(zones: pd.DataFrame) -> dict[str, str]:
    """Each zone's top-level zone (a park's parent, its parent's parent …; a zone without a parent: itself)."""
    parent = dict(zip(zones["zone_id"], zones["parent_id"], strict=True))
    out = {}
    for zone in parent:
        seen, z = {zone}, zone
        while isinstance(parent.get(z), str) and parent[z] in parent and parent[z] not in seen:
            z = parent[z]
            seen.add(z)
        out[zone] = z
    return out


def by_zone(zones: pd.DataFrame, parcels: pd.DataFrame, projects: pd.DataFrame,
            flagged: pd.Series | None = None) -> pd.DataFrame:  # fmt: skip
    """One row per top-level 开发区 holding a filtered record (its parks' records included); labelled with its
    short name when it has one, at its own shape's representative point (三未 as in :func:`by_city`)."""
    top = top_zone(zones)
    totals = _totals(parcels, projects, parcels["zone_id"].map(top), projects["zone_id"].map(top), flagged)
    roots = zones[zones["zone_id"].map(top) == zones["zone_id"]]
    short = roots["short_name"] if "short_name" in roots else pd.Series(None, index=roots.index)
    names = short.where(short.notna() & (short.astype(str).str.strip() != ""), roots["name"])
    return _labelled(totals, roots.assign(key=roots["zone_id"], name=names)[["key", "name", "geometry"]])


def mu_text(mu: float) -> str:
    """An area in few characters: ``850亩``, ``1.2万亩``."""
    return f"{mu / 10_000:,.1f}万亩" if mu >= 10_000 else f"{mu:,.0f}亩"


def figure_lines(row) -> list[str]:
    """``["1,234宗 · 5.6万亩", "78个项目 · 三未3个"]`` (lines with nothing left out)."""
    parts = []
    if row["parcels"]:
        parts.append(f"{int(row['parcels']):,}宗 · {mu_text(float(row['mu']))}")
    if row["projects"]:
        sanwei = int(row.get("sanwei", 0) or 0)
        parts.append(f"{int(row['projects']):,}个项目" + (f" · 三未{sanwei:,}个" if sanwei else ""))
    return parts


def figures_text(row) -> str:
    """The figures on one line: ``1,234宗 · 5.6万亩 · 78个项目``."""
    return " · ".join(figure_lines(row))
