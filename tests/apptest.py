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


def open_at(page: str, **params) -> AppTest:
    """Run app.py with ``params`` in the address (e.g. ``trk_asof="2021-09-30"``), switch to ``page``; no exception."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update(params)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def add_account(monkeypatch, path: Path, user: str, name: str, password: str, scope=None) -> None:
    """An editor account (default 省级) in an accounts file that the app reads through $ZONEMAP_ACCOUNTS."""
    from access import accounts
    from testing.factory import write_account

    monkeypatch.setattr(accounts, "ITERATIONS", 1000)  # fast hashing for the sign-ins too
    write_account(path, user, name, password, scope)
    monkeypatch.setenv("ZONEMAP_ACCOUNTS", str(path))


def store_with_account(tmp_path: Path, monkeypatch, user: str, name: str, password: str, scope=None):
    """The hand-made frames as the app's data (a GeoPackage in ``tmp_path``) and one editor account."""
    from testing.stores import gpkg_store

    store = gpkg_store(tmp_path / "data.gpkg")
    monkeypatch.setenv("ZONEMAP_DATA", str(store.path))
    add_account(monkeypatch, tmp_path / "accounts.toml", user, name, password, scope)
    return store


def button(at: AppTest, text: str):
    return next(b for b in at.button if b.label == text)


def login(at: AppTest, user: str, password: str) -> AppTest:
    """Log in through the sidebar form; no exception."""
    at.sidebar.text_input(key="login_user").input(user)
    at.sidebar.text_input(key="login_password").input(password)
    button(at, "登录").click().run()
    assert not at.exception, at.exception
    return at


def finish_exports(at: AppTest) -> AppTest:
    """Wait for the exports running in the background (ui.exports), then run the page again: what a user sees
    once the progress bar has ended (the fragment's timer does not tick under AppTest)."""
    from ui.exports import wait_for_exports

    wait_for_exports()
    at.run()
    assert not at.exception, at.exception
    return at


def page_text(at: AppTest) -> str:
    """Everything the page sent, as text: every element's message (UTF-8) and every table's cells.

    For checks that something appears nowhere on a page, whatever kind of element would carry it.
    """
    from google.protobuf import text_format

    out: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(text_format.MessageToString(proto, as_utf8=True))
        if type(node).__name__ in {"Dataframe", "Table"}:
            out.append(node.value.astype(str).to_csv())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(out)
