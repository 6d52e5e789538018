"""Fetch the map's npm-registry asset (Leaflet.VectorGrid) with npm's own client, check it, unpack one file.

``npm pack NAME@VERSION`` downloads the package tarball from the configured
registry; on a machine without npm (a fresh Debian has none) the tarball is
downloaded from the npm registry's own address (:data:`REGISTRY`, or
``$NPM_CONFIG_REGISTRY``). Either way its SHA-512 must equal the integrity pinned
here (the registry's ``dist.integrity``), else nothing is unpacked. Only the bundled script is taken,
into ``var/vendor/`` (git-ignored); :mod:`layers.assets` copies it into
``static/vendor/`` at start. Without npm or the registry the app still runs,
drawing large data the older way (see :func:`layers.assets.vectorgrid_ready`):
this script then warns and exits 0, so ``make run`` works offline.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from layers.assets import VECTORGRID  # noqa: E402

REGISTRY = "https://registry.npmjs.org"  # npm's default registry, used when npm itself is not installed


def fetch(spec=VECTORGRID, dest_dir: Path = REPO / "var" / "vendor") -> Path:
    """The unpacked file for ``spec``; raises RuntimeError (English, for the log) when it cannot be had."""
    dest = dest_dir / spec.folder / spec.file
    if dest.exists():
        return dest
    with tempfile.TemporaryDirectory() as tmp:
        tgz = Path(tmp) / f"{spec.package}-{spec.version}.tgz"
        if npm := shutil.which("npm"):
            run = subprocess.run([npm, "pack", f"{spec.package}@{spec.version}", "--silent"], cwd=tmp,
                                 capture_output=True, text=True, timeout=300)  # fmt: skip
            if run.returncode or not tgz.exists():
                raise RuntimeError(f"npm pack failed: {run.stderr.strip()[-400:]}")
        else:
            _download(spec, tgz)
        digest = "sha512-" + base64.b64encode(hashlib.sha512(tgz.read_bytes()).digest()).decode()
        if digest != spec.integrity:
            raise RuntimeError(f"{tgz.name}: integrity {digest} is not the pinned {spec.integrity}")
        with tarfile.open(tgz) as archive:
            member = archive.getmember(f"package/dist/{spec.file}")
            body = archive.extractfile(member).read()
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_suffix(".part")
    part.write_bytes(body)
    part.replace(dest)
    return dest


def _download(spec, out: Path) -> None:
    """The package tarball straight from the registry (the address npm itself would use)."""
    registry = (os.environ.get("NPM_CONFIG_REGISTRY") or REGISTRY).rstrip("/")
    url = f"{registry}/{spec.package}/-/{spec.package}-{spec.version}.tgz"
    if not url.startswith(("https://", "file://")):
        raise RuntimeError(f"refusing to download over {url.split(':', 1)[0]}: {url}")
    with urllib.request.urlopen(url, timeout=120) as response:
        out.write_bytes(response.read(16 * 1024 * 1024))


if __name__ == "__main__":
    try:
        print(f"vendored {fetch()}")
    except (RuntimeError, OSError, KeyError, subprocess.SubprocessError) as exc:
        print(f"警告：未能取得 {VECTORGRID.package} {VECTORGRID.version}（{exc}）；"
              "大数据地图将改用网格汇总绘制。", file=sys.stderr)  # fmt: skip
