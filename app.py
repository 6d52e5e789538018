"""zonemap — 开发区一张图. Entry point: `make run` (streamlit run app.py)."""

import streamlit as st
from layers.assets import ensure_assets

st.set_page_config(page_title="开发区一张图", layout="wide")
ensure_assets()

pages = [
    st.Page("pages/overview.py", title="总览地图", icon=":material/map:", default=True),
]
st.navigation(pages).run()
