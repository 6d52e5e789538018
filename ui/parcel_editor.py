"""A parcel's detail (checklists, indicators, history) and its edit form with conflict handling."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd
import streamlit as st

from domain.labels import label
from domain.readiness import READINESS_FLAGS, readiness_label
from domain.supply import (
    ASSESSMENTS,
    STATUSES,
    check_transition,
    is_supply_ready,
    missing_conditions,
    optional_assessments,
    pipeline_stage,
)
from domain.units import area_difference_note
from geodata.edits import ConflictError, Edit, EditError, editable_fields
from geodata.schema import SCHEMAS, SUPPLY_STATUSES
from geodata.settings import required_assessments
from geodata.store import Store, StoreError
from ui.auth import display_names, people_hidden
from ui.format import display_value, fmt_datetime, md, shown_version, text_table
from ui.review_panel import needs_review, submit
from ui.scope import editor_scope, editor_session

INDICATORS = ("invest_intensity", "plot_ratio", "tax_per_mu", "energy_intensity", "land_price")
PROGRESS = ("developed_share", "invested_share")
DATES = ("agreed_start_date", "actual_start_date")
FLAGS = READINESS_FLAGS + ASSESSMENTS
FORM_FIELDS = ("supply_status", *FLAGS, *INDICATORS, *PROGRESS, *DATES, "note")
# The edit form's labelled groups (#26: one unlabelled grid of 17 boxes was hard to read).
FORM_SECTIONS = (
    ("基础设施", READINESS_FLAGS),
    ("区域评估", ASSESSMENTS),
    ("指标", INDICATORS + PROGRESS),
    ("日期", DATES),
)


def _tick(done: object) -> str:
    """Done or missing as coloured words: emoji boxes render as identical empty squares without an emoji font."""
    return ":green-background[已完成]" if done else ":red-background[未完成]"


LAND_OFFICE = ("parcel_code", "supervision_no", "registered_area_mu")  # what a land office's file brings


def checklists(record: dict) -> None:
    """Readiness and assessment checklists, indicators and dates of one parcel."""
    required = required_assessments()
    ready = is_supply_ready(record, required)
    missing = "、".join(label(m) for m in missing_conditions(record, required))
    st.markdown(
        f"**供地阶段：{label(pipeline_stage(record, required))}** · 基础设施配套：{label(readiness_label(record))} · "
        + ("具备供地条件" if ready else f"不具备供地条件（缺：{missing}）")
    )
    codes = [f"{label(c)} {display_value('parcels', c, record.get(c))}" for c in LAND_OFFICE if record.get(c)]
    if codes:
        st.caption(md(" · ".join(codes)))
    if note := area_difference_note(record.get("registered_area_mu"), record.get("area_mu")):
        st.warning(md(f"面积核对：{note}（登记面积为法定数字，按图形计算的面积为核对值）"))
    c1, c2, c3 = st.columns(3)
    with c1:
        st.markdown("**基础设施（几通一平）**")
        st.markdown("\n".join(f"- {_tick(record.get(f))} {label(f)}" for f in READINESS_FLAGS))
    with c2:
        st.markdown("**区域评估**")
        lines = [f"- {_tick(record.get(f))} {label(f)}" for f in required]
        lines += [f"- {_tick(record.get(f))} {label(f)}（选做）" for f in optional_assessments(required)]
        st.markdown("\n".join(lines))
    with c3:
        st.markdown("**控制指标与进度**")
        rows = [(label(c), display_value("parcels", c, record.get(c))) for c in INDICATORS + PROGRESS + DATES]
        st.table(text_table(pd.DataFrame(rows, columns=["指标", "值"]).set_index("指标")))


def history_frame(h: pd.DataFrame, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Audit rows as a user reads them (Chinese headers and values).

    The audit stores account ids; ``names`` maps them to display names (rows
    from before that, or of removed accounts, show what was stored). The frame
    is for st.dataframe, which shows text literally (never as Markdown).
    """
    return pd.DataFrame(
        {
            "地块编号": h["record_id"],
            "版本": h["version"].map(lambda v: f"第 {shown_version(v)} 版" if pd.notna(v) else ""),
            "时间": h["at"].map(fmt_datetime),
            "修改人": h["user"].map(lambda u: display_user(u, names)),
            "操作": h["action"].map(ACTIONS).fillna(h["action"]),
            "字段": h["field"].map(lambda f: {"*": "整条记录", "import": "导入汇总"}.get(f) or label(f)),
            "原值": [_old_value(f, v) for f, v in zip(h["field"], h["old"], strict=True)],
            "新值": [_new_value(f, v) for f, v in zip(h["field"], h["new"], strict=True)],
            "原因": h["reason"].fillna(""),
        }
    )


def display_user(user: object, names: Mapping[str, str] | None) -> str:
    """The display name of an audited account id (the stored text when unknown)."""
    text = "" if user is None else str(user)
    return (names or {}).get(text, text)


ACTIONS = {"edit": "修改", "restore": "恢复", "import": "导入", "propose": "提交审核", "approve": "批准审核",
           "reject": "驳回审核", "withdraw": "撤回审核"}  # fmt: skip


def _proposed(values: dict) -> str:
    return "；".join(f"{label(c)}：{display_value('parcels', c, v)}" for c, v in values.items())


def _old_value(field: str, value: object) -> str:
    if str(field).startswith("PR-"):  # a proposal (its id is the field): the values its proposer saw
        return _proposed(value) if isinstance(value, dict) else ""
    return display_value("parcels", field, value)


def _new_value(field: str, value: object) -> str:
    if str(field).startswith("PR-"):
        return _proposed(value) if isinstance(value, dict) else ""
    if field == "import" and isinstance(value, dict):  # an import's summary record
        unchanged = f"，不变 {value['unchanged']} 条" if value.get("unchanged") else ""
        return f"{value.get('file')}：新增 {value.get('new')} 条，更新 {value.get('updated')} 条{unchanged}"
    if field == "*":
        return "导入新增"
    return display_value("parcels", field, value)


def history_panel(store: Store, parcel_id: str, editor: dict | None) -> None:
    """The parcel's change history; editors can restore a field's earlier value."""
    _say_done(parcel_id, "restore")
    h = store.history("parcels", parcel_id)
    if h.empty:
        st.caption("暂无修改记录。")
        return
    shown = people_hidden(history_frame(h, display_names()), editor)
    st.dataframe(shown.drop(columns="地块编号"), hide_index=True, width="stretch")
    if not editor:
        return
    # Restore is an edit against the version the editor is looking at now, not the one stored when they click.
    seen_key = f"restore_base_{parcel_id}"
    seen = st.session_state.setdefault(seen_key, int(h["version"].max()) if h["version"].notna().any() else 0)
    editable = set(editable_fields("parcels"))
    choices = {int(r.change_id): r for r in h.itertuples() if r.field in editable}
    if not choices:
        return
    pick = st.selectbox(
        "恢复某次修改之前的值",
        list(choices),
        index=None,
        format_func=lambda c: (
            f"第 {shown_version(choices[c].version)} 版 · {label(choices[c].field)}：恢复为 "
            f"{display_value('parcels', choices[c].field, choices[c].old)}"
        ),
        key=f"restore_pick_{parcel_id}",
        placeholder="选择一条修改记录",
    )
    if pick is not None and st.button("恢复", key=f"restore_{parcel_id}"):
        row = choices[pick]
        edit = Edit(
            "parcels",
            parcel_id,
            {row.field: row.old},
            seen,
            editor["username"],
            f"恢复第 {shown_version(row.version)} 版修改前的值",
            action="restore",
            scope=editor_scope(editor),
            session=editor_session(editor),
        )
        st.session_state.pop(seen_key, None)  # after this attempt the editor sees the history anew
        try:
            new_version = store.apply_edit(edit)
        except EditError as exc:  # ConflictError included: someone saved since this history was shown
            st.error(f"{md(exc)} 请查看最新的修改记录后再恢复。")
            return
        except StoreError as exc:  # read-only data, a full disk …: the store's own sentence
            st.error(md(exc))
            return
        st.session_state[done_key(parcel_id, "restore")] = f"已恢复，现为第 {shown_version(new_version)} 版。"
        st.rerun()


def done_key(parcel_id: str, where: str) -> str:
    """Session key of the confirmation shown where the user acted (``edit`` form or ``restore``) after the rerun."""
    return f"parcel_done_{where}_{parcel_id}"


def _say_done(parcel_id: str, where: str) -> None:
    """The confirmation of the last save, beside the control that made it (the page top may be off-screen)."""
    if done := st.session_state.pop(done_key(parcel_id, where), None):
        st.success(done)


def _base_key(parcel_id: str) -> str:
    return f"edit_base_{parcel_id}"


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def edit_form(store: Store, parcel_id: str, editor: dict) -> None:
    """The edit form, saved against the version the editor opened (optimistic versioning)."""
    base = st.session_state.get(_base_key(parcel_id))
    if base is None:
        record, version = store.read_record("parcels", parcel_id)
        if record is None:
            st.warning("该地块已不在数据中。")
            return
        base = st.session_state[_base_key(parcel_id)] = {"version": version, "record": record}
    record, version = base["record"], base["version"]
    k = f"{parcel_id}_{version}"  # new widgets after each reload
    with st.form(f"edit_{k}", enter_to_submit=False):
        st.caption(f"编辑基于第 {shown_version(version)} 版（他人同时保存时会提示冲突，不会静默覆盖）。")
        values: dict[str, object] = {}
        values["supply_status"] = st.selectbox(
            label("supply_status"),
            SUPPLY_STATUSES,
            index=STATUSES.index(record["supply_status"]),
            format_func=label,
            key=f"f_status_{k}",
            placeholder="选择供应状态",
        )
        for title, fields in FORM_SECTIONS:
            st.markdown(f"**{title}**")
            values |= _section(title, fields, record, k)
        values["note"] = st.text_area(label("note"), value=record.get("note") or "", key=f"f_note_{k}") or None
        reason = st.text_input("修改原因（退回状态或非常规供应时必填）", key=f"f_reason_{k}")
        submitted = st.form_submit_button("提交审核" if needs_review(editor) else "保存修改", type="primary")
    _say_done(parcel_id, "edit")
    if submitted:
        changes = {f: v for f, v in values.items() if v != record.get(f)}
        if not changes:
            st.info("没有修改。")
            return
        if not _transition_ok(record, changes, reason):
            return
        edit = Edit(
            "parcels",
            parcel_id,
            changes,
            version,
            editor["username"],
            reason,
            scope=editor_scope(editor),
            session=editor_session(editor),
        )
        if needs_review(editor):  # 待审核: the data changes only when a reviewer approves
            submit(store, edit)
        else:
            _save(store, edit, changes)
    conflict = st.session_state.get(f"conflict_{parcel_id}")
    if conflict:
        _conflict_panel(store, parcel_id, editor, conflict)


def _section(title: str, fields: tuple[str, ...], record: dict, k: str) -> dict[str, object]:
    """One labelled group of the edit form: check boxes for flags, number boxes for indicators, dates."""
    values: dict[str, object] = {}
    if title == "日期":
        st.caption("点击选择日期（年-月-日）；空白表示未填。")
        cols = st.columns(2)
        for i, f in enumerate(fields):
            picked = cols[i].date_input(label(f), value=_date(record.get(f)), format="YYYY-MM-DD", key=f"f_{f}_{k}")
            values[f] = picked.isoformat() if picked else None
        return values
    cols = st.columns(3)
    for i, f in enumerate(fields):
        if f in FLAGS:
            values[f] = cols[i % 3].checkbox(label(f), value=bool(record.get(f)), key=f"f_{f}_{k}")
            continue
        field = SCHEMAS["parcels"].column(f)
        values[f] = cols[i % 3].number_input(
            label(f),
            value=record.get(f),
            min_value=float(field.minimum) if field.minimum is not None else None,
            max_value=float(field.maximum) if field.maximum is not None else None,
            step=0.01 if f in PROGRESS else 1.0,
            format="%.4f" if f in PROGRESS else "%.2f",
            placeholder="未填",
            key=f"f_{f}_{k}",
        )
    return values


def _transition_ok(before: dict, changes: dict, reason: str) -> bool:
    """Check a status change (with the new flags applied); show why it is refused."""
    if "supply_status" not in changes:
        return True
    check = check_transition(
        before | changes | {"supply_status": before["supply_status"]}, changes["supply_status"], required_assessments()
    )
    if check.ok(reason):
        return True
    for message in check.errors or check.needs_reason:
        st.error(md(message))
    return False


def _save(store: Store, edit: Edit, mine: dict | None) -> None:
    try:
        new_version = store.apply_edit(edit)
    except ConflictError as exc:
        st.session_state[f"conflict_{edit.record_id}"] = {
            "message": str(exc),
            "theirs": exc.current,
            "version": exc.version,
            "mine": dict(mine or edit.changes),
            "reason": edit.reason,
        }
        return
    except (EditError, StoreError) as exc:  # StoreError: read-only data, a full disk …: the store's own sentence
        st.error(md(exc))
        return
    st.session_state.pop(_base_key(edit.record_id), None)
    st.session_state.pop(f"conflict_{edit.record_id}", None)
    st.session_state[done_key(edit.record_id, "edit")] = f"已保存，现为第 {shown_version(new_version)} 版。"
    st.rerun()


def _conflict_panel(store: Store, parcel_id: str, editor: dict, conflict: dict) -> None:
    st.error(conflict["message"])
    mine, theirs = conflict["mine"], conflict["theirs"]
    base = st.session_state[_base_key(parcel_id)]["record"]
    rows = [
        (
            label(f),
            display_value("parcels", f, base.get(f)),
            display_value("parcels", f, theirs.get(f)),
            display_value("parcels", f, v),
        )
        for f, v in mine.items()
    ]
    rows += [
        (label(f), display_value("parcels", f, base.get(f)), display_value("parcels", f, theirs.get(f)), "（未改）")
        for f in FORM_FIELDS
        if f not in mine and theirs.get(f) != base.get(f)
    ]
    table = pd.DataFrame(rows, columns=["字段", "您打开时", "他人保存的（现值）", "您的修改"]).set_index("字段")
    st.table(text_table(table))
    c1, c2 = st.columns(2)
    if c1.button("放弃我的修改，载入最新版本", key=f"reload_{parcel_id}"):
        st.session_state.pop(_base_key(parcel_id), None)
        st.session_state.pop(f"conflict_{parcel_id}", None)
        st.rerun()
    if c2.button("用我的修改覆盖这些字段", key=f"overwrite_{parcel_id}"):
        reason = conflict["reason"]
        if not _transition_ok(theirs, mine, reason):
            return
        edit = Edit(
            "parcels",
            parcel_id,
            mine,
            conflict["version"],
            editor["username"],
            reason,
            scope=editor_scope(editor),
            session=editor_session(editor),
        )
        _save(store, edit, mine)
