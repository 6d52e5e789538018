"""Page-wide CSS: Chinese in place of widget texts Streamlit cannot translate, a compact page title (the map starts
within the first screen, #26), and the 观摩会 presentation.

Only constants here: no data ever reaches these style sheets.
"""

from __future__ import annotations

import streamlit as st

PRESENT_KEY = "tour_present"  # the 演示模式 toggle
STAGE_KEY = "tour_stage"  # the container of the presented tour (Streamlit gives it the class st-key-tour_stage)
UPLOAD_TEXT = "选择文件"

# A map frame sized from the browser window: the window's height less what is above the map (px), between a
# floor and a ceiling; the map page passes its reserve to ui.mapview.show_map (fit=…), which keys its container
# "zm_fit_<reserve>_<map key>". Without it the frame keeps streamlit-folium's fixed height.
FIT_RESERVES = (160, 240, 280)
FIT_MIN_PX, FIT_MAX_PX = 440, 1000
FIT_CSS = "".join(
    f'[class*="st-key-zm_fit_{r}_"] iframe {{ height: clamp({FIT_MIN_PX}px, calc(100vh - {r}px), {FIT_MAX_PX}px)'
    " !important; }\n"
    for r in FIT_RESERVES
)

# st.file_uploader has no parameter for its button and size/type line ("Upload", "100MB per file • CSV…"):
# the line is hidden (the page says the limits in Chinese) and the button's label replaced.
APP_CSS = f"""<style>
[data-testid="stFileUploaderDropzoneInstructions"] {{ display: none; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] {{ display: none; }}
[data-testid="stFileUploaderDropzone"] button [data-has-shortcut]::after {{ content: "{UPLOAD_TEXT}"; }}
[data-testid="stMainBlockContainer"] {{ padding-top: 2.5rem; }}
[data-testid="stMainBlockContainer"] h1 {{ font-size: 2rem; padding: 0 0 .25rem; }}
{FIT_CSS}</style>"""

PRESENTING_CSS = f"""<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"] {{ display: none; }}
html, body, [data-testid="stAppViewContainer"], [data-testid="stMain"] {{ overflow: hidden !important; }}
.st-key-{STAGE_KEY} iframe {{ position: fixed; inset: 0; width: 100vw !important; height: 100vh !important;
  z-index: 999990; border: 0; background: #10202f; }}
.st-key-{PRESENT_KEY} {{ position: fixed; top: 8px; left: 50%; transform: translateX(-50%); z-index: 999999;
  width: auto !important; background: rgba(255, 255, 255, .92); padding: 2px 14px; border-radius: 6px; }}
</style>"""


def app_chrome() -> None:
    """The app-wide CSS (call once per run, before the page)."""
    st.markdown(APP_CSS, unsafe_allow_html=True)


def presenting_css() -> str:
    """CSS that gives the screen to the presented tour and keeps only the 演示模式 switch above it."""
    return PRESENTING_CSS
