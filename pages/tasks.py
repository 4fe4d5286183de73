"""Sổ theo dõi nhiệm vụ — search and filter the register; a task's detail, history and update form."""

from __future__ import annotations

import streamlit as st

from dashboard import auth, components, data, downloads, edits, fmt, page, state, tables
from dashboard.components_text import esc_md
from dashboard.i18n import t
from dashboard.safe_text import plain
from dashboard.views import reassign
from qh_data import permissions
from qh_data.errors import QHError, StaleEdit
from qh_data.models import TASK_STATUSES
from qh_data.services import tasks as task_service

TIMINGS = ["overdue", "due_soon", "on_track", "done_on_time", "done_late", "no_deadline", "cancelled"]

ctx = page.context("tasks")
f, lang = ctx.filters, ctx.lang
if reassign.render(ctx, auth.current_actor()):  # the open work of ceased agencies: flag; the DPI's worklist
    ctx.footer()
    st.stop()

with st.container(border=True):
    c1, c2, c3 = st.columns([2, 1, 1])
    text = c1.text_input(t("tasks.search"), value=state.page_param("q", ""), placeholder=t("tasks.search_hint"))
    role = c2.selectbox(t("tasks.role"), ["any", "lead", "supporting"], format_func=lambda r: t(f"tasks.role_{r}"))
    timing = c3.multiselect(t("tasks.timing"), TIMINGS, format_func=lambda c: t(f"status.timing.{c}"),
                            default=[c for c in (state.page_param("tm", "") or "").split(",") if c in TIMINGS],
                            placeholder=t("common.all"))
    c4, c5, c6, c7 = st.columns([1, 1, 1, 1])
    statuses = c4.multiselect(t("tasks.status"), list(TASK_STATUSES), format_func=lambda s: t(f"status.task.{s}"),
                              placeholder=t("common.all"))
    due_from = c5.date_input(t("tasks.due_from"), value=None, format=fmt.date_input_format(lang))
    due_to = c6.date_input(t("tasks.due_to"), value=None, format=fmt.date_input_format(lang))
    meetings = data.q("list_meetings", province=f.province)
    meeting_names = {m["id"]: f"{fmt.date(m['held_on'], lang)} · {m['title']}" for m in meetings}
    meeting = c7.selectbox(t("tasks.meeting"), [None, *meeting_names], placeholder=t("common.all"),
                           format_func=lambda m: t("common.all") if m is None else plain(meeting_names[m]))
    source = st.text_input(t("tasks.source"), placeholder=t("tasks.source_hint"))

state.sync_url(f, state.page_params_of_url() | {"q": text, "tm": ",".join(timing)})
family = data.q("agency_family", code=f.agency, as_of=ctx.today) if f.agency else None  # + successor's work
tasks = data.q("list_tasks", province=f.province, districts=f.districts or None, agency=family, role=role,
               statuses=statuses or None, timing=timing or None, due_from=due_from, due_to=due_to,
               text=text or None, source=source or None, meeting_id=meeting, as_of=ctx.today,
               order="overdue")

st.markdown(t("tasks.count", n=fmt.number(len(tasks), lang=lang)))
if tasks.empty:
    components.empty_state(t("tasks.empty"))
    ctx.footer()
    st.stop()

holders = data.q("holders", as_of=ctx.today).set_index("code")
view = tasks.assign(
    lead_short_name=tables.lead_names(tasks, holders, lang),  # "Sở Tài chính (trước đây: Sở KH&ĐT)"
    due=tasks["due_on"].map(lambda d: fmt.date(d, lang)),
    timing_word=tasks["timing"].map(lambda c: t(f"status.timing.{c}")),
)
event = st.dataframe(
    view[["code", "title", "lead_short_name", "supporting", "units", "due", "timing_word", "percent_done"]],
    hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
    key="task_table", height=min(560, 38 + 35 * len(view)),
    column_config={
        "code": t("tasks.col_code"),
        "title": st.column_config.TextColumn(t("tasks.col_title"), width="large"),
        "lead_short_name": t("tasks.col_lead"),
        "supporting": t("tasks.col_supporting"),
        "units": t("tasks.col_units"),
        "due": t("tasks.col_due"),
        "timing_word": t("tasks.col_timing"),
        "percent_done": st.column_config.ProgressColumn(t("tasks.col_percent"), min_value=0, max_value=100,
                                                        format="%d%%"),
    },
)
export = view[["code", "title", "lead_name", "supporting", "units", "due", "timing_word", "percent_done"]]
st.download_button(t("common.download_xlsx"),
                   downloads.xlsx_on_click(export.rename(columns=lambda c: t(f"tasks.export_{c}")), t("tasks.sheet")),
                   file_name="so-theo-doi-nhiem-vu.xlsx",
                   mime=downloads.XLSX_MIME, on_click="ignore")

rows = event.selection.rows if event and event.selection else []
if not rows:
    st.caption(t("tasks.select_hint"))
    ctx.footer()
    st.stop()

row = next(tasks.iloc[[rows[0]]].itertuples())
st.subheader(esc_md(f"{row.code} · {row.title}"))
st.markdown(tables.task_summary_md(row, lang))
history = data.q("task_history", task_id=int(row.id))
st.markdown(f"**{t('tasks.history')}**")
if history.empty:
    st.caption(t("progress.no_history"))
else:
    st.dataframe(tables.history_table(history, lang), hide_index=True, width="stretch")

actor = auth.current_actor()
if permissions.allowed(actor, "task.update", [row.lead_agency_code]):
    seen = edits.seen_version("task", int(row.id), int(row.version))
    with st.form(f"update_{row.id}"):
        st.markdown(f"**{t('tasks.update_heading')}**")
        status = st.selectbox(t("tasks.status"), list(TASK_STATUSES), index=list(TASK_STATUSES).index(row.status),
                              format_func=lambda s: t(f"status.task.{s}"), key=f"task_status_{row.id}")
        percent = st.slider(t("tasks.col_percent"), 0, 100, int(row.percent_done), step=5,
                            key=f"task_percent_{row.id}")
        note = st.text_area(t("tasks.note"), max_chars=4000, key=f"task_note_{row.id}")
        if st.form_submit_button(t("tasks.save"), type="primary"):
            try:
                task_service.update_progress(data.engine(), actor, int(row.id),
                                             task_service.ProgressChange(status, percent, note or None),
                                             expected_version=seen)
            except StaleEdit as exc:
                edits.forget("task", int(row.id))
                st.warning(esc_md(exc.message(lang)) + " " + t("tasks.draft_kept"))
            except QHError as exc:
                st.error(esc_md(exc.message(lang)))
            else:
                edits.forget("task", int(row.id))
                for key in (f"task_status_{row.id}", f"task_percent_{row.id}", f"task_note_{row.id}"):
                    st.session_state.pop(key, None)
                data.invalidate()
                st.toast(t("tasks.saved"), icon=":material/check_circle:")
                st.rerun()
ctx.footer()
