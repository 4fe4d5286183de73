"""What the three views of the meetings page share: the page's state (:class:`MeetingsView`: the acting
user, the meetings of the province, the agencies), the cached reads, and the pieces every view draws
(the meeting picker, its summary, the downloads, a conclusion's line)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import streamlit as st

from dashboard import components, data, fmt, state, theme
from dashboard.components_text import esc_md
from dashboard.downloads import document_button
from dashboard.i18n import t
from dashboard.page import PageContext
from dashboard.safe_text import md
from qh_data import clock, permissions, reports
from qh_data.errors import QHError, StaleEdit
from qh_data.permissions import Actor
from qh_data.queries import meeting_briefing as briefing
from qh_data.queries import meetings as meeting_reads
from qh_data.reports.common import load_meeting

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
VIEWS = ["prepare", "during", "past"]
READS = {
    "meetings": meeting_reads.list_meetings,
    "meeting": load_meeting,
    "agenda": briefing.agenda_details,
    "suggest": briefing.suggest_agenda,
    "tasks": briefing.meeting_tasks,
}


def read(name: str, **kwargs):
    """One of the page's reads through the dashboard's cache (per data version)."""
    return data.read(READS[name], **kwargs)


def compact() -> bool:
    """On the projector during the meeting the current item comes first: no page title, no summary."""
    return state.current().present and (st.session_state.get("mt_view") or state.page_param("view")) == "during"


@dataclass
class MeetingsView:
    ctx: PageContext
    actor: Actor
    engine: Any  # the cached engine (dashboard.data.engine())
    today: dt.date
    compact: bool
    can_manage: bool
    can_conclude: bool
    meetings: list[dict]
    upcoming: list[dict]
    past: list[dict]
    by_id: dict[int, dict]
    agency_names: dict[str, str]
    members: list[str]

    @property
    def f(self) -> state.Filters:
        return self.ctx.filters

    @property
    def lang(self) -> str:
        return self.ctx.lang


def load(ctx: PageContext, actor: Actor, *, compact: bool) -> MeetingsView:
    f = ctx.filters
    today = clock.today()
    meetings = read("meetings", province=f.province)
    upcoming, past = meeting_reads.split_meetings(meetings, today)
    agencies = data.q("agencies", province=f.province)
    return MeetingsView(
        ctx=ctx, actor=actor, engine=data.engine(), today=today, compact=compact,
        can_manage=permissions.allowed(actor, "meeting.manage"),
        can_conclude=permissions.allowed(actor, "conclusion.manage") and permissions.allowed(actor, "task.create"),
        meetings=meetings, upcoming=upcoming, past=past, by_id={m["id"]: m for m in meetings},
        agency_names={a["code"]: a["name"] for a in agencies},
        members=[a["code"] for a in agencies if a["is_committee_member"]],
    )


def meeting_label(v: MeetingsView, m: dict) -> str:
    status = t(f"meetings.status.{m['status']}")
    return f"{fmt.date(m['held_on'], v.lang)} · {m['title']} ({status})"


def pick(v: MeetingsView, options: list[dict], key: str, default_id: int | None = None) -> dict:
    ids = [m["id"] for m in options]
    wanted = state.page_param("meeting")
    chosen = int(wanted) if wanted and wanted.isdigit() and int(wanted) in ids else (default_id or ids[0])
    if len(ids) == 1:
        return options[0]
    mid = st.selectbox(
        t("meetings.pick_meeting"),
        ids,
        index=ids.index(chosen),
        key=key,
        format_func=lambda i: meeting_label(v, v.by_id[i]),
    )
    return v.by_id[mid]


def done(message: str) -> None:
    data.invalidate()
    st.toast(message, icon=":material/check_circle:")
    st.rerun()


def failed(v: MeetingsView, exc: QHError) -> None:
    if isinstance(exc, StaleEdit):
        st.warning(esc_md(exc.message(v.lang)) + " " + t("meetings.reload_hint"))
    else:
        st.error(esc_md(exc.message(v.lang)))


def summary(v: MeetingsView, m) -> None:
    st.subheader(esc_md(m.title))
    parts = [fmt.date(m.held_on, v.lang)]
    if m.starts_at:
        parts.append(t("meetings.at_time", time=m.starts_at))
    if m.venue:
        parts.append(m.venue)
    if m.chair:
        parts.append(t("meetings.chaired_by", chair=m.chair))
    badge = components.badge(t(f"meetings.status.{m.status}"), "#009E73" if m.status == "held" else "#0072B2")
    st.markdown(f"{badge} {components.esc(' · '.join(parts))}", unsafe_allow_html=True)
    if m.invitees:
        names = ", ".join(a["short_name"] or a["name"] for a in m.invitees)
        if len(m.invitees) <= 8:
            st.caption(t("meetings.invitees_line", n=len(m.invitees), names=esc_md(names)))
        else:
            with st.expander(t("meetings.invitees_count", n=len(m.invitees))):
                st.caption(md(names))
    else:
        st.caption(t("meetings.no_invitees"))


def downloads(v: MeetingsView, m, *, past_pack: bool) -> None:
    st.markdown(f"**{t('meetings.downloads_heading')}**")
    mid = m.id
    slug = m.held_on.strftime("%Y-%m-%d")
    c1, c2 = st.columns(2)
    with c1:
        document_button(t("meetings.download_pack"), lambda: reports.build_meeting_pack(data.engine(), mid),
                        key=f"dl_pack_{mid}", file_name=f"tai-lieu-hop-BCD-{slug}.docx", mime=DOCX,
                        icon=":material/description:")
    with c2:
        document_button(t("meetings.download_notice"), lambda: reports.build_conclusions_notice(data.engine(), mid),
                        key=f"dl_notice_{mid}", file_name=f"thong-bao-ket-luan-{slug}.docx", mime=DOCX,
                        icon=":material/gavel:", disabled=not m.conclusions)
    day = m.held_on if past_pack else v.today
    st.caption(
        t("meetings.pack_as_of_past", date=fmt.date(m.held_on, v.lang))
        if past_pack
        else t("meetings.pack_as_of", date=fmt.date(day, v.lang))
    )


def kind_badge(kind: str) -> str:
    colors = {
        "issue": theme.ISSUE_STATUS_COLORS["awaiting_decision"],
        "task": theme.TASK_TIMING_COLORS["overdue"],
        "indicator": theme.PROGRESS_COLORS["limited"],
        "free": "#9E9E9E",
    }
    return components.badge(t(f"meetings.kind.{kind}"), colors.get(kind, "#9E9E9E"))


def conclusion_line(v: MeetingsView, c: dict) -> str:
    bits = []
    if c["all_members"]:
        bits.append(t("meetings.target_all", n=len(v.members)))
    if c["lead_agency_code"]:
        bits.append(
            t("meetings.lead_line", name=md(v.agency_names.get(c["lead_agency_code"], c["lead_agency_code"])))
        )
    if c["supporting"]:
        bits.append(t("meetings.supporting_line", names=md(", ".join(a["name"] for a in c["supporting"]))))
    bits.append(
        t("meetings.due_line", date=fmt.date(c["due_on"], v.lang)) if c["due_on"] else t("meetings.no_due")
    )
    return " · ".join(bits)
