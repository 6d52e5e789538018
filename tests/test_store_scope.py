# ruff: noqa: F811  (the two-backend `store` fixture is imported from the contract suite)
"""Roles and scopes enforced in the store, on both backends: every write path, in scope and out of it.

Fixture zones (testing/factory.py): Z1 (太原 140100), its park Z1a (parent Z1), Z2 介休 (晋中 140700).
Parcels: P1 in Z1, P2 in Z1a, P3 and P4 in Z2.
"""

from __future__ import annotations

import pytest

from domain.scope import PROVINCE, Scope
from domain.tours import Stop, Tour
from geodata.edits import ConflictError, Edit, EditError
from geodata.store import ScopeError, StoreError
from tests.test_store_contract import _batch, store  # noqa: F401  (the two-backend fixture)

JINZHONG = Scope("city", frozenset({"140700"}), "晋中市")
TAIYUAN = Scope("city", frozenset({"140100"}), "太原市")
ZONE_Z1 = Scope("zone", frozenset({"Z1"}), "甲开发区")


def _edit(record, changes, scope, base=0, layer="parcels"):
    return Edit(layer, record, changes, base, "zhangsan", scope=scope)


def _refusals(store):
    h = store.history()
    return h[h["action"] == "scope_refused"]


def test_a_city_account_edits_its_city_and_is_refused_next_door(store):
    assert store.apply_edit(_edit("P4", {"note": "晋中改"}, JINZHONG)) == 1
    before = store.read_record("parcels", "P1")
    with pytest.raises(ScopeError) as err:
        store.apply_edit(_edit("P1", {"note": "越权"}, JINZHONG))
    assert "超出您的权限范围（市级（晋中市））" in str(err.value) and "地块 P1" in str(err.value)
    assert store.read_record("parcels", "P1") == before  # nothing written
    refused = _refusals(store)
    assert len(refused) == 1 and refused.iloc[0]["user"] == "zhangsan" and "parcels:P1" in refused.iloc[0]["reason"]


def test_a_zone_account_reaches_its_parks_but_not_other_zones(store):
    assert store.apply_edit(_edit("P2", {"note": "园区"}, ZONE_Z1)) == 1  # Z1a's parent is Z1
    assert store.apply_edit(_edit("P1", {"note": "本区"}, ZONE_Z1)) == 1
    with pytest.raises(ScopeError):
        store.apply_edit(_edit("P3", {"note": "他区"}, ZONE_Z1))
    assert store.apply_edit(_edit("P3", {"note": "省级"}, PROVINCE)) == 1


def test_moving_a_record_between_zones_needs_both_in_scope(store):
    with pytest.raises(ScopeError):  # out of Z2 (晋中) into Z1 (太原): 晋中 holds only the first
        store.apply_edit(_edit("P4", {"zone_id": "Z1"}, JINZHONG))
    with pytest.raises(ScopeError):  # into 太原's zone from 晋中's: 太原 holds only the second
        store.apply_edit(_edit("P4", {"zone_id": "Z1"}, TAIYUAN))
    both = Scope("city", frozenset({"140100", "140700"}), "太原市、晋中市")
    assert store.apply_edit(_edit("P4", {"zone_id": "Z1"}, both)) == 1
    with pytest.raises(ScopeError):  # a zone moved to another city by a city account that holds one of them
        store.apply_edit(_edit("Z2", {"city_adcode": "140100"}, JINZHONG, layer="zones"))


def test_an_import_with_one_foreign_row_is_refused_whole_with_the_row_named(store):
    count = len(store.read("parcels"))
    batch = _batch(store, ["N1", "N2", "P1"], ["N1", "N2"], ["P1"], note="台账")  # N1, N2 copy P4 (Z2); P1 is Z1
    with pytest.raises(ScopeError) as err:
        store.commit_import(_with_scope(batch, JINZHONG))
    assert "地块 P1" in str(err.value) and "N1" not in str(err.value)
    assert len(store.read("parcels")) == count and store.read_record("parcels", "P1")[1] == 0
    assert len(_refusals(store)) == 1
    ok = _batch(store, ["N1", "N2", "P4"], ["N1", "N2"], ["P4"], note="台账")
    assert store.commit_import(_with_scope(ok, JINZHONG)).startswith("IMPORT-")
    assert len(store.read("parcels")) == count + 2


def test_an_import_that_moves_a_stored_record_out_of_scope_is_refused(store):
    moved = _batch(store, ["P4"], [], ["P4"], zone_id="Z1")  # P4 is 晋中's now; the file puts it in 太原
    with pytest.raises(ScopeError):
        store.commit_import(_with_scope(moved, TAIYUAN))
    assert store.read_record("parcels", "P4")[0]["zone_id"] == "Z2"


def test_tours_are_edited_by_accounts_that_cover_every_stop(store):
    own = Tour("T-001", "晋中观摩", (Stop("parcels", "P4", "介休"), Stop("zones", "Z2", "介休开发区")))
    assert store.save_tour(own, "zhangsan", 0, scope=JINZHONG) == 1
    mixed = Tour("T-002", "全省观摩", (Stop("parcels", "P4", "介休"), Stop("parcels", "P1", "太原")))
    with pytest.raises(ScopeError):
        store.save_tour(mixed, "zhangsan", 0, scope=JINZHONG)
    assert store.save_tour(mixed, "sheng", 0, scope=PROVINCE) == 1
    with pytest.raises(ScopeError):  # a tour showing another city's records: only a scope covering it deletes it
        store.delete_tour("T-002", "zhangsan", 1, scope=JINZHONG)
    with pytest.raises(ScopeError):  # nor may a city account re-point someone's tour to its own stops
        store.save_tour(Tour("T-002", "改", own.stops), "zhangsan", 1, scope=JINZHONG)
    store.delete_tour("T-001", "zhangsan", 1, scope=JINZHONG)
    assert [t.tour.tour_id for t in store.list_tours()] == ["T-002"]


def test_restore_of_another_zones_history_is_refused(store):
    store.apply_edit(_edit("P1", {"note": "省改"}, PROVINCE))
    restore = Edit("parcels", "P1", {"note": None}, 1, "zhangsan", action="restore", scope=JINZHONG)
    with pytest.raises(ScopeError):
        store.apply_edit(restore)
    assert store.read_record("parcels", "P1")[0]["note"] == "省改"


def _with_scope(batch, scope):
    import dataclasses

    return dataclasses.replace(batch, scope=scope)


def test_postgres_refuses_out_of_scope_rows_even_when_the_python_check_is_bypassed():
    """Row-level security: a raw UPDATE on the application's own connection, in a transaction that declared
    晋中市, changes 0 rows of 太原; with no scope declared it changes nothing at all."""
    from geodata.store.pg_rls import declare_scope
    from testing.stores import pg_store

    with pg_store() as pg:
        with pg._conn() as conn:
            with conn.transaction():
                declare_scope(conn, JINZHONG)
                foreign = conn.execute("UPDATE parcels SET note = 'x' WHERE parcel_id = 'P1'").rowcount
                own = conn.execute("UPDATE parcels SET note = 'x' WHERE parcel_id = 'P4'").rowcount
                moved = "UPDATE parcels SET zone_id = 'Z1' WHERE parcel_id = 'P3'"  # out of 晋中: WITH CHECK
                with pytest.raises(Exception, match="row-level security"), conn.transaction():
                    conn.execute(moved)
                with pytest.raises(Exception, match="row-level security"), conn.transaction():
                    conn.execute("UPDATE zones SET city_adcode = '140100' WHERE zone_id = 'Z2'")
                with pytest.raises(Exception, match="row-level security"), conn.transaction():
                    conn.execute("INSERT INTO parcels (parcel_id, zone_id, name) VALUES ('X', 'Z1', 'x')")
            assert (foreign, own) == (0, 1)
            with conn.transaction():  # nothing declared: no rights
                assert conn.execute("UPDATE parcels SET note = 'y'").rowcount == 0
                assert conn.execute("SELECT count(*) FROM parcels").fetchone()[0] == 4  # reading stays open
        assert pg.read_record("parcels", "P1")[0]["note"] != "x"
        pg.close()


# --- review (待审核) ----------------------------------------------------------------------------------------------


def test_a_zone_proposal_changes_nothing_until_a_city_account_approves_it(store):
    from geodata.store import proposals

    zone_z2 = Scope("zone", frozenset({"Z2"}), "介休经济技术开发区")
    before = store.read_record("parcels", "P4")
    pid = proposals.propose(store, Edit("parcels", "P4", {"note": "园区核实"}, 0, "jx", "现场核实", scope=zone_z2))
    assert store.read_record("parcels", "P4") == before  # the data and every figure stay as approved
    (p,) = proposals.pending(store, "parcels", "P4")
    assert (p.proposal_id, p.user, p.changes, p.base_version, p.reason) == (
        pid,
        "jx",
        {"note": "园区核实"},
        0,
        "现场核实",
    )
    with pytest.raises(EditError, match="不能审核自己"):
        proposals.decide(store, pid, "approve", "jx", zone_z2)
    with pytest.raises(ScopeError):  # 太原 does not cover 介休
        proposals.decide(store, pid, "approve", "ty", TAIYUAN)
    with pytest.raises(EditError, match="本身需要审核"):
        proposals.decide(store, pid, "approve", "jx2", zone_z2, roles=frozenset({"zone"}))
    assert proposals.decide(store, pid, "approve", "jz", JINZHONG, "同意") == 1
    record, version = store.read_record("parcels", "P4")
    assert record["note"] == "园区核实" and version == 1 and proposals.pending(store) == []
    h = store.history("parcels", "P4")
    assert list(h["action"][:3]) == ["approve", "edit", "propose"] and h["user"][1] == "jz"


def test_two_proposals_on_one_record_cannot_both_be_approved_blind(store):
    from geodata.store import proposals

    zone_z2 = Scope("zone", frozenset({"Z2"}), "介休")
    first = proposals.propose(store, Edit("parcels", "P4", {"note": "甲"}, 0, "jx", scope=zone_z2))
    second = proposals.propose(store, Edit("parcels", "P4", {"note": "乙"}, 0, "jx2", scope=zone_z2))
    proposals.decide(store, first, "approve", "jz", JINZHONG)
    with pytest.raises(ConflictError):  # the second was made against version 0; the record is at 1
        proposals.decide(store, second, "approve", "jz", JINZHONG)
    assert store.read_record("parcels", "P4")[0]["note"] == "甲"
    assert [p.proposal_id for p in proposals.pending(store)] == [second]  # still there, to be rejected or redone
    with pytest.raises(EditError, match="写明原因"):
        proposals.decide(store, second, "reject", "jz", JINZHONG)
    with pytest.raises(EditError, match="只有提出修改的账户"):
        proposals.decide(store, second, "withdraw", "jz", JINZHONG)
    proposals.decide(store, second, "reject", "jz", JINZHONG, "与已批准的修改冲突")
    assert proposals.pending(store) == []
    third = proposals.propose(store, Edit("parcels", "P4", {"note": "丙"}, 1, "jx", scope=zone_z2))
    proposals.decide(store, third, "withdraw", "jx", zone_z2)
    with pytest.raises(StoreError, match="已处理"):
        proposals.decide(store, third, "approve", "jz", JINZHONG)
    actions = list(store.history("parcels", "P4")["action"])
    assert actions.count("reject") == 1 and actions.count("withdraw") == 1 and actions.count("edit") == 1


def test_a_write_from_a_tab_whose_session_ended_saves_nothing(store):
    """Sign-out elsewhere, a removed or disabled account: the session is re-checked inside the write itself."""
    import time

    from access.sessions import end_all, start
    from geodata.store import proposals
    from geodata.store.authorize import SESSION_ENDED

    live = start(store, "zhangsan", time.time()).token_hash
    assert store.apply_edit(Edit("parcels", "P4", {"note": "在线"}, 0, "zhangsan", scope=JINZHONG, session=live)) == 1
    end_all(store, "zhangsan", "removed")
    writes = (
        lambda: store.apply_edit(Edit("parcels", "P4", {"note": "已退出"}, 1, "zhangsan", session=live)),
        lambda: store.save_tour(Tour("T-9", "路线", (Stop("parcels", "P4", "一"),)), "zhangsan", 0, session=live),
        lambda: store.commit_import(_with_session(_batch(store, ["N9"], ["N9"], []), live)),
        lambda: proposals.propose(store, Edit("parcels", "P4", {"note": "提议"}, 1, "zhangsan", session=live)),
    )
    before = (store.read_record("parcels", "P4"), len(store.read("parcels")), len(store.history()))
    for write in writes:
        with pytest.raises(StoreError, match="登录已结束"):
            write()
    assert (store.read_record("parcels", "P4"), len(store.read("parcels")), len(store.history())) == before
    assert store.list_tours() == [] and SESSION_ENDED.startswith("您的登录已结束")


def _with_session(batch, session):
    import dataclasses

    return dataclasses.replace(batch, session=session)
