"""Page-wide CSS: Chinese in place of widget texts Streamlit cannot translate, a compact page title (the map starts
within the first screen, #26), and the 观摩会 presentation.

Only constants here: no data ever reaches these style sheets.
"""

from __future__ import annotations

import streamlit as st

PRESENT_KEY = "tour_present"  # the 演示模式 toggle
STAGE_KEY = "tour_stage"  # the container of the presented tour (Streamlit gives it the class st-key-tour_stage)
UPLOAD_TEXT = "选择文件"
UPLOAD_REFUSED_TEXT = "不能选择此文件：格式不在支持之列，或超过大小上限（见上方说明）"
SKIP_TEXT = "跳到主要内容"
SORT_TEXTS = ("升序排列", "降序排列")

# A map frame sized from the browser window: the window's height less what is above the map (px), between a
# floor and a ceiling; the map page passes its reserve to ui.mapview.show_map (fit=…), which keys its container
# "zm_fit_<reserve>_<map key>" (观摩会 keys its tour frame's container the same way). Without it the frame keeps
# its fixed height. A components.html frame's own box keeps the height given in Python: it follows the frame here,
# or what comes after would lie over a taller frame or leave a gap under a shorter one.
TOUR_FIT = 200  # 观摩会: the title and the route row above the tour
FIT_RESERVES = (160, TOUR_FIT, 240, 280)
FIT_MIN_PX, FIT_MAX_PX = 440, 1000
FIT_CSS = "".join(
    f'[class*="st-key-zm_fit_{r}_"] iframe {{ height: clamp({FIT_MIN_PX}px, calc(100vh - {r}px), {FIT_MAX_PX}px)'
    " !important; }\n"
    f'[class*="st-key-zm_fit_{r}_"] [data-testid="stElementContainer"]:has(> iframe) {{ height: auto !important; }}\n'
    for r in FIT_RESERVES
)

# Streamlit 1.67 has no locale setting; where it writes English of its own and offers no parameter, the part is
# hidden or relabelled here (#26), and tests/test_browser_words.py reads every page for Latin words:
# - st.file_uploader ("Drag and drop file here", "Limit 100MB per file • CSV, GEOJSON…", the "Upload" button;
#   Streamlit issue 13500 asks for text options, open): the instructions are hidden (the import page says the
#   accepted formats and limits in Chinese) and the button's label replaced by 选择文件;
# - input hints ("Press Enter to apply" under a text or number box holding typed text, "Press Enter to submit
#   form" in a form): hidden; Enter still applies, and forms that must not submit on Enter say so with
#   st.form(enter_to_submit=False);
# - the keyboard users' "Skip to main content" link: relabelled 跳到主要内容;
# - an empty st.date_input's placeholder segments ("yyyy/mm/dd": Streamlit draws its date fields in en-US
#   whatever the browser's language): made transparent, the edit form says 空白表示未填 beside it;
# - the toolbar of tables and charts ("Show/hide columns", "Download as CSV", "Search", "Fullscreen"; issue 8402:
#   no option to remove it): hidden; tables users take away have their own 下载 buttons (ui.tables);
# - a table's column menu (the ⋮ a column header shows under the pointer: "Sort ascending", "Sort descending",
#   "Statistics", "Format" with "Automatic", "Localized", "Percent"…, "Autosize", "Pin column", "Hide column",
#   the type's name and "Copy column name" as tooltips). 1.67 has no parameter or setting that turns it off or
#   translates it (its glide-data-grid columns get a menu whenever the table has rows; i18n is Streamlit issue
#   1353, open; issue 11222 asks to turn off column moving and sorting, open), and the ⋮ is painted on the
#   table's canvas, where CSS cannot hide it. Hiding the whole menu would leave an invisible one that swallows
#   the mouse wheel until the next click, so the menu stays with the column's name and the two sort items,
#   relabelled 升序排列/降序排列 (the first two items, the ones before the menu's only empty divider); the rest is
#   hidden (the statistics and format submenus alone hold dozens of English words; the pages already format
#   their figures). A click on a header still sorts, as before;
# - a chosen file that st.file_uploader refuses ("text/plain files are not allowed.", "File is larger than…",
#   shown as a tooltip over the file): the tooltip says 不能选择此文件… instead (it cannot tell the two apart;
#   the accepted formats and the size limit are written above the uploader). The chosen file's name and size
#   ("26.0KB") read as they are.
MENU = '[data-testid="stDataFrameColumnMenu"] [role="menu"]'
ASC = '[role="menuitem"]:has(+ [role="menuitem"] + :empty)'  # the two sort items: before the menu's empty divider
DESC = '[role="menuitem"]:has(+ :empty)'
APP_CSS = f"""<style>
[data-testid="stFileUploaderDropzoneInstructions"] {{ display: none; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] {{ display: none; }}
[data-testid="stFileUploaderDropzone"] button [data-has-shortcut]::after {{ content: "{UPLOAD_TEXT}"; }}
[data-testid="stTooltipErrorContent"] {{ font-size: 0; }}
[data-testid="stTooltipErrorContent"]::after {{ content: "{UPLOAD_REFUSED_TEXT}"; font-size: .875rem; }}
{MENU} > :first-child > [title]:first-child, {MENU} > :first-child button {{ display: none; }}
{MENU} > :not(:first-child, {ASC}, {DESC}) {{ display: none; }}
{MENU} > {ASC}, {MENU} > {DESC} {{ font-size: 0; }}
{MENU} > {ASC}::after {{ content: "{SORT_TEXTS[0]}"; font-size: .875rem; }}
{MENU} > {DESC}::after {{ content: "{SORT_TEXTS[1]}"; font-size: .875rem; }}
[data-testid="InputInstructions"] {{ display: none; }}
[data-testid="stElementToolbar"] {{ display: none; }}
[data-testid="stDateInput"] [data-placeholder="true"] {{ color: transparent; }}
[data-testid="stSkipToContent"] {{ font-size: 0; }}
[data-testid="stSkipToContent"]::after {{ content: "{SKIP_TEXT}"; font-size: 1rem; }}
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
