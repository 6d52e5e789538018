"""``python -m geodata`` as a user runs it (subprocess): no file silently replaced, one sentence per failure.

A command that writes never replaces a zonemap data file, and another existing
file only with --overwrite; a failure (a store's error, an output folder that
is a file, a full disk) is one Chinese sentence and exit 1, never a
traceback; what libraries print goes to the log; names from users' files are
printed with their control characters escaped.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from geodata.store import SAMPLE_PATH
from testing.harness import REPO
from tests.broken import without_layer

LEAKS = ("Traceback", "Error", "site-packages", "/tmp/", "zonemap-import")


def _geojson(folder: Path) -> Path:
    ring = [[112.55, 37.80], [112.56, 37.80], [112.56, 37.81], [112.55, 37.81], [112.55, 37.80]]
    feature = {"type": "Feature", "properties": {"名称": "甲", "地块编号": "X1"},
               "geometry": {"type": "Polygon", "coordinates": [ring]}}  # fmt: skip
    path = folder / "地块.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False))
    return path


@pytest.fixture
def live(tmp_path) -> Path:
    path = tmp_path / "live.gpkg"
    shutil.copyfile(SAMPLE_PATH, path)
    return path


def run(*args: str, tmp: Path, code: str | None = None) -> subprocess.CompletedProcess:
    env = os.environ | {"ZONEMAP_CLI_LOG": str(tmp / "cli.log"), "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "geodata", *args]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _no_leak(done: subprocess.CompletedProcess, tmp: Path) -> None:
    for leak in (*LEAKS, str(tmp)):
        assert leak not in done.stdout + done.stderr, (leak, done.stdout, done.stderr)


def test_convert_never_replaces_a_zonemap_store_even_with_overwrite(live, tmp_path):
    before = _digest(live)
    src = _geojson(tmp_path)
    for extra in ([], ["--overwrite"]):
        done = run("convert", str(src), str(live), "--data", str(live), *extra, tmp=tmp_path)
        assert done.returncode == 2 and "zonemap 数据文件" in done.stderr and "不能作为输出" in done.stderr
        _no_leak(done, tmp_path)
    assert _digest(live) == before
    done = run("synth", "--parcels", "5", "--projects", "1", "--out", str(live), "--overwrite", tmp=tmp_path)
    assert done.returncode == 2 and _digest(live) == before


def test_an_existing_file_is_replaced_only_with_overwrite(live, tmp_path):
    src, out = _geojson(tmp_path), tmp_path / "out.geojson"
    out.write_text("别人的文件")
    done = run("convert", str(src), str(out), "--data", str(live), tmp=tmp_path)
    assert done.returncode == 2 and "已存在" in done.stderr and "--overwrite" in done.stderr
    assert out.read_text() == "别人的文件"
    done = run("export", "--format", "geojson", str(out), "--data", str(live), tmp=tmp_path)
    assert done.returncode == 2 and out.read_text() == "别人的文件"
    done = run("convert", str(src), str(out), "--data", str(live), "--overwrite", tmp=tmp_path)
    assert done.returncode == 0 and json.loads(out.read_text())["features"][0]["properties"]["地块编号"] == "X1"


def test_an_output_folder_that_is_a_file_is_one_sentence(live, tmp_path):
    (tmp_path / "out").write_text("一个文件")
    for command in (["convert", str(_geojson(tmp_path))], ["export", "--format", "gpkg"]):
        done = run(*command, str(tmp_path / "out" / "x.gpkg"), "--data", str(live), tmp=tmp_path)
        assert done.returncode == 1 and "“out”是文件，不是文件夹" in done.stderr, done.stderr
        _no_leak(done, tmp_path)


def test_a_full_disk_is_one_sentence(live, tmp_path):
    """/dev/full answers every write with ENOSPC, as a full disk does."""
    out = tmp_path / "full.geojson"
    out.symlink_to("/dev/full")
    done = run("convert", str(_geojson(tmp_path)), str(out), "--data", str(live), "--overwrite", tmp=tmp_path)
    assert done.returncode == 1 and "磁盘已满" in done.stdout + done.stderr
    _no_leak(done, tmp_path)
    done = run("export", "--format", "geojson", str(out), "--data", str(live), "--overwrite", tmp=tmp_path)
    assert done.returncode == 1 and "磁盘已满" in done.stderr and "“full.geojson”" in done.stderr
    _no_leak(done, tmp_path)
    assert "No space left on device" in (tmp_path / "cli.log").read_text()  # the details are in the log


def test_a_store_error_is_the_stores_sentence(tmp_path):
    done = run("validate", str(_geojson(tmp_path)), "--data", str(tmp_path / "nope.gpkg"), tmp=tmp_path)
    assert done.returncode == 1 and done.stderr.strip() == "错误：数据文件不存在：nope.gpkg"
    broken = tmp_path / "broken.gpkg"
    broken.write_bytes(b"not a geopackage")
    done = run("export", "--format", "geojson", str(tmp_path / "x.geojson"), "--data", str(broken), tmp=tmp_path)
    assert done.returncode == 1 and "已损坏或不是 GeoPackage" in done.stderr
    _no_leak(done, tmp_path)
    lacking = tmp_path / "lacking.gpkg"  # a data file without its projects layer: which layer, not an error id
    shutil.copyfile(SAMPLE_PATH, lacking)
    without_layer(lacking, "projects")
    done = run("export", "--format", "geojson", str(tmp_path / "y.geojson"), "--data", str(lacking), tmp=tmp_path)
    missing = r"错误：数据文件“lacking\.gpkg”中缺少图层“.+”（projects）"
    assert done.returncode == 1 and re.fullmatch(missing, done.stderr.strip()), done.stderr
    assert not (tmp_path / "y.geojson").exists()
    _no_leak(done, tmp_path)


NOISY = """
import os, runpy, sys, warnings
from geodata import cli
real = cli.write_conversion
def noisy(frame, out):
    warnings.warn("/usr/lib/python3/site-packages/pyogrio/raw.py:198: 字段宽度被截断", RuntimeWarning)
    os.write(2, b"Warning 1: /tmp/zonemap-import-abc/x.shp: GDAL talks on descriptor 2\\n")
    return real(frame, out)
cli.write_conversion = noisy
sys.argv = ["geodata", *sys.argv[1:]]
runpy.run_module("geodata", run_name="__main__")
"""


def test_what_libraries_print_goes_to_the_log_not_the_terminal(live, tmp_path):
    out = tmp_path / "out.geojson"
    done = run(str(_geojson(tmp_path)), str(out), "--data", str(live), tmp=tmp_path,
               code=NOISY.replace('sys.argv[1:]', '["convert", *sys.argv[1:]]'))  # fmt: skip
    assert done.returncode == 0 and out.exists(), done.stderr
    assert done.stderr == "" and "已写出 out.geojson" in done.stdout
    _no_leak(done, tmp_path)
    logged = (tmp_path / "cli.log").read_text()
    assert "字段宽度被截断" in logged and "GDAL talks on descriptor 2" in logged


def test_names_from_a_file_are_printed_with_control_characters_escaped(live, tmp_path):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("地块\n结论：可以导入\x1b[31m.shp", b"not a shapefile")
    done = run("validate", str(evil), "--data", str(live), tmp=tmp_path)
    assert done.returncode == 1
    assert "\x1b" not in done.stdout and "\\u001b[31m" in done.stdout
    assert "地块\\n结论：可以导入" in done.stdout and not done.stdout.splitlines()[-1].startswith("结论：可以导入")
