"""The chair's overview, drawn by the overview page and by the slideshow."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, components, data, fmt, theme
from dashboard.components_text import esc_md
from dashboard.i18n import t
from dashboard.page import PageContext
from qh_data.status import TARGET_STATUSES


def render(ctx: PageContext, *, compact: bool = False) -> None:
    f, lang = ctx.filters, ctx.lang
    scope = ctx.task_scope()

    totals = data.q("task_totals", **scope)
    issues = data.q("issue_counts", province=f.province, districts=f.districts or None, agency=f.agency)
    meeting = data.q("upcoming_meeting", province=f.province, today=ctx.today)
    indicators = data.q("indicator_overview", province=f.province, as_of=ctx.as_of_dt,
                        district=f.districts[0] if len(f.districts) == 1 else None)

    st.subheader(t("overview.tasks_heading"))
    components.figures([
        (t("overview.total"), fmt.number(totals["total"], lang=lang), None),
        (t("overview.done"), fmt.number(totals["done"], lang=lang), theme.TASK_TIMING_COLORS["done_on_time"]),
        (t("overview.in_progress"), fmt.number(totals["in_progress"], lang=lang), theme.TASK_TIMING_COLORS["on_track"]),
        (t("overview.overdue"), fmt.number(totals["overdue"], lang=lang), theme.TASK_TIMING_COLORS["overdue"]),
        (t("overview.due_soon"), fmt.number(totals["due_soon"], lang=lang), theme.TASK_TIMING_COLORS["due_soon"]),
    ])

    ceased = data.q("ceased_counts", province=f.province, as_of=ctx.today)
    if ceased["total"]:  # open work of abolished / merged agencies, until the DPI reassigns it (tasks page)
        st.warning(t("overview.ceased_flag", tasks=fmt.number(ceased["tasks"], lang=lang),
                     issues=fmt.number(ceased["issues"], lang=lang)), icon=":material/move_up:")

    status_counts = indicators["status"].value_counts().to_dict() if len(indicators) else {}
    # Judged against a target (a trend without a target is on the indicators page, not in this ratio).
    judged = sum(n for code, n in status_counts.items() if code in TARGET_STATUSES)
    on_course = status_counts.get("achieved", 0) + status_counts.get("on_track", 0)
    off_course = status_counts.get("limited", 0) + status_counts.get("deteriorating", 0)
    days = meeting["days_until"] if meeting else None
    components.figures([
        (t("overview.open_issues"), fmt.number(issues["open_total"], lang=lang), theme.ISSUE_STATUS_COLORS["open"]),
        (t("overview.awaiting_decision"), fmt.number(issues["awaiting_decision"], lang=lang),
         theme.ISSUE_STATUS_COLORS["awaiting_decision"]),
        (t("overview.indicators_on_course"), f"{fmt.number(on_course, lang=lang)} / {fmt.number(judged, lang=lang)}",
         theme.PROGRESS_COLORS["on_track"]),
        (t("overview.indicators_off_course"), fmt.number(off_course, lang=lang), theme.PROGRESS_COLORS["deteriorating"]),
        (t("overview.next_meeting"), t("overview.days", n=fmt.number(days, lang=lang)) if days is not None
         else t("overview.no_meeting"), None),
    ])
    if meeting:
        st.caption(t("overview.next_meeting_line", date=fmt.date(meeting["held_on"], lang), title=esc_md(meeting["title"])))

    left, right = st.container(key="qh_split").columns([3, 2], gap="large")
    with left:
        st.subheader(t("overview.by_agency_heading"))
        counts = data.q("task_counts_by_holder", **scope)  # a former agency's tasks for its successor
        if counts.empty:
            components.empty_state(t("overview.no_tasks"))
        else:
            st.altair_chart(charts.tasks_by_agency(counts, lang, big=f.present, max_rows=15 if f.present else 25),
                            width="stretch")
    with right:
        st.subheader(t("overview.indicators_heading"))
        if status_counts:
            st.altair_chart(charts.progress_donut(status_counts, lang), width="stretch")
        else:
            components.empty_state(t("overview.no_indicators"))
        st.subheader(t("overview.most_overdue_heading"))
        overdue = data.q("overdue_tasks", limit=8, **scope)
        if overdue.empty:
            components.empty_state(t("overview.none_overdue"))
        else:
            st.dataframe(
                overdue.assign(due=overdue["due_on"].map(lambda d: fmt.date(d, lang)))[
                    ["title", "lead_short_name", "due", "days_late"]],
                hide_index=True, width="stretch",
                column_config={
                    "title": st.column_config.TextColumn(t("overview.col_title"), width="large"),
                    "lead_short_name": t("overview.col_lead"), "due": t("overview.col_due"),
                    "days_late": st.column_config.NumberColumn(t("overview.col_days_late"), format="%d"),
                },
            )

    st.subheader(t("overview.changes_heading"))
    last = data.q("last_meeting", province=f.province, today=ctx.today)
    if not last:
        components.empty_state(t("overview.no_last_meeting"))
    else:
        changes = data.q("changes_since", province=f.province, since=last["held_on"])
        st.caption(t("overview.changes_since", date=fmt.date(last["held_on"], lang), title=esc_md(last["title"])))
        components.figures([
            (t("overview.changed_tasks"), fmt.number(changes["tasks_updated"], lang=lang), None),
            (t("overview.completed_tasks"), fmt.number(changes["tasks_done"], lang=lang),
             theme.TASK_TIMING_COLORS["done_on_time"]),
            (t("overview.new_tasks"), fmt.number(changes["tasks_new"], lang=lang), None),
            (t("overview.new_issues"), fmt.number(changes["issues_new"], lang=lang), theme.ISSUE_STATUS_COLORS["open"]),
            (t("overview.resolved_issues"), fmt.number(changes["issues_resolved"], lang=lang),
             theme.ISSUE_STATUS_COLORS["resolved"]),
        ])
