"""Files and folders the app and the command lines create are 0600/0700 even under umask 000 (issue #27).

Each case runs in a subprocess started with ``os.umask(0)``, as a careless shell or service unit would.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

from geodata.store import SAMPLE_PATH
from testing.harness import REPO


def run(code: str, env: dict | None = None, args: list[str] | None = None) -> subprocess.CompletedProcess:
    """``python -c code`` (or ``python args``) in the repository, with umask 000."""
    argv = [sys.executable, *(args or ["-c", textwrap.dedent(code)])]
    done = subprocess.run(argv, cwd=REPO, env=dict(os.environ, **(env or {})), capture_output=True, text=True,
                          preexec_fn=lambda: os.umask(0), timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def modes(root: Path) -> dict[str, str]:
    """``{relative path: octal mode}`` of ``root`` and everything below it."""
    out = {".": oct(stat.S_IMODE(root.stat().st_mode))}
    for path in root.rglob("*"):
        out[str(path.relative_to(root))] = oct(stat.S_IMODE(path.stat().st_mode))
    return out


def private(root: Path) -> dict[str, str]:
    """What is wider than 0700 (folders) or 0600 (files) below ``root``: {} when all is private."""
    found = modes(root)
    return {p: m for p, m in found.items() if m != ("0o700" if (root / p).is_dir() else "0o600")}


def test_the_accounts_command_creates_config_0700_and_the_file_0600(tmp_path):
    accounts = tmp_path / "config" / "nested" / "accounts.toml"
    run("", env={"ZONEMAP_ACCOUNTS": str(accounts), "ZONEMAP_NEW_PASSWORD": "umask-password-1"},
        args=["-m", "access.accounts", "add", "zhangsan", "--name", "张三", "--role", "province"])  # fmt: skip
    other = tmp_path / "config" / "other" / "deeper" / "accounts.toml"
    run(f"""
        from pathlib import Path
        from access import accounts
        accounts.ITERATIONS = 1000
        accounts.save_account("lisi", "李四", "umask-password-2", Path({str(other)!r}))
        """)  # fmt: skip  (the function alone, not the command's umask)
    assert accounts.exists() and other.exists() and private(tmp_path / "config") == {}


def test_the_working_copy_its_folder_and_its_side_files_are_private(tmp_path):
    run(f"""
        from pathlib import Path
        import geodata.store as s
        from geodata.edits import Edit
        s.DEFAULT_DATA_PATH = Path({str(tmp_path / "var" / "data" / "zonemap.gpkg")!r})
        store = s.open_store(s.data_location())
        store.apply_edit(Edit("parcels", store.read("parcels")["parcel_id"][0], {{"note": "x"}}, 0, "zhangsan"))
        from access.signin_guard import audit_failed_sign_in
        audit_failed_sign_in(store, "zhangsan", "10.0.0.1", secret=b"s" * 32)
        s.create_gpkg(Path({str(tmp_path / "var" / "new" / "made.gpkg")!r}), s.GpkgStore(s.SAMPLE_PATH).read_all())
        """)  # fmt: skip
    assert (tmp_path / "var" / "data" / "zonemap.gpkg").exists() and (tmp_path / "var" / "new" / "made.gpkg").exists()
    assert private(tmp_path / "var") == {}


def test_the_server_and_the_data_command_line_run_with_a_private_umask(tmp_path):
    run(f"""
        import sys
        sys.path.insert(0, "scripts")
        import serve
        serve.configure()
        from pathlib import Path
        from access.secret import server_secret
        server_secret(Path({str(tmp_path / "var" / "secret.key")!r}), env={{}})
        Path({str(tmp_path / "var" / "log.txt")!r}).write_text("x")
        """)  # fmt: skip
    assert private(tmp_path / "var") == {}
    data = tmp_path / "copy.gpkg"
    shutil.copyfile(SAMPLE_PATH, data)
    out = tmp_path / "out"
    out.mkdir(mode=0o700)
    run("", args=["-m", "geodata", "export", "--layer", "zones", "--format", "geojson", str(out / "zones.geojson"),
                  "--data", str(data)])  # fmt: skip
    assert (out / "zones.geojson").exists() and private(out) == {}
