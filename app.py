"""zonemap — 开发区一张图. Entry point: `make run` (streamlit run app.py)."""

from geodata.io.gdal import lock_environment

lock_environment()  # no-op when served (web.startup.configure did it); first for a bare `streamlit run app.py`

import streamlit as st  # noqa: E402

from ui.boot import wait_for_imports  # noqa: E402
from ui.errors import guarded  # noqa: E402

# No page icons: Streamlit fetches Material icons from a font CDN.
PAGES = [
    ("pages/overview.py", "总览地图", None),
    ("pages/supply.py", "标准地供给", "supply"),
    ("pages/tracker.py", "三个一批", "tracker"),
    ("pages/idle.py", "闲置土地盘活", "idle"),
    ("pages/tour.py", "观摩会", "tour"),
    ("pages/data.py", "数据管理", "data"),
]


def main() -> None:
    wait_for_imports()  # scripts/serve.py's start-up thread imports the app first (ui.boot)
    # Imported here so that even a failed import is a Chinese sentence.
    from layers.assets import ensure_assets
    from ui.chrome import app_chrome
    from ui.startup import start_once

    ensure_assets()
    start_once()
    app_chrome()
    pages = [st.Page(path, title=title, url_path=url, default=url is None) for path, title, url in PAGES]
    st.navigation(pages).run()


st.set_page_config(page_title="开发区一张图", layout="wide")
guarded(main)  # a failure anywhere, the preamble included, is a Chinese sentence with an error id
