"""Changes that wait for review (待审核): proposed by one account, approved or rejected by another.

Where an office wants it (``ZONEMAP_REVIEW_ROLES``, e.g. ``zone``), an account
of such a role does not save its changes: it proposes them. An account whose
scope covers the record and whose role is not under review (the city or the
province) approves or rejects each proposal with a reason; the proposer may
withdraw it. Data and figures change only when a proposal is approved.

Proposals live in the audit table, so both stores keep them without a table of
their own, and the record's history tells the whole story:

* ``propose``: ``field`` = the proposal id (``PR-…``), ``version`` = the record
  version the proposer saw, ``old`` = the values they saw, ``new`` = the
  proposed values (JSON), ``reason``;
* ``approve`` / ``reject`` / ``withdraw``: ``field`` = the proposal id,
  ``reason`` = the reviewer's reason. Approving writes the change itself (its
  ``edit`` rows, by the approver) in the same transaction.

Approval is an edit against the version the proposer saw, so of two proposals
on one record only the first can be approved as is: the second gets the same
conflict an editor would (``ConflictError``) and must be proposed again.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from domain.labels import label
from domain.scope import Scope
from geodata.edits import ConflictError, Edit, EditError, audit_json, check_edit
from geodata.store.contract import AuditRow, Store, _stamp, apply_edit_in, authorize
from geodata.store.errors import StoreError

DECISIONS = {"approve": "批准", "reject": "驳回", "withdraw": "撤回"}


@dataclass(frozen=True)
class Proposal:
    proposal_id: str
    layer: str
    record_id: str
    base_version: int
    changes: dict
    seen: dict
    user: str
    at: str
    reason: str


def propose(store: Store, edit: Edit) -> str:
    """Record ``edit`` as a proposal (nothing in the data changes); return its id.

    The proposer's scope must cover the record; the values are checked as for
    an edit; a stale ``base_version`` is a conflict, as for an edit.
    """
    problems = check_edit(edit)
    if problems:
        raise EditError("；".join(problems))
    if not edit.user.strip():
        raise EditError("未登录，不能提交修改")
    proposal_id = f"PR-{secrets.token_hex(4)}"
    with store._refusals_audited(), store._write(edit.scope) as tx:
        current = tx.read(edit.layer, edit.record_id, lock=False)
        if current is None:
            raise EditError(f"{label(edit.layer)}“{edit.record_id}”不存在（可能已被删除）")
        cache: dict = {}
        zones = authorize.record_zones(tx, edit.layer, current, cache)
        zones += authorize.record_zones(tx, edit.layer, {**current, **edit.changes}, cache)
        authorize.check(edit.scope, edit.user, [(edit.layer, edit.record_id, zones)])
        authorize.session_ok(tx, edit.session)
        version = tx.version(edit.layer, edit.record_id)
        if version != edit.base_version:
            raise ConflictError(current, version, edit.base_version)
        seen = {c: json.loads(audit_json(current[c])) for c in edit.changes}  # plain JSON values
        changes = {c: json.loads(audit_json(v)) for c, v in edit.changes.items()}
        tx.audit([AuditRow(_stamp(edit.at), edit.user, "propose", edit.layer, edit.record_id, version, proposal_id,
                           json.dumps(seen, ensure_ascii=False), json.dumps(changes, ensure_ascii=False),
                           edit.reason.strip() or None)])  # fmt: skip
        tx.changed("")
    return proposal_id


def pending(store: Store, layer: str | None = None, record_id: str | None = None) -> list[Proposal]:
    """Proposals not yet approved, rejected or withdrawn, oldest first."""
    decided = {r["field"] for a in DECISIONS for r in store.audit_rows(layer, record_id, action=a)}
    out = []
    for r in reversed(store.audit_rows(layer, record_id, action="propose")):
        if r["field"] in decided:
            continue
        changes, seen = json.loads(r["new"]), json.loads(r["old"] or "{}")
        out.append(Proposal(r["field"], r["layer"], r["record_id"], int(r["version"] or 0), changes, seen,
                            r["user"], r["at"], r["reason"] or ""))  # fmt: skip
    return out


def decide(
    store: Store,
    proposal_id: str,
    decision: str,
    user: str,
    scope: Scope | None,
    reason: str = "",
    roles: frozenset[str] = frozenset(),
    session: str | None = None,
) -> int:
    """Approve, reject or withdraw a pending proposal; return the record's version afterwards.

    Approve and reject need a scope covering the record and a reason for a
    rejection; only the proposer withdraws. Approving applies the proposal as
    an edit by ``user`` against the version the proposer saw, in the same
    transaction as the decision (a conflict leaves the proposal pending).
    """
    if decision not in DECISIONS:
        raise ValueError(decision)
    found = [p for p in pending(store) if p.proposal_id == proposal_id]
    if not found:
        raise StoreError(f"提议 {proposal_id} 已处理或不存在。")
    p = found[0]
    if decision == "withdraw" and user != p.user:
        raise EditError("只有提出修改的账户可以撤回。")
    if decision != "withdraw" and user == p.user:
        raise EditError("不能审核自己提出的修改，请由市级或省级账户审核。")
    if decision != "withdraw" and proposal_needed(scope, roles):
        raise EditError("您的修改本身需要审核，不能审核他人的修改：请由市级或省级账户审核。")
    if decision == "reject" and not reason.strip():
        raise EditError("驳回须写明原因。")
    at = _stamp(None)
    note = f"{DECISIONS[decision]} {p.user} 的提议 {proposal_id}" + (f"：{reason.strip()}" if reason.strip() else "")
    edit = Edit(
        p.layer, p.record_id, p.changes, p.base_version, user, note, action="edit", scope=scope, session=session
    )
    with store._refusals_audited(), store._write(scope) as tx:
        if decision == "approve":
            version = apply_edit_in(tx, edit, at)
        else:
            authorize.session_ok(tx, session)
            if decision == "reject":  # the reviewer's scope must cover the record, as for approving
                seen = tx.read(p.layer, p.record_id, lock=False)
                authorize.check(scope, user, [(p.layer, p.record_id, authorize.record_zones(tx, p.layer, seen, {}))])
            version = tx.version(p.layer, p.record_id)
        tx.audit([AuditRow(at, user, decision, p.layer, p.record_id, version, proposal_id, None, None,
                           reason.strip() or None)])  # fmt: skip
        tx.changed(p.layer)
    return version


def review_roles(text: str) -> frozenset[str]:
    """The roles whose changes wait for review, from ``ZONEMAP_REVIEW_ROLES`` (e.g. ``zone`` or ``zone,city``)."""
    return frozenset(r.strip() for r in text.replace("，", ",").split(",") if r.strip() in ("city", "zone"))


def proposal_needed(scope: Scope | None, roles: frozenset[str]) -> bool:
    """Whether an account of ``scope`` proposes rather than saves."""
    return scope is not None and scope.role in roles
