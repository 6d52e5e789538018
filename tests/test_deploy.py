"""Exposure: loopback by default, no error details for users, no request to the internet at start."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from streamlit import net_util
from streamlit.config import ShowErrorDetailsConfigOptions
from streamlit.runtime.pages_manager import PagesManager

from testing import harness

CONFIG = harness.REPO / ".streamlit" / "config.toml"


def load_serve():
    spec = importlib.util.spec_from_file_location("zonemap_serve", harness.REPO / "scripts" / "serve.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_config_listens_on_loopback_and_hides_error_details():
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"
    assert config["client"]["showErrorDetails"] == ShowErrorDetailsConfigOptions.NONE.value
    assert config["browser"]["gatherUsageStats"] is False


@pytest.mark.parametrize(("env", "address"), [({}, "127.0.0.1"), ({"ADDRESS": "0.0.0.0"}, "0.0.0.0")])
def test_make_run_passes_the_address(env, address):
    out = subprocess.run(
        ["make", "-n", "-B", "run", *(f"{k}={v}" for k, v in env.items())],
        cwd=harness.REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"scripts/serve.py app.py --server.address {address} --server.port 8501" in out


def test_serve_never_asks_the_internet_for_the_external_address(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("network request")

    monkeypatch.setattr(net_util, "_make_blocking_http_get", no_network)
    monkeypatch.setattr(net_util, "get_external_ip", net_util.get_external_ip)  # restored after the test
    monkeypatch.setattr(PagesManager, "uses_pages_directory", PagesManager.uses_pages_directory)
    umask = os.umask(0o022)
    try:
        load_serve().configure()
    finally:
        os.umask(umask)  # configure() makes the process umask 077 (tests/test_private_files.py): not this one's
    assert net_util.get_external_ip() is None
    assert PagesManager.uses_pages_directory is False


def _listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as in /proc/net/tcp*) with a socket listening on ``port``."""
    out = set()
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        lines = table.read_text(encoding="ascii").splitlines()[1:] if table.exists() else []
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            addr, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                out.add(addr)
    return out


def test_the_server_listens_on_loopback_only_and_prints_no_network_url(tmp_path):
    if not Path("/proc/net/tcp").exists():
        pytest.skip("no /proc/net/tcp on this system")
    log = tmp_path / "server.log"
    with harness.app_server(log_path=log) as url:
        port = int(url.rsplit(":", 1)[1])
        listening = _listening_addresses(port)
    text = log.read_text(encoding="utf-8", errors="replace")
    assert f"URL: http://127.0.0.1:{port}" in text
    assert "Network URL" not in text and "External URL" not in text
    assert "web.server: start-up:" in text  # st.App's lifespan imported the app (web/server.py)
    assert listening == {"0100007F"}  # 127.0.0.1, not 00000000 (every interface)


def test_serve_imports_the_app_before_the_warm_start_and_the_first_page_run_go_concurrent():
    """Two threads importing folium/branca for the first time at once deadlock (seen: the first visitor got Streamlit's
    English error box). The server's start-up thread imports the app's modules, and so their libraries, while page
    runs wait (ui.boot); streamlit-folium stays for the first page run, the only place its component registers."""
    code = (
        "import sys, importlib.util as u; s = u.spec_from_file_location('s', 'scripts/serve.py');"
        " m = u.module_from_spec(s); s.loader.exec_module(m); names = m.preload();"
        " print(all(n in sys.modules for n in ('branca.element', 'folium', 'pyogrio', 'geodata.store.postgis')),"
        " 'ui.warm' in names and 'ui.mapview' in names, any(n.endswith('__main__') for n in names),"
        " 'streamlit_folium' in sys.modules)"  # its component must be declared in a page run to be registered
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=harness.REPO, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True", "False", "False"], out.stderr[-2000:]


def test_after_the_preload_the_warm_start_imports_nothing_new(sample_copy):
    """Whatever ui.warm.warm imports on first use could race a page run's import: LAZY_MODULES lists it."""
    code = (
        "import sys, importlib.util as u; s = u.spec_from_file_location('s', 'scripts/serve.py');"
        " m = u.module_from_spec(s); s.loader.exec_module(m); m.preload(); before = set(sys.modules);"
        " from ui.warm import warm; warm(); print(sorted(set(sys.modules) - before))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=harness.REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr[-2000:]
