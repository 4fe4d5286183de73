"""Meetings page, "prepare": create the next meeting, edit its details, build its agenda (ordered items,
suggestions from overdue tasks, open issues and off-course indicators, free items)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import components, fmt, state
from dashboard.i18n import t
from dashboard.safe_text import md, plain
from dashboard.views.meetings_common import (
    MeetingsView,
    done,
    downloads,
    failed,
    kind_badge,
    pick,
    read,
    summary,
)
from qh_data.errors import QHError
from qh_data.services import agenda as agenda_svc
from qh_data.services import meetings as svc


def create_form(v: MeetingsView, expanded: bool) -> None:
    lang, today = v.lang, v.today
    with (
        st.expander(t("meetings.create_heading"), icon=":material/event:", expanded=expanded),
        st.form("meeting_create"),
    ):
        title = st.text_input(t("meetings.field_title"), value=t("meetings.default_title"), max_chars=500)
        c1, c2 = st.columns(2)
        held_on = c1.date_input(
            t("meetings.field_date"),
            value=today + dt.timedelta(days=14),
            min_value=today,
            format=fmt.date_input_format(lang),
        )
        starts_at = c2.text_input(t("meetings.field_time"), value="08:00", max_chars=5)
        chair = st.text_input(t("meetings.field_chair"), value=t("meetings.default_chair"), max_chars=200)
        venue = st.text_input(t("meetings.field_venue"), max_chars=300)
        invitees = st.multiselect(
            t("meetings.field_invitees"),
            list(v.agency_names),
            default=v.members,
            format_func=lambda c: plain(v.agency_names.get(c, c)),
        )
        if st.form_submit_button(t("meetings.create_submit"), type="primary"):
            try:
                new = svc.create_meeting(
                    v.engine,
                    v.actor,
                    province=v.f.province,
                    held_on=held_on,
                    title=title,
                    chair=chair or None,
                    venue=venue or None,
                    starts_at=starts_at or None,
                    invitees=invitees,
                )
            except QHError as exc:
                failed(v, exc)
            else:
                state.sync_url(v.f, state.page_params_of_url() | {"meeting": str(new.id), "view": "prepare"})
                done(t("meetings.created"))


def details_form(v: MeetingsView, m) -> None:
    with (
        st.expander(t("meetings.details_heading"), icon=":material/edit:"),
        st.form(f"meeting_details_{m.id}"),
    ):
        title = st.text_input(t("meetings.field_title"), value=m.title, max_chars=500)
        c1, c2 = st.columns(2)
        held_on = c1.date_input(t("meetings.field_date"), value=m.held_on, format=fmt.date_input_format(v.lang))
        starts_at = c2.text_input(t("meetings.field_time"), value=m.starts_at or "", max_chars=5)
        chair = st.text_input(t("meetings.field_chair"), value=m.chair or "", max_chars=200)
        venue = st.text_input(t("meetings.field_venue"), value=m.venue or "", max_chars=300)
        invitees = st.multiselect(
            t("meetings.field_invitees"),
            list(v.agency_names),
            default=[a["code"] for a in m.invitees if a["code"] in v.agency_names],
            format_func=lambda c: plain(v.agency_names.get(c, c)),
        )
        if st.form_submit_button(t("meetings.details_submit")):
            try:
                svc.update_meeting(
                    v.engine,
                    v.actor,
                    m.id,
                    m.version,
                    held_on=held_on,
                    title=title,
                    chair=chair or None,
                    venue=venue or None,
                    starts_at=starts_at or None,
                    invitees=invitees,
                )
            except QHError as exc:
                failed(v, exc)
            else:
                done(t("meetings.saved"))


def agenda_editor(v: MeetingsView, m) -> None:
    items = read("agenda", meeting_id=m.id, day=v.today)
    st.markdown(f"### {t('meetings.agenda_heading')}")
    if not items:
        components.empty_state(t("meetings.agenda_empty"))
    else:
        st.markdown(t("meetings.agenda_count", n=fmt.number(len(items), lang=v.lang)))
    for i, item in enumerate(items):
        with st.container(border=True):
            cols = st.columns([8, 1, 1, 1]) if v.can_manage else [st.container()]
            with cols[0]:
                extra = []
                if item.get("presenter_name"):
                    extra.append(t("meetings.presenter", name=md(item["presenter_name"])))
                if item.get("minutes"):
                    extra.append(t("meetings.minutes", n=item["minutes"]))
                st.markdown(
                    f"**{item['position']}.** {kind_badge(item['kind'])} {components.esc(item['title'])}",
                    unsafe_allow_html=True,
                )
                if extra:
                    st.caption(" · ".join(extra))
            if v.can_manage:
                moves = (
                    (1, -1, ":material/arrow_upward:", "up", i == 0),
                    (2, 1, ":material/arrow_downward:", "down", i == len(items) - 1),
                )
                for col, delta, icon, word, off in moves:
                    if cols[col].button(
                        "",
                        icon=icon,
                        key=f"ag_{word}_{item['id']}",
                        help=t(f"meetings.{word}"),
                        disabled=off,
                        width="stretch",
                    ):
                        try:
                            agenda_svc.move_agenda_item(v.engine, v.actor, m.id, item["id"], delta, m.version)
                        except QHError as exc:
                            failed(v, exc)
                        else:
                            done(t("meetings.agenda_saved"))
                if cols[3].button(
                    "",
                    icon=":material/delete:",
                    key=f"ag_rm_{item['id']}",
                    help=t("meetings.remove"),
                    width="stretch",
                ):
                    try:
                        agenda_svc.remove_agenda_item(v.engine, v.actor, m.id, item["id"], m.version)
                    except QHError as exc:
                        failed(v, exc)
                    else:
                        done(t("meetings.agenda_saved"))


def suggestions(v: MeetingsView, m) -> None:
    sugg = read("suggest", meeting_id=m.id, as_of=v.today)
    st.markdown(f"### {t('meetings.suggestions_heading')}")
    st.caption(t("meetings.suggestions_hint"))
    if not sugg:
        components.empty_state(t("meetings.suggestions_empty"))
        return
    if st.button(t("meetings.accept_all", n=len(sugg)), key=f"accept_all_{m.id}", icon=":material/done_all:"):
        try:
            agenda_svc.add_agenda_items(v.engine, v.actor, m.id, list(sugg), m.version)
        except QHError as exc:
            failed(v, exc)
        else:
            done(t("meetings.agenda_saved"))
    for s in sugg:
        with st.container(border=True):
            c1, c2 = st.columns([8, 2])
            reason = t(f"meetings.reason.{s.reason}")
            c1.markdown(f"{kind_badge(s.kind)} {components.esc(s.title)}", unsafe_allow_html=True)
            bits = [reason]
            if s.presenter_code:
                bits.append(md(v.agency_names.get(s.presenter_code, s.presenter_code)))
            if s.severity:
                bits.append(t(f"status.severity.{s.severity}"))
            c1.caption(" · ".join(bits))
            if c2.button(
                t("meetings.accept"), key=f"accept_{s.kind}_{s.ref}", icon=":material/add:", width="stretch"
            ):
                try:
                    agenda_svc.add_agenda_items(v.engine, v.actor, m.id, [s], m.version)
                except QHError as exc:
                    failed(v, exc)
                else:
                    done(t("meetings.agenda_saved"))


def free_item_form(v: MeetingsView, m) -> None:
    with st.form(f"free_item_{m.id}", clear_on_submit=True):
        st.markdown(f"**{t('meetings.free_heading')}**")
        c1, c2, c3 = st.columns([5, 3, 1])
        title = c1.text_input(t("meetings.free_title"), max_chars=1000)
        presenter = c2.selectbox(
            t("meetings.free_presenter"),
            [None, *v.agency_names],
            format_func=lambda c: t("common.none") if c is None else plain(v.agency_names[c]),
        )
        minutes = c3.number_input(t("meetings.free_minutes"), min_value=0, max_value=600, value=10, step=5)
        if st.form_submit_button(t("meetings.free_submit")):
            try:
                agenda_svc.add_agenda_items(
                    v.engine,
                    v.actor,
                    m.id,
                    [agenda_svc.AgendaDraft(title=title, presenter_code=presenter, minutes=int(minutes) or None)],
                    m.version,
                )
            except QHError as exc:
                failed(v, exc)
            else:
                done(t("meetings.agenda_saved"))


def render(v: MeetingsView) -> None:
    if v.can_manage:
        create_form(v, expanded=not v.upcoming)
    if not v.upcoming:
        components.empty_state(t("meetings.no_upcoming"))
        return
    chosen = pick(v, v.upcoming, "mt_pick_up")
    state.sync_url(v.f, state.page_params_of_url() | {"view": "prepare", "meeting": str(chosen["id"])})
    m = read("meeting", meeting_id=chosen["id"])
    summary(v, m)
    days = (m.held_on - v.today).days
    st.markdown(t("meetings.days_until", n=fmt.number(days, lang=v.lang)) if days else t("meetings.is_today"))
    if v.can_manage:
        details_form(v, m)
    agenda_editor(v, m)
    if v.can_manage:
        free_item_form(v, m)
        suggestions(v, m)
    downloads(v, m, past_pack=False)
