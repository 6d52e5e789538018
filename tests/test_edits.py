"""Edits with audit and optimistic versioning, in a real GeoPackage; restart and kill -9 safety."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from geodata.dataset import load_dataset
from geodata.edits import ConflictError, Edit, EditError
from geodata.store import GpkgStore, create_gpkg
from tests.factory import frames
from tests.harness import REPO


@pytest.fixture
def store(tmp_path):
    return create_gpkg(tmp_path / "edit.gpkg", frames())


def edit(changes, base=0, user="张三", reason="", record="P4"):
    return Edit("parcels", record, changes, base, user, reason)


def test_an_edit_is_saved_with_its_audit_rows(store):
    before = store.version()
    record, version = store.read_record("parcels", "P4")
    assert (record["supply_status"], record["road"], record["area_mu"], version) == ("reserve", False, 36.25, 0)
    v = store.apply_edit(edit({"supply_status": "listed", "road": True, "note": "已报批"}, reason="挂牌"))
    assert v == 1
    record, version = store.read_record("parcels", "P4")
    assert (record["supply_status"], record["road"], record["note"], version) == ("listed", True, "已报批", 1)
    h = store.history("parcels", "P4")
    assert sorted(h["field"]) == ["note", "road", "supply_status"]
    row = h.set_index("field").loc["supply_status"]
    assert (row["old"], row["new"], row["user"], row["reason"]) == ("reserve", "listed", "张三", "挂牌")
    assert row["version"] == 1 and row["at"].endswith("+08:00")
    assert h.set_index("field").loc["road", "old"] is False
    assert store.version() != before  # the app's cache key moves


def test_a_save_that_changes_nothing_writes_nothing(store):
    assert store.apply_edit(edit({"supply_status": "reserve", "area_mu": 36.25})) == 0
    assert store.history().empty


def test_the_second_editor_gets_a_conflict_not_an_overwrite(store):
    store.apply_edit(edit({"note": "甲的修改"}, user="甲"))
    with pytest.raises(ConflictError) as err:
        store.apply_edit(edit({"note": "乙的修改"}, user="乙"))  # 乙 opened version 0 too
    assert err.value.current["note"] == "甲的修改" and err.value.version == 1 and err.value.base_version == 0
    assert "已被他人修改" in str(err.value)
    assert store.read_record("parcels", "P4")[0]["note"] == "甲的修改"
    # after seeing both versions 乙 saves against the current one
    assert store.apply_edit(edit({"note": "乙的修改"}, base=1, user="乙")) == 2


def test_invalid_values_are_refused_in_chinese_and_nothing_changes(store):
    with pytest.raises(EditError) as err:
        store.apply_edit(edit({"area_mu": -5.0, "supply_status": "granted", "parcel_id": "X"}))
    text = str(err.value)
    assert "小于允许的最小值" in text and "不是允许的取值" in text and "不可编辑" in text
    with pytest.raises(EditError, match="未登录"):
        store.apply_edit(edit({"note": "x"}, user=" "))
    with pytest.raises(EditError, match="不存在"):
        store.apply_edit(edit({"note": "x"}, record="NOPE"))
    assert store.history().empty
    assert store.read_record("parcels", "P4")[0]["area_mu"] == 36.25


def test_restore_writes_the_old_value_back_as_a_new_version(store):
    store.apply_edit(edit({"plot_ratio": 1.2}))
    old = store.history("parcels", "P4").iloc[0]["old"]
    store.apply_edit(Edit("parcels", "P4", {"plot_ratio": old}, 1, "李四", "恢复第 1 版之前的值", action="restore"))
    record, version = store.read_record("parcels", "P4")
    assert record["plot_ratio"] is None and version == 2
    assert store.history("parcels", "P4").iloc[0]["action"] == "restore"


def test_a_change_survives_a_restart(store):
    store.apply_edit(edit({"supply_status": "listed", "note": "重启后仍在"}))
    reopened = load_dataset(GpkgStore(store.path))  # a new process would do exactly this
    row = reopened.parcels.set_index("parcel_id").loc["P4"]
    assert row["supply_status"] == "listed" and row["note"] == "重启后仍在"


_CRASH = textwrap.dedent(
    """
    import sys, time
    from geodata import edits
    from geodata.store import GpkgStore, contract
    def stall():
        print("in-transaction", flush=True)
        time.sleep(60)
    contract.before_commit = stall
    GpkgStore(sys.argv[1]).apply_edit(edits.Edit("parcels", "P4", {"supply_status": "listed", "note": "半截"}, 0, "甲"))
    """
)


def test_kill_9_during_a_save_loses_nothing_and_leaves_no_half_change(store):
    proc = subprocess.Popen(
        [sys.executable, "-c", _CRASH, str(store.path)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "in-transaction"  # the UPDATE and audit rows are written, not committed
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    record, version = store.read_record("parcels", "P4")
    assert (record["supply_status"], record["note"], version) == ("reserve", None, 0)
    assert store.history().empty
    # the lock died with the process: the next save goes through
    assert store.apply_edit(edit({"supply_status": "listed"})) == 1
