"""Meetings page, "past": a past meeting's conclusions and how the tasks they created stand today."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import components, fmt, state
from dashboard.i18n import t
from dashboard.views.meetings_common import MeetingsView, conclusion_line, downloads, pick, read, summary


def tasks_table(v: MeetingsView, tasks: list[dict]) -> None:
    lang = v.lang
    counts: dict[str, int] = {}
    for r in tasks:
        counts[r["timing"]] = counts.get(r["timing"], 0) + 1
    st.markdown(
        t("meetings.tasks_count", n=fmt.number(len(tasks), lang=lang))
        + " "
        + " · ".join(f"{t('status.timing.' + k)}: {fmt.number(n, lang=lang)}" for k, n in sorted(counts.items()))
    )
    frame = pd.DataFrame(tasks)
    table = pd.DataFrame(
        {
            "number": frame["conclusion_number"],
            "code": frame["code"],
            "agency": frame["lead_short_name"].fillna(frame["lead_name"]),
            "due": frame["due_on"].map(lambda d: fmt.date(d, lang)),
            "status": frame["timing"].map(lambda c: t(f"status.timing.{c}")),
            "percent": frame["percent_done"],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "number": st.column_config.NumberColumn(t("meetings.col_number"), format="%d"),
            "code": t("meetings.col_code"),
            "agency": st.column_config.TextColumn(t("meetings.col_agency"), width="medium"),
            "due": t("meetings.col_due"),
            "status": t("meetings.col_status"),
            "percent": st.column_config.ProgressColumn(
                t("meetings.col_percent"), min_value=0, max_value=100, format="%d%%"
            ),
        },
    )


def render(v: MeetingsView) -> None:
    if not v.past:
        components.empty_state(t("meetings.past_empty"))
        return
    held = [m for m in v.past if m["status"] == "held"]
    chosen = pick(v, v.past, "mt_pick_past", (held or v.past)[0]["id"])
    state.sync_url(v.f, state.page_params_of_url() | {"view": "past", "meeting": str(chosen["id"])})
    m = read("meeting", meeting_id=chosen["id"])
    summary(v, m)
    st.markdown(f"### {t('meetings.conclusions_heading')}")
    if not m.conclusions:
        components.empty_state(t("meetings.conclusions_empty"))
    for c in m.conclusions:
        st.markdown(f"**{c['number']}.** {components.esc(c['text'])}", unsafe_allow_html=True)
        st.caption(conclusion_line(v, c))
    day = v.ctx.today
    tasks = read("tasks", meeting_id=m.id, day=day)
    st.markdown(f"### {t('meetings.tasks_heading', date=fmt.date(day, v.lang))}")
    if not tasks:
        components.empty_state(t("meetings.past_no_tasks"))
    else:
        tasks_table(v, tasks)
    downloads(v, m, past_pack=True)
