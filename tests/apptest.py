"""Running the app's pages under Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_page(page: str | None = None, **session) -> AppTest:
    """Run app.py, switch to ``page`` (e.g. "pages/supply.py"), set ``session`` state, run; no exception."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    if page:
        at.switch_page(page)
    for key, value in session.items():
        at.session_state[key] = value
    if page or session:
        at.run()
    assert not at.exception, at.exception
    return at
