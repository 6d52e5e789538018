"""数据管理: bring a land bureau's own files in (checked, previewed, all or nothing) and take layers out."""

import streamlit as st

from geodata.io.imports import import_history
from ui.accounts_panel import accounts_panel
from ui.auth import display_names, people_hidden, sidebar_login
from ui.data import get_dataset, get_store
from ui.format import fmt_datetime
from ui.import_panel import (
    commit_panel,
    detection_panel,
    diff_panel,
    export_panel,
    mapping_editor,
    matching_panel,
    preview_map,
    preview_table,
    report_panel,
    upload_panel,
    way_through_panel,
)

data = get_dataset()
store = get_store()
editor = sidebar_login()

st.title("数据管理")
if flash := st.session_state.pop("imp_flash", None):
    st.success(flash)
tab_in, tab_out, tab_log, tab_acc = st.tabs(["导入", "导出", "导入记录", "账户"])
with tab_in:
    if editor is None:  # checking a file is an edit step: visitors never upload (issue #13)
        st.info("导入文件（上传、检查与预览）需要编辑权限：请先在侧栏“编辑权限”登录。")
        plan = None
    else:
        layer, plan = upload_panel(data)
    if plan is not None:
        detection_panel(plan)
        st.subheader("字段对应")
        mapping_editor(plan)
        if plan.layer != "zones":
            st.subheader("补齐信息")
            way_through_panel(plan, data, editor)
        st.subheader("检查结果")
        report_panel(plan)
        preview_table(plan, data)
        matching_panel(plan)
        diff_panel(plan)
        preview_map(plan, data)
        commit_panel(store, plan, editor)
with tab_out:
    export_panel(data)
with tab_log:
    history = import_history(store, display_names())
    if history.empty:
        st.info("还没有导入记录。")
    else:
        shown = people_hidden(history, editor)
        st.dataframe(shown.assign(时间=shown["时间"].map(fmt_datetime)), hide_index=True, width="stretch")
with tab_acc:
    accounts_panel(editor, data.zones)
