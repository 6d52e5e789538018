"""zonemap — 开发区一张图. Entry point: `make run` (streamlit run app.py)."""

import streamlit as st

import geodata  # noqa: F401  (locks GDAL down before any page imports pyogrio)
from layers.assets import ensure_assets
from ui.chrome import app_chrome
from ui.errors import guarded
from ui.startup import start_once

st.set_page_config(page_title="开发区一张图", layout="wide")
ensure_assets()
start_once()
app_chrome()

# No page icons: Streamlit fetches Material icons from a font CDN.
pages = [
    st.Page("pages/overview.py", title="总览地图", default=True),
    st.Page("pages/supply.py", title="标准地供给", url_path="supply"),
    st.Page("pages/tracker.py", title="三个一批", url_path="tracker"),
    st.Page("pages/idle.py", title="闲置土地盘活", url_path="idle"),
    st.Page("pages/tour.py", title="观摩会", url_path="tour"),
    st.Page("pages/data.py", title="数据管理", url_path="data"),
]
guarded(st.navigation(pages).run)
