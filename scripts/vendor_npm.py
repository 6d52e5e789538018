"""Fetch the map's npm-registry asset (Leaflet.VectorGrid) with npm's own client, check it, unpack one file.

``npm pack NAME@VERSION`` downloads the package tarball from the configured
registry; its SHA-512 must equal the integrity pinned here (the registry's
``dist.integrity``), else nothing is unpacked. Only the bundled script is taken,
into ``var/vendor/`` (git-ignored); :mod:`layers.assets` copies it into
``static/vendor/`` at start. Without npm or the registry the app still runs,
drawing large data the older way (see :func:`layers.assets.vectorgrid_ready`):
this script then warns and exits 0, so ``make run`` works offline.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from layers.assets import VECTORGRID  # noqa: E402


def fetch(spec=VECTORGRID, dest_dir: Path = REPO / "var" / "vendor") -> Path:
    """The unpacked file for ``spec``; raises RuntimeError (English, for the log) when it cannot be had."""
    dest = dest_dir / spec.folder / spec.file
    if dest.exists():
        return dest
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm not found")
    with tempfile.TemporaryDirectory() as tmp:
        run = subprocess.run([npm, "pack", f"{spec.package}@{spec.version}", "--silent"], cwd=tmp,
                             capture_output=True, text=True, timeout=300)  # fmt: skip
        tgz = Path(tmp) / f"{spec.package}-{spec.version}.tgz"
        if run.returncode or not tgz.exists():
            raise RuntimeError(f"npm pack failed: {run.stderr.strip()[-400:]}")
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


if __name__ == "__main__":
    try:
        print(f"vendored {fetch()}")
    except (RuntimeError, OSError, KeyError, subprocess.SubprocessError) as exc:
        print(f"警告：未能取得 {VECTORGRID.package} {VECTORGRID.version}（{exc}）；"
              "大数据地图将改用网格汇总绘制。", file=sys.stderr)  # fmt: skip
