"""待审核: the pending proposals of a record, and the buttons to approve, reject or withdraw them.

See :mod:`geodata.store.proposals`. A reviewer is a signed-in account whose
scope covers the record and whose own changes are not under review; the
proposer may withdraw. Nothing here changes data except through the store.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from domain.labels import label
from geodata.edits import ConflictError, Edit, EditError
from geodata.settings import review_role_names
from geodata.store import Store, StoreError
from geodata.store import proposals as review
from ui.format import display_value, md
from ui.scope import editor_scope, editor_session


def needs_review(editor: dict | None) -> bool:
    """Whether this editor proposes instead of saving."""
    return review.proposal_needed(editor_scope(editor), review_role_names())


def submit(store: Store, edit: Edit) -> None:
    """Propose ``edit``; say so (or why not) and reload the record."""
    _attempt(
        lambda: review.propose(store, edit),
        lambda exc: f"{md(exc)} 请刷新后重新提交。",
        lambda pid: f"已提交审核（{pid}）：审核通过前数据与统计不变。",
    )


def _attempt(write, conflict: Callable[[ConflictError], str], flash: Callable[[object], str]) -> None:
    """Run a review write: a conflict or a refusal is said where the user is, success reloads with ``flash``."""
    try:
        result = write()
    except ConflictError as exc:
        st.error(conflict(exc))
        return
    except (EditError, StoreError) as exc:
        st.error(md(exc))
        return
    st.session_state["flash"] = flash(result)
    st.rerun()


def _frame(items: list[review.Proposal], names: dict[str, str]) -> pd.DataFrame:
    rows = [
        {"提议": p.proposal_id, "提议人": names.get(p.user, p.user), "时间": p.at[:16].replace("T", " "),
         "修改": "；".join(f"{label(c)}：{display_value(p.layer, c, p.seen.get(c))} → {display_value(p.layer, c, v)}"
                          for c, v in p.changes.items()),
         "原因": p.reason}
        for p in items
    ]  # fmt: skip
    return pd.DataFrame(rows)


def review_panel(store: Store, layer: str, record_id: str, editor: dict | None, names: dict[str, str]) -> None:
    """The record's pending proposals (shown to all) and, for the reviewer or proposer, what they may do."""
    items = review.pending(store, layer, record_id)
    if not items:
        return
    st.warning(f"有 {len(items)} 条待审核的修改（审核通过前，数据与统计不含这些修改）。")
    shown = _frame(items, names if editor else {})
    if editor is None:
        shown = shown.drop(columns="提议人")  # visitors never see who edited
    st.dataframe(shown, hide_index=True, width="stretch")
    if editor is None:
        return
    roles = review_role_names()
    for p in items:
        mine = p.user == editor["username"]
        if not mine and needs_review(editor):
            continue
        with st.container(border=True):
            st.caption(f"提议 {p.proposal_id}")
            if mine:
                if st.button("撤回", key=f"rv_withdraw_{p.proposal_id}"):
                    _decide(store, p, "withdraw", editor, "", roles)
                continue
            reason = st.text_input("审核意见（驳回时必填）", key=f"rv_reason_{p.proposal_id}")
            c1, c2 = st.columns(2)
            if c1.button("批准", key=f"rv_approve_{p.proposal_id}", type="primary"):
                _decide(store, p, "approve", editor, reason, roles)
            if c2.button("驳回", key=f"rv_reject_{p.proposal_id}"):
                _decide(store, p, "reject", editor, reason, roles)


def _decide(store: Store, p: review.Proposal, decision: str, editor: dict, reason: str, roles) -> None:
    _attempt(
        lambda: review.decide(
            store,
            p.proposal_id,
            decision,
            editor["username"],
            editor_scope(editor),
            reason,
            roles,
            editor_session(editor),
        ),
        lambda _exc: "该记录在提议之后已被修改（可能另一条提议已批准）：不能直接批准，请驳回并请提议人重新提交。",
        lambda _version: f"已{review.DECISIONS[decision]}提议 {p.proposal_id}。",
    )
