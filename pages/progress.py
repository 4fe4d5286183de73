"""Tiến độ theo sở, ngành — one row per lead agency, a stacked chart, and each agency's tasks. A former agency's
tasks count for its successor from the succession date ("Sở Tài chính (trước đây: Sở KH&ĐT)"), unless the
switch shows the agencies as they were (queries.succession.task_counts_by_holder)."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, components, data, downloads, page, tables
from dashboard.components_text import esc_md
from dashboard.i18n import t
from dashboard.safe_text import plain
from qh_data.queries.succession import display_name

ctx = page.context("progress")
f, lang = ctx.filters, ctx.lang
scope = ctx.task_scope()

as_they_were = st.toggle(t("progress.as_they_were"), help=t("progress.as_they_were_help"), key="progress_as_were")
counts = data.q("task_counts_by_holder", **scope, as_they_were=as_they_were)
if counts.empty:
    components.empty_state(t("progress.empty"))
    ctx.footer()
    st.stop()

counts["agency_name"] = [display_name(name, formers, t)
                         for name, formers in zip(counts["agency_name"], counts["former_names"], strict=True)]
table = tables.progress_table(counts)
decimal, thousands = ("," , ".") if lang == "vi" else (".", ",")
st.dataframe(
    table.style.format({"avg_days_late": "{:.1f}"}, decimal=decimal, thousands=thousands, na_rep="–"),
    hide_index=True, width="stretch",
    column_config={
        "agency": st.column_config.TextColumn(t("progress.col_agency"), width="large"),
        "assigned": st.column_config.NumberColumn(t("progress.col_assigned"), format="%d"),
        "done": st.column_config.NumberColumn(t("progress.col_done"), format="%d"),
        "done_late": st.column_config.NumberColumn(t("progress.col_done_late"), format="%d"),
        "in_progress": st.column_config.NumberColumn(t("progress.col_in_progress"), format="%d"),
        "overdue": st.column_config.NumberColumn(t("progress.col_overdue"), format="%d"),
        "share_on_time": st.column_config.ProgressColumn(t("progress.col_share_on_time"), min_value=0,
                                                         max_value=100, format="%.0f %%" if lang == "vi" else "%.0f%%"),
        "avg_days_late": st.column_config.Column(t("progress.col_avg_days_late")),
    },
)
export = tables.progress_export(table, lang)
downloads.table_buttons(export, t("progress.sheet"), "tien-do-theo-co-quan")

st.subheader(t("progress.chart_heading"))
st.altair_chart(charts.tasks_by_agency(counts, lang, big=f.present), width="stretch")

st.subheader(t("progress.agency_heading"))
names = dict(zip(counts["agency_code"], counts["agency_name"], strict=True))
formers = dict(zip(counts["agency_code"], counts["former_codes"], strict=True))
default = f.agency if f.agency in names else None
chosen = st.selectbox(t("progress.pick_agency"), options=list(names), format_func=lambda c: plain(names.get(c, c)),
                      index=list(names).index(default) if default else None,
                      placeholder=t("progress.pick_placeholder"))
if chosen:
    tasks = data.q("list_tasks", province=f.province, districts=f.districts or None,
                   agency=[chosen, *formers.get(chosen, [])], role="lead", as_of=ctx.today)
    if tasks.empty:
        components.empty_state(t("progress.agency_empty"))
    for row in tasks.itertuples():
        word = t(f"status.timing.{row.timing}")
        with st.expander(esc_md(f"{row.code} · {row.title} · {word}")):
            st.markdown(tables.task_summary_md(row, lang))
            history = data.q("task_history", task_id=int(row.id))
            if history.empty:
                st.caption(t("progress.no_history"))
            else:
                st.dataframe(tables.history_table(history, lang), hide_index=True, width="stretch")
ctx.footer()
