"""scripts/vendor_npm.py: the npm tarball is unpacked only when its SHA-512 is the pinned one (a fake npm here)."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import os
import stat
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest

from layers.assets import VECTORGRID

REPO = Path(__file__).resolve().parent.parent


def load_script():
    spec = importlib.util.spec_from_file_location("vendor_npm", REPO / "scripts" / "vendor_npm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tarball(body: bytes) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        info = tarfile.TarInfo(f"package/dist/{VECTORGRID.file}")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    return out.getvalue()


@pytest.fixture
def fake_npm(tmp_path, monkeypatch):
    """An ``npm`` on PATH whose ``pack`` writes the tarball in ``tmp_path/pack.tgz`` into its working folder."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    name = f"{VECTORGRID.package}-{VECTORGRID.version}.tgz"
    npm.write_text(f'#!/bin/sh\ncp "{tmp_path}/pack.tgz" "{name}"\n')
    npm.chmod(npm.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return tmp_path / "pack.tgz"


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_the_pinned_tarball_is_unpacked_and_any_other_refused(fake_npm, tmp_path):
    script = load_script()
    good = tarball(b"/* the plugin */")
    fake_npm.write_bytes(good)
    spec = replace(VECTORGRID, integrity=integrity(good))
    path = script.fetch(spec, tmp_path / "vendor")
    assert path.read_bytes() == b"/* the plugin */"
    fake_npm.write_bytes(tarball(b"/* tampered */"))
    with pytest.raises(RuntimeError, match="integrity"):
        script.fetch(spec, tmp_path / "other")
    assert not (tmp_path / "other").exists()  # nothing unpacked


def test_without_npm_or_registry_nothing_is_fetched(tmp_path, monkeypatch):
    script = load_script()  # its main turns this into a warning: `make` goes on, the app falls back
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm here
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", (tmp_path / "no-registry").as_uri())  # and no registry
    with pytest.raises(OSError):
        script.fetch(VECTORGRID, tmp_path / "vendor")
    assert not (tmp_path / "vendor").exists()


def test_without_npm_the_registry_tarball_is_downloaded_and_checked(tmp_path, monkeypatch):
    """A fresh Debian has no npm: the same tarball comes from the registry's address (a local mirror here)."""
    script = load_script()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no npm anywhere
    good = tarball(b"/* the plugin */")
    mirror = tmp_path / "mirror" / VECTORGRID.package / "-"
    mirror.mkdir(parents=True)
    (mirror / f"{VECTORGRID.package}-{VECTORGRID.version}.tgz").write_bytes(good)
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", (tmp_path / "mirror").as_uri())
    path = script.fetch(replace(VECTORGRID, integrity=integrity(good)), tmp_path / "vendor")
    assert path.read_bytes() == b"/* the plugin */"
    with pytest.raises(RuntimeError, match="integrity"):
        script.fetch(replace(VECTORGRID, integrity=integrity(b"other")), tmp_path / "vendor2")
    assert not (tmp_path / "vendor2").exists()
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", "http://registry.example")
    with pytest.raises(RuntimeError, match="refusing"):
        script.fetch(VECTORGRID, tmp_path / "vendor3")
