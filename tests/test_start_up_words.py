"""Start-up says nothing in English (#26): Streamlit warns "Static file serving is enabled, but no static folder
found" when the served folder is missing at start (it is filled by the first page run); web.startup.configure,
which scripts/serve.py runs first, makes it."""

from __future__ import annotations

import os

from streamlit import config
from streamlit.web import bootstrap


def test_start_up_makes_the_served_folder_before_streamlit_looks_for_it(tmp_path, monkeypatch, capsys):
    import layers.assets
    from web import startup

    monkeypatch.setattr(layers.assets, "STATIC_DIR", tmp_path / "static")
    get = config.get_option
    monkeypatch.setattr(config, "get_option", lambda key: True if key == "server.enableStaticServing" else get(key))
    umask = os.umask(0o022)  # configure() sets the server's 077; this test process keeps its own
    try:
        startup.configure()
    finally:
        os.umask(umask)
    bootstrap._maybe_print_static_folder_warning(str(tmp_path / "app.py"))  # the folder beside the app script
    assert (tmp_path / "static").is_dir()
    assert "static folder" not in capsys.readouterr().out
