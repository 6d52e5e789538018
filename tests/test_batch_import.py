"""``python -m geodata import FILE --as NAME``: the page's checks and the account's scope, from the command line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from access import accounts
from domain.scope import Scope
from geodata.dataset import load_dataset
from geodata.store import SAMPLE_PATH, GpkgStore
from testing.harness import REPO
from tests import import_corpus


def _run(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "geodata", "import", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_nightly_load_writes_in_scope_and_refuses_out_of_scope_whole(tmp_path, monkeypatch):
    data = tmp_path / "data.gpkg"
    shutil.copyfile(SAMPLE_PATH, data)
    monkeypatch.setattr(accounts, "ITERATIONS", 1000)
    path = tmp_path / "accounts.toml"
    accounts.save_account(
        "ty", "太原市商务局", "password-1", path, scope=Scope("city", frozenset({"140100"}), "太原市")
    )
    accounts.save_account(
        "jz", "晋中市商务局", "password-1", path, scope=Scope("city", frozenset({"140700"}), "晋中市")
    )
    env = {**os.environ, "ZONEMAP_ACCOUNTS": str(path), "ZONEMAP_DATA": str(data)}
    sample = load_dataset(GpkgStore(SAMPLE_PATH))
    shp = import_corpus.shp_gbk_gk_prefix(tmp_path, sample)  # six parcels of 综改区晋中园区 (SXZG-JZ, 晋中市)
    before = len(GpkgStore(data).read("parcels"))

    refused = _run(str(shp), "--as", "ty", env=env)
    assert refused.returncode == 1, refused.stderr
    assert "超出您的权限范围（市级（太原市））" in refused.stderr and "地块 JZ-000" in refused.stderr
    assert "Traceback" not in refused.stderr and len(GpkgStore(data).read("parcels")) == before
    assert "parcels:JZ-000" in GpkgStore(data).history().query("action == 'scope_refused'")["reason"].iloc[0]

    done = _run(str(shp), "--as", "jz", env=env)
    assert done.returncode == 0, done.stderr
    assert "新增 6" in done.stdout and len(GpkgStore(data).read("parcels")) == before + 6
    imported = GpkgStore(data).history("parcels", "JZ-000")
    assert list(imported["user"]) == ["jz"]

    assert _run(str(shp), "--as", "nobody", env=env).returncode == 1
    assert _run(str(tmp_path / "missing.zip"), "--as", "jz", env=env).returncode == 2
    assert _run(str(shp), env=env).returncode == 2  # --as is required


def test_a_nightly_load_skips_suspected_duplicates_unless_told(tmp_path, monkeypatch):
    """介休's own file of parcels already shown (schematic): skipped by default, merged with --decide 合并."""
    data = tmp_path / "data.gpkg"
    shutil.copyfile(SAMPLE_PATH, data)
    monkeypatch.setattr(accounts, "ITERATIONS", 1000)
    path = tmp_path / "accounts.toml"
    jinzhong = Scope("city", frozenset({"140700"}), "晋中市")
    accounts.save_account("jz", "晋中市商务局", "password-1", path, scope=jinzhong)
    env = {**os.environ, "ZONEMAP_ACCOUNTS": str(path), "ZONEMAP_DATA": str(data)}
    shp = import_corpus.jiexiu_standard_land(tmp_path, load_dataset(GpkgStore(SAMPLE_PATH)))
    before = GpkgStore(data).read("parcels")

    skipped = _run(str(shp), "--as", "jz", env=env)
    assert skipped.returncode == 0, skipped.stderr
    assert "新增 0，更新 0，不变 0，跳过疑似重复 5" in skipped.stdout
    assert len(GpkgStore(data).read("parcels")) == len(before)

    assert _run(str(shp), "--as", "jz", "--decide", "2=吞并", env=env).returncode == 2  # not a decision
    merged = _run(str(shp), "--as", "jz", "--decide", "1=跳过", "--decide", "合并", env=env)
    assert merged.returncode == 0, merged.stderr
    assert "新增 0，更新 4，不变 0，跳过疑似重复 1" in merged.stdout
    after = GpkgStore(data).read("parcels").set_index("parcel_id")
    assert len(after) == len(before)
    assert after.loc["JX-2020-1", "outline_source"] == "schematic" and after.loc["JX-2020-2", "parcel_code"]
