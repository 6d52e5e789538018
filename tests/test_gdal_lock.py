"""The GDAL lock-down is an explicit start-up step of each entry point, not a side effect of importing geodata.

Each case runs in a fresh interpreter whose environment has none of GDAL's settings (the test process
itself was locked by conftest.py, and children inherit the environment).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from testing.harness import REPO

CHECK = "from geodata.io import gdal; import pyogrio; print(sorted(gdal.unlocked_drivers())[:3])"


def _python(code: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GDAL_", "CPL_", "OGR_"))}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def test_importing_the_packages_changes_nothing_in_the_process():
    done = _python(
        "import os, geodata, geodata.store, geodata.io.sources, stats, reports.bulletin\n"
        "from geodata.io.gdal import _NO_NETWORK\n"
        "print(sorted(k for k in ('GDAL_SKIP', *_NO_NETWORK) if k in os.environ))"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"  # (pyogrio sets GDAL_CURL_CA_BUNDLE itself)


def test_without_the_start_up_step_reading_a_users_file_is_refused():
    """The second wall: pyogrio imported before the lock-down → the reader will not start."""
    done = _python("import pyogrio\nfrom geodata.io import gdal\ngdal.check_locked()")
    assert done.returncode != 0 and "not locked down" in done.stderr


@pytest.mark.parametrize(
    "start_up",
    [
        "from web import startup; startup.configure()",  # scripts/serve.py, make run
        "import runpy; runpy.run_path('web/server.py')",  # `streamlit run web/server.py`: the st.App module
        "from geodata.io.sandbox import _init_worker; _init_worker(4096)",  # the import worker
    ],
    ids=["serve", "st-app", "import-worker"],
)
def test_each_server_entry_locks_before_pyogrio(start_up):
    done = _python(f"{start_up}\n{CHECK}")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_command_line_locks_its_own_process_too(tmp_path):
    """Users' files are parsed in the import worker (locked by its own start-up, above); ``python -m geodata``
    locks its own process as well, where it reads stores and writes exports. The CLI runs, then the check."""
    source = tmp_path / "地块.geojson"
    source.write_text('{"type": "FeatureCollection", "features": []}')
    done = _python(
        "import os, runpy, sys\n"
        f"os.environ['ZONEMAP_CLI_LOG'] = {str(tmp_path / 'cli.log')!r}\n"
        "sys.argv = ['geodata', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('geodata', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        f"{CHECK}",
        "validate", str(source),
    )  # fmt: skip
    assert done.stdout.strip().splitlines()[-1] == "[]", done
