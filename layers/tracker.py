"""Map layer of the 三个一批 page: projects flagged 三未 ringed in red, clickable like any project."""

from __future__ import annotations

import folium
import pandas as pd

from domain.labels import label
from layers.controls import PIN_LIFT_PX
from layers.features import feature_collection, geojson_layer, tip_html

SANWEI_COLOR = "#e53935"
SANWEI_CLASS = "zm-sanwei"  # the large-data map hides the rings below project zoom (layers.tilemap.Summaries)
RING = {"radius": 12, "color": SANWEI_COLOR, "weight": 3, "fill": False}
# around a project's marker drawn above its point (small data, see layers.controls.PointerFixes)
LIFTED_RING = RING | {"zmLift": PIN_LIFT_PX, "zmStem": False}


def _flag_tip(r) -> str:
    return tip_html(r["name"], f"{label(r['sanwei'])}：{r['reason']}")


def sanwei_layer(judged: pd.DataFrame, lifted: bool = True) -> list[folium.FeatureGroup]:
    """Red rings around projects with a 三未 flag (``judged`` from stats.tracker.judge_projects); ``lifted``
    where the map lifts project markers above their point (small data; the large-data map draws them on it).

    Returned as a list of overlays for ``build_map(extra=...)`` (empty when nothing is flagged).
    """
    flagged = judged[judged["sanwei"].notna()]
    if flagged.empty:
        return []
    group = folium.FeatureGroup(name=f"三未项目（{len(flagged)}）")
    geojson_layer(
        feature_collection(flagged, "projects", _flag_tip),
        "三未项目",
        lambda _f: LIFTED_RING if lifted else RING,
        marker=folium.CircleMarker(radius=12, fill=False, class_name=SANWEI_CLASS),
        control=False,
    ).add_to(group)
    return [group]
