"""The Store contract, one suite for both backends (GeoPackage file and PostGIS server).

Edits with audit and optimistic versioning, imports all or nothing with ids
rechecked at commit, versioned tours, events, the data version other app
servers watch, restart and kill -9 safety, and copying a whole store across.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import replace

import geopandas as gpd
import pandas as pd
import pytest

from domain.tours import Stop, Tour
from geodata.dataset import load_dataset
from geodata.edits import TZ, ConflictError, Edit, EditError
from geodata.store import ImportBatch, ImportRefused, StoreError, contract, create_gpkg, create_store, open_store
from geodata.store.copy import copy_store
from geodata.store.gpkg import GpkgStore, GpkgTx, write_gpkg
from geodata.store.postgis import PgTx
from testing.factory import frames
from testing.harness import REPO
from testing.pg import fresh_database
from testing.stores import gpkg_store, pg_store
from tests import broken


def _location(store) -> str:
    """What another process would open: the file path or the URL with its password."""
    return str(getattr(store, "url", None) or store.location)


@pytest.fixture(params=["gpkg", "postgis"])
def store(request, tmp_path):
    """The hand-made frames in a new GeoPackage or PostGIS database of the test's own (copies of one loaded once)."""
    if request.param == "gpkg":
        yield gpkg_store(tmp_path / "edit.gpkg")
        return
    with pg_store() as store:
        yield store


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
    reopened = load_dataset(open_store(_location(store)))  # a new process would do exactly this
    row = reopened.parcels.set_index("parcel_id").loc["P4"]
    assert row["supply_status"] == "listed" and row["note"] == "重启后仍在"


_CRASH = textwrap.dedent(
    """
    import sys, time
    from geodata import edits
    from geodata.store import contract, open_store
    def stall():
        print("in-transaction", flush=True)
        time.sleep(60)
    contract.before_commit = stall
    change = edits.Edit("parcels", "P4", {"supply_status": "listed", "note": "半截"}, 0, "甲")
    open_store(sys.argv[1]).apply_edit(change)
    """
)


def test_kill_9_during_a_save_loses_nothing_and_leaves_no_half_change(store):
    proc = subprocess.Popen(
        [sys.executable, "-c", _CRASH, _location(store)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "in-transaction"  # the UPDATE and audit rows are written, not committed
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    if hasattr(store, "path"):
        with sqlite3.connect(store.path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    record, version = store.read_record("parcels", "P4")
    assert (record["supply_status"], record["note"], version) == ("reserve", None, 0)
    assert store.history().empty
    # the lock died with the process (PostgreSQL ends the dead client's transaction): the next save goes through
    deadline = time.monotonic() + 30
    while True:
        try:
            assert store.apply_edit(edit({"supply_status": "listed"})) == 1
            break
        except StoreError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


# --- imports --------------------------------------------------------------------------------------------------------


def _batch(store, ids, new, updated, **changes):
    frame = store.read("parcels").set_index("parcel_id", drop=False)
    rows = frame.loc[[i if i in frame.index else "P4" for i in ids]].reset_index(drop=True)  # known ids as stored
    rows["parcel_id"] = ids
    for column, value in changes.items():
        rows[column] = value
    return ImportBatch("parcels", gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4490"), new, updated,
                       "地块.zip", {"file": "地块.zip", "new": len(new), "updated": len(updated), "layer": "parcels",
                                    "crs_label": "CGCS2000", "encoding": "UTF-8"}, "zhangsan")  # fmt: skip


def test_an_import_writes_new_records_and_only_the_changed_fields_of_known_ones(store):
    before = store.version()
    import_id = store.commit_import(_batch(store, ["N1", "N2"], ["N1", "N2"], []))
    assert import_id.startswith("IMPORT-") and store.version() != before
    assert set(store.read("parcels")["parcel_id"]) >= {"N1", "N2"}
    store.commit_import(_batch(store, ["N1", "P4"], [], ["N1", "P4"], note="新台账"))
    (record, version), h = store.read_record("parcels", "N1"), store.history("parcels", "N1")
    assert record["note"] == "新台账" and version == 1 and list(h["field"]) == ["note", "*"]  # updated, imported
    assert store.read_record("parcels", "P4")[1] == 1
    untouched = store.commit_import(_batch(store, ["N2"], [], ["N2"]))
    assert untouched and store.read_record("parcels", "N2")[1] == 0  # nothing changed: no new version
    records = store.import_records()
    assert len(records) == 3 and records[0]["user"] == "zhangsan" and records[-1]["import_id"] == import_id


def test_an_id_taken_since_the_check_refuses_the_whole_import(store):
    store.commit_import(_batch(store, ["R1"], ["R1"], []))
    count = len(store.read("parcels"))
    with pytest.raises(ImportRefused, match="已被他人写入"):
        store.commit_import(_batch(store, ["R2", "R1"], ["R2", "R1"], []))  # another plan also thought R1 new
    assert len(store.read("parcels")) == count and "R2" not in set(store.read("parcels")["parcel_id"])


def test_a_failing_import_changes_nothing(store, monkeypatch):
    before = (len(store.read("parcels")), len(store.history()), store.version())

    def crash():
        raise OSError("磁盘已满")

    monkeypatch.setattr(contract, "before_commit", crash)
    with pytest.raises(OSError):
        store.commit_import(_batch(store, ["X1"], ["X1"], []))
    assert (len(store.read("parcels")), len(store.history()), store.version()) == before


# --- tours ----------------------------------------------------------------------------------------------------------


def test_tours_are_versioned_and_a_stale_save_is_a_conflict(store):
    tour = Tour("T-001", "介休观摩", (Stop("parcels", "P4", "第一站"),))
    assert store.save_tour(tour, "alice", 0) == 1
    assert store.save_tour(Tour("T-001", "介休开发区观摩", tour.stops), "alice", 1) == 2
    with pytest.raises(ConflictError) as err:  # bob opened version 1
        store.save_tour(Tour("T-001", "鲍勃的标题", tour.stops), "bob", 1)
    assert err.value.current["title"] == "介休开发区观摩" and err.value.version == 2
    (stored,) = store.list_tours()
    assert (stored.tour.title, stored.version, stored.updated_by) == ("介休开发区观摩", 2, "alice")
    h = store.history("tours", "T-001")
    assert list(h["field"]) == ["title", "stops", "title"] and h["new"][0] == "介休开发区观摩"  # newest first
    with pytest.raises(ConflictError):
        store.save_tour(tour, "bob", 0)  # a "new" tour whose id someone took meanwhile
    with pytest.raises(ConflictError):
        store.delete_tour("T-001", "bob", 1)
    store.delete_tour("T-001", "alice", 2)
    assert store.list_tours() == [] and store.history("tours", "T-001")["action"][0] == "tour_delete"


def test_a_tour_stored_before_versions_counts_as_version_1_so_a_deletion_is_never_undone(store):
    """Tours from before versions (the sample's) had version 0, which also means "new": one editor deleted such a
    tour and another editor's save, against the 0 they saw, silently made it again."""
    store.save_tour(Tour("T-OLD", "旧路线", (Stop("parcels", "P4", "一站"),)), "alice", 0)
    with store._write() as tx:  # as a file from before versions holds it
        tx.put_tour("T-OLD", "旧路线", "[]", 0, "2025-01-01T00:00:00+08:00", "alice", insert=False)
    (old,) = store.list_tours()
    assert old.version == 1
    store.delete_tour("T-OLD", "bob", old.version)
    with pytest.raises(ConflictError) as err:
        store.save_tour(Tour("T-OLD", "乙改的标题", ()), "carol", old.version)
    assert err.value.current == {} and err.value.version == 0 and store.list_tours() == []


def test_events_are_audited_without_changing_data(store):
    store.record_event("login_failed", "zhangsan", "127.0.0.1")
    row = store.audit_rows(action="login_failed")[0]
    assert (row["user"], row["reason"], row["field"]) == ("zhangsan", "127.0.0.1", None)


# --- text, import ids, refused writes ------------------------------------------------------------------------------

DIRTY = "甲\x00乙\x1b[31m丙\r\n丁\x07\ud800"
CLEAN = "甲乙[31m丙\n丁"  # NUL, ESC, BEL and the lone surrogate gone; the line end kept as \n


def test_control_characters_are_dropped_the_same_way_on_every_backend(store):
    """A NUL was stored on GeoPackage and refused on PostGIS (数据库无法写入): both now store the same clean text."""
    store.apply_edit(edit({"note": DIRTY}, reason="原因\x00", user="张三\x00"))
    record, _ = store.read_record("parcels", "P4")
    row = store.history("parcels", "P4").iloc[0]
    assert (record["note"], row["new"], row["reason"], row["user"]) == (CLEAN, CLEAN, "原因", "张三")
    store.save_tour(Tour("T-\x001", "路线\x00", (Stop("parcels", "P4", "一站\x1b", note=DIRTY),)), "alice", 0)
    (stored,) = store.list_tours()
    assert stored.tour == Tour("T-1", "路线", (Stop("parcels", "P4", "一站", note=CLEAN),))
    no_surrogate = DIRTY.replace("\ud800", "")  # an Arrow string column (as files are read) cannot even hold one
    store.commit_import(_batch(store, ["N\x001"], ["N\x001"], [], name=no_surrogate, note="\x00"))
    record, _ = store.read_record("parcels", "N1")
    assert record["name"] == CLEAN and record["note"] == ""
    store.record_event("login_failed", "x\x00y", "客户端\x1b")
    assert store.audit_rows(action="login_failed")[0]["user"] == "xy"


def test_text_a_file_kept_from_before_copies_clean_to_either_backend(tmp_path):
    """A NUL saved on GeoPackage before text was cleaned made `geodata copy` to PostGIS fail."""
    dirty = frames()
    dirty["parcels"].loc[0, "note"] = DIRTY.replace("\ud800", "")  # a file cannot hold a lone surrogate
    write_gpkg(tmp_path / "old.gpkg", dirty)  # as an old file holds it, past the contract
    source = GpkgStore(tmp_path / "old.gpkg")
    with source._write() as tx:
        tx.audit([contract.AuditRow("2025-01-01T00:00:00+08:00", "甲\x00", "edit", "parcels", "P1", 1, "note",
                                    None, '"x"', "原因\x1b")])  # fmt: skip
    with fresh_database() as url:
        assert copy_store(str(source.path), url).ok
        copied = open_store(url)
        assert copied.read_record("parcels", "P1")[0]["note"] == "甲"  # GDAL reads a GeoPackage text up to a NUL
        assert (copied.audit_rows()[0]["user"], copied.audit_rows()[0]["reason"]) == ("甲", "原因")
        copied.close()


def test_two_imports_in_the_same_second_get_different_ids(store):
    at = dt.datetime(2026, 3, 1, 9, 30, tzinfo=TZ)
    first = store.commit_import(replace(_batch(store, ["S1"], ["S1"], []), at=at))
    second = store.commit_import(replace(_batch(store, ["S2"], ["S2"], []), at=at))
    assert first != second and [r["import_id"] for r in store.import_records()] == [second, first]
    assert [r["at"] for r in store.import_records()] == [at.isoformat()] * 2


def _write_each_way(store, way: str):
    """One of the store's writes, each with more text than a page (see tests/broken.py)."""
    if way == "edit":
        store.apply_edit(edit({"note": broken.BIG}))
    elif way == "restore":
        store.apply_edit(Edit("parcels", "P1", {"note": None}, 1, "李四", "恢复", action="restore"))
    elif way == "tour":
        store.save_tour(Tour("T-002", broken.BIG, (Stop("parcels", "P4", "一站"),)), "alice", 0)
    elif way == "tour_delete":
        store.delete_tour("T-001", "alice", 1)
    elif way == "import":
        store.commit_import(_batch(store, ["F1"], ["F1"], [], note=broken.BIG))
    else:
        store.record_event("login_failed", "x", broken.BIG)


WAYS = ["edit", "restore", "tour", "tour_delete", "import", "event"]


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("trouble", ["read_only", "disk_full"])
def test_a_refused_write_is_the_stores_chinese_sentence_and_changes_nothing(store, way, trouble):
    store.apply_edit(edit({"note": broken.BIG}, record="P1"))  # something to restore
    store.save_tour(Tour("T-001", broken.BIG, (Stop("parcels", "P4", "一站"),)), "alice", 0)  # and to delete
    location = _location(store)

    def state():
        return store.version(), len(store.history()), store.list_tours(), len(store.read("parcels"))

    with getattr(broken, trouble)(location):
        before = state()
        with pytest.raises(StoreError) as err:
            _write_each_way(open_store(location), way)
        assert state() == before
    assert str(err.value) == (contract.READ_ONLY if trouble == "read_only" else contract.DISK_FULL)


def test_a_data_file_damaged_or_removed_under_a_running_app_is_a_chinese_sentence(tmp_path):
    store = create_gpkg(tmp_path / "data.gpkg", frames())
    store.apply_edit(edit({"note": "x"}))
    with open(store.path, "r+b") as f:  # the header stays, the pages behind it are gone
        f.truncate(4096)
    for read in (store.history, store.list_tours, lambda: store.read_record("parcels", "P4")):
        with pytest.raises(StoreError, match=r"无法读取数据文件“data\.gpkg”"):
            read()
    store.path.unlink()
    with pytest.raises(StoreError, match="数据文件不存在"):
        store.audit_rows()
    assert not store.path.exists()  # not quietly made again, empty


def test_a_geopackage_without_a_layer_names_the_missing_layer_and_a_damaged_one_says_so(tmp_path):
    """The layers are listed only when a read fails: the sentence must still say which layer is missing, and a
    file that is not a GeoPackage behind its SQLite header must still be called damaged."""
    store = create_gpkg(tmp_path / "data.gpkg", frames())
    assert len(store.read("parcels")) == len(frames()["parcels"])
    broken.without_layer(store.path, "projects")
    with pytest.raises(StoreError, match=r"数据文件“data\.gpkg”中缺少图层“.+”（projects）"):
        store.read("projects")
    with pytest.raises(StoreError, match=r"数据文件“data\.gpkg”中缺少图层“.+”（projects）"):
        store.read_all()  # every page and command reads all layers: the same sentence, not a KeyError later
    assert len(store.read("parcels")) == len(frames()["parcels"])
    damaged = tmp_path / "damaged.gpkg"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)
    with pytest.raises(StoreError, match=r"无法打开数据文件“damaged\.gpkg”（文件已损坏或不是 GeoPackage）"):
        GpkgStore(damaged).read("parcels")


def test_a_lost_server_connection_is_a_chinese_sentence_and_the_next_call_reconnects():
    import psycopg

    from geodata.store.postgis import LOST

    def terminate(url, pid=None):  # the server restarts, say
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                         " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                         + (f" AND pid = {int(pid)}" if pid else ""))  # fmt: skip

    with fresh_database() as url:
        store = create_store(url, frames())
        assert store.read_record("parcels", "P4")[1] == 0  # a pooled connection now waits idle
        terminate(url)
        assert store.read_record("parcels", "P4")[1] == 0  # the pool checks it when taken and replaces it
        with pytest.raises(StoreError) as err, store._conn() as conn:  # lost in the middle of a call
            terminate(url, conn.info.backend_pid)
            conn.execute("SELECT 1")
        assert str(err.value) == LOST
        assert store.read_record("parcels", "P4")[1] == 0
        store.close()


def test_a_full_server_disk_while_creating_a_store_is_the_disk_full_sentence(monkeypatch):
    """`geodata copy` into PostGIS on a full server disk (simulated: psycopg's DiskFull, SQLSTATE 53100)."""
    import psycopg

    from geodata.store import postgis

    def no_space(*_):
        raise psycopg.errors.DiskFull("could not extend file: No space left on device")

    monkeypatch.setattr(postgis, "copy_rows", no_space)
    with fresh_database() as url, pytest.raises(StoreError) as err:
        create_store(url, frames())
    assert str(err.value) == contract.DISK_FULL


# --- many app servers -----------------------------------------------------------------------------------------------


def test_a_second_app_server_sees_each_save_through_the_data_version(store):
    other = open_store(_location(store))
    seen = other.version()
    store.apply_edit(edit({"note": "另一台服务器保存"}))
    assert other.version() != seen
    assert other.read_record("parcels", "P4")[0]["note"] == "另一台服务器保存"


def test_a_cache_learns_exactly_which_records_changed_since_its_position(store):
    start = store.position()
    assert store.changed_since(start) == []
    store.apply_edit(edit({"note": "改了备注", "road": True}))
    store.commit_import(_batch(store, ["N9"], ["N9"], []))
    store.record_event("login_failed", "x", "127.0.0.1")  # no record changed
    changes = store.changed_since(start)
    assert sorted(changes[:2]) == [("parcels", "P4", "note"), ("parcels", "P4", "road")]
    assert changes[2:] == [("parcels", "N9", "*")]
    assert store.position() > start and store.changed_since(store.position()) == []


def test_racing_editors_never_lose_an_update(store):
    """Eight threads save the same record against version 0: one wins, seven get a conflict, audit agrees."""
    results: list[str] = []

    def save(i: int) -> None:
        try:
            open_store(_location(store)).apply_edit(edit({"note": f"编辑者{i}"}, user=f"u{i}"))
            results.append("saved")
        except ConflictError:
            results.append("conflict")
        except StoreError:
            results.append("busy")

    threads = [threading.Thread(target=save, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("saved") == 1 and results.count("conflict") + results.count("busy") == 7
    record, version = store.read_record("parcels", "P4")
    assert version == 1 and len(store.history("parcels", "P4")) == 1
    assert record["note"] == store.history("parcels", "P4")["new"][0]


def test_a_record_and_its_version_are_read_in_one_snapshot(store, monkeypatch):
    """Someone saves between reading a record and reading its version: the editor must not get the old
    values with the new version (saving against it would overwrite a change it never saw).

    Found by bench/concurrent_edits.py: a writer read note v6 with version 7 and its save against 7 went through.
    """
    tx_class = GpkgTx if hasattr(store, "path") else PgTx
    original = tx_class.read
    me = threading.get_ident()
    other = threading.Thread(target=lambda: open_store(_location(store)).apply_edit(edit({"note": "乙"}, user="乙")))

    def read_then_someone_saves(self, *args, **kwargs):
        record = original(self, *args, **kwargs)
        if threading.get_ident() == me and other.ident is None:
            other.start()
            other.join(timeout=0.5)  # a consistent read may hold the other save back until it ends
        return record

    monkeypatch.setattr(tx_class, "read", read_then_someone_saves)
    record, version = store.read_record("parcels", "P4")
    other.join(timeout=20)
    assert (record["note"], version) == (None, 0)  # both from before 乙's save
    record, version = store.read_record("parcels", "P4")
    assert (record["note"], version) == ("乙", 1)  # and 乙's save went through


def test_closing_one_store_does_not_break_a_save_in_progress_on_another(store, monkeypatch):
    """Two stores on the same location in one process (two sessions); one closes while the other is saving.

    Found by tests/test_bench_edits.py: PostGIS's shared connection pool forgot the URL on close(), and the
    other save, already committed, raised KeyError when it handed its connection back.
    """
    saving = open_store(_location(store))
    monkeypatch.setattr(contract, "before_commit", lambda: open_store(_location(store)).close())
    assert saving.apply_edit(edit({"note": "另一个会话关闭了连接"})) == 1
    monkeypatch.setattr(contract, "before_commit", lambda: None)
    assert saving.apply_edit(edit({"note": "之后照常保存"}, base=1)) == 2


# --- sessions ---------------------------------------------------------------------------------------------------------

T0 = 1_800_000_000.0


def _session(token_hash="a" * 64, user="zhangsan", at=T0, hours=8):
    return contract.SessionRow(token_hash, user, at, at, at + hours * 3600)


def test_a_session_is_found_by_its_token_hash_until_it_ends_or_expires(store):
    assert store.find_session("a" * 64, T0) is None  # a store from before sessions: none, no error
    store.create_session(_session())
    found = store.find_session("a" * 64, T0 + 60)
    assert (found.username, found.created, found.expires, found.ended) == ("zhangsan", T0, T0 + 8 * 3600, None)
    assert store.find_session("b" * 64, T0) is None
    assert store.find_session("a" * 64, T0 + 8 * 3600) is None  # expired
    assert store.end_session("a" * 64, "signout", T0 + 120) is True
    assert store.find_session("a" * 64, T0 + 121) is None
    assert store.end_session("a" * 64, "signout", T0 + 130) is False  # already ended: the first reason stays
    assert store.end_session("c" * 64, "signout", T0 + 130) is False


def test_ending_every_session_of_an_account_leaves_the_others(store):
    for token_hash, user in (("a" * 64, "zhangsan"), ("b" * 64, "zhangsan"), ("c" * 64, "lisi")):
        store.create_session(_session(token_hash, user))
    assert store.end_user_sessions("zhangsan", "password", T0 + 10) == 2
    assert store.find_session("a" * 64, T0 + 11) is None and store.find_session("b" * 64, T0 + 11) is None
    assert store.find_session("c" * 64, T0 + 11).username == "lisi"
    assert store.end_user_sessions("zhangsan", "removed", T0 + 20) == 0


def test_last_seen_is_written_at_most_once_a_minute(store):
    store.create_session(_session())
    assert store.touch_session("a" * 64, T0 + 30) is False
    assert store.touch_session("a" * 64, T0 + 61) is True
    assert store.touch_session("a" * 64, T0 + 90) is False
    assert store.find_session("a" * 64, T0 + 91).last_seen == T0 + 61
    store.end_session("a" * 64, "signout", T0 + 100)
    assert store.touch_session("a" * 64, T0 + 500) is False  # an ended session stays ended


def test_sessions_are_shared_by_app_servers_and_do_not_move_the_data_version(store):
    other = open_store(_location(store))
    before = (store.version(), store.position())
    store.create_session(_session())
    store.touch_session("a" * 64, T0 + 120)
    assert other.find_session("a" * 64, T0 + 121).last_seen == T0 + 120
    other.end_session("a" * 64, "signout", T0 + 130)  # signed out on the other server
    assert store.find_session("a" * 64, T0 + 131) is None
    assert (store.version(), store.position()) == before  # page caches are not thrown away by sign-ins


def test_a_store_from_before_sessions_gets_the_table_on_first_use(store, monkeypatch):
    if hasattr(store, "path"):
        with sqlite3.connect(store.path) as conn:  # a file from before sessions: no layout number either
            conn.execute(f"DROP TABLE IF EXISTS {contract.SESSIONS_TABLE}")
            conn.execute("DROP TABLE IF EXISTS zonemap_schema")
    else:
        import psycopg

        from geodata.store import postgis

        with psycopg.connect(store.url, autocommit=True) as conn:
            conn.execute(f"DROP TABLE {contract.SESSIONS_TABLE}")
            conn.execute("DROP TABLE IF EXISTS zonemap_schema")
        monkeypatch.setattr(postgis, "_SESSIONS_READY", set())  # a server process started after the upgrade
        monkeypatch.setattr(postgis, "_CURRENT", set())
    assert store.find_session("a" * 64, T0) is None
    with store._write() as tx:
        assert tx.session_active("a" * 64, T0) is False
    store.create_session(_session())
    assert store.find_session("a" * 64, T0).username == "zhangsan"


def test_a_write_transaction_can_check_that_its_session_is_still_active(store):
    store.create_session(_session())
    with store._write() as tx:
        assert tx.session_active("a" * 64, T0 + 1) is True
        assert tx.session_active("b" * 64, T0 + 1) is False
        assert tx.session_active("a" * 64, T0 + 9 * 3600) is False  # expired
    store.end_session("a" * 64, "removed", T0 + 2)
    with store._write() as tx:
        assert tx.session_active("a" * 64, T0 + 3) is False


# --- whole stores ---------------------------------------------------------------------------------------------------


def test_copy_to_the_other_backend_keeps_layers_audit_tours_and_versions(store, tmp_path):
    store.apply_edit(edit({"note": "复制前的修改"}))
    store.save_tour(Tour("T-001", "路线", (Stop("parcels", "P4", "一站"),)), "alice", 0)
    with fresh_database() as url:
        target = url if hasattr(store, "path") else str(tmp_path / "copy.gpkg")
        report = copy_store(_location(store), target, chunk=2)  # streamed: several chunks a layer
        copied = open_store(target)
        assert report.ok, report.lines
        parcels, copied_parcels = store.read("parcels"), copied.read("parcels")
        assert len(parcels) > 2
        pd.testing.assert_frame_equal(copied_parcels.drop(columns="geometry"), parcels.drop(columns="geometry"))
        assert copied_parcels.geometry.geom_equals_exact(parcels.geometry, 1e-9).all()
        assert copied.read_record("parcels", "P4") == store.read_record("parcels", "P4")
        assert len(copied.history()) == len(store.history())
        assert [t.tour for t in copied.list_tours()] == [t.tour for t in store.list_tours()]
        assert copied.apply_edit(edit({"note": "复制后接着改"}, base=1)) == 2
        copied.close()


def test_a_layer_read_in_chunks_is_the_layer_read_whole(store):
    """What ``geodata copy`` streams: stored order, at most ``size`` records a chunk, types as :meth:`read`."""
    for layer in ("parcels", "projects", "zones", "chains"):
        whole = store.read(layer)
        chunks = list(store.read_chunks(layer, 2))
        assert [len(c) for c in chunks] == [2] * (len(whole) // 2) + ([len(whole) % 2] if len(whole) % 2 else [])
        joined = pd.concat(chunks, ignore_index=True)
        if "geometry" in whole:
            assert joined.geometry.geom_equals_exact(whole.geometry, 0).all() and joined.crs == whole.crs
            whole, joined = whole.drop(columns="geometry"), joined.drop(columns="geometry")
        pd.testing.assert_frame_equal(joined, whole)
    store.apply_edit(edit({"note": "改"}))
    assert pd.concat(list(store.read_chunks("parcels", 100))).set_index("parcel_id").loc["P4", "note"] == "改"


def test_an_older_store_is_upgraded_once_and_a_newer_one_refused(store):
    """The layout number (geodata/store/schema_version.py): recorded at creation, raised by the first write of an
    older store inside that write's transaction, and a number above ours refuses reading and writing alike."""
    from geodata.dataset import load_dataset
    from geodata.store.schema_version import SCHEMA_VERSION

    def recorded():
        if hasattr(store, "path"):
            with sqlite3.connect(store.path) as conn:
                return conn.execute("SELECT version FROM zonemap_schema").fetchall()
        import psycopg

        with psycopg.connect(store.url, autocommit=True) as conn:
            return conn.execute("SELECT version FROM zonemap_schema").fetchall()

    def set_version(number):
        if hasattr(store, "path"):
            with sqlite3.connect(store.path) as conn:
                conn.execute("UPDATE zonemap_schema SET version = ?", (number,))
        else:
            import psycopg

            from geodata.store import postgis

            with psycopg.connect(store.url, autocommit=True) as conn:
                conn.execute("UPDATE zonemap_schema SET version = %s", (number,))
            postgis._CURRENT.discard(store.url)  # another app process, or this one after a restart

    assert recorded() == [(SCHEMA_VERSION,)]
    set_version(1)
    store.apply_edit(edit({"note": "升级"}))
    assert recorded() == [(SCHEMA_VERSION,)]
    before = store.read_record("parcels", "P4")
    set_version(SCHEMA_VERSION + 1)
    with pytest.raises(StoreError, match="更新版本的 zonemap"):
        load_dataset(store)
    with pytest.raises(StoreError, match="更新版本的 zonemap"):
        store.apply_edit(edit({"note": "不该写入"}, base=1))
    assert store.read_record("parcels", "P4") == before and recorded() == [(SCHEMA_VERSION + 1,)]
