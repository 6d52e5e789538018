"""Download buttons for the parcel ledger (台账) and the filtered parcels (built only when clicked)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geodata.io.export import export_filename, layer_geojson, layer_gpkg, ledger_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GPKG = "application/geopackage+sqlite3"


def parcel_downloads(parcels: pd.DataFrame, zones: pd.DataFrame) -> None:
    """台账 (.xlsx, one sheet per zone + 汇总), GeoPackage and GeoJSON of the filtered parcels."""
    st.caption(f"导出当前筛选的 {len(parcels)} 宗地块：")
    buttons = [
        ("台账 Excel", lambda: ledger_xlsx(parcels, zones), export_filename("地块台账", "xlsx"), XLSX),
        ("GeoPackage", lambda: layer_gpkg(parcels), export_filename("地块", "gpkg"), GPKG),
        ("GeoJSON", lambda: layer_geojson(parcels), export_filename("地块", "geojson"), "application/geo+json"),
    ]
    for col, (text, build, name, mime) in zip(st.columns(len(buttons)), buttons, strict=True):
        col.download_button(text, build, name, mime, key=f"dl_{name.rsplit('.', 1)[-1]}", on_click="ignore")
