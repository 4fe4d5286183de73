"""Cuộc họp — prepare the next meeting (agenda from suggestions), run it item by item and record
its conclusions (which become tasks), and look back at past meetings and how their tasks stand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import auth, components, data, fmt, page, state, theme
from dashboard.components_text import esc_md
from dashboard.i18n import t
from qh_data import clock, meeting_reads, permissions, reports
from qh_data import meeting_briefing_reads as briefing
from qh_data.errors import QHError, StaleEdit
from qh_data.reports.common import load_meeting
from qh_data.services import agenda as agenda_svc
from qh_data.services import conclusions as conclusion_svc
from qh_data.services import meetings as svc

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
VIEWS = ["prepare", "during", "past"]
READS = {
    "meetings": meeting_reads.list_meetings,
    "meeting": load_meeting,
    "agenda": briefing.agenda_details,
    "suggest": briefing.suggest_agenda,
    "tasks": briefing.meeting_tasks,
}

STEP_CSS = """
<style>
.qh-step {border: 2px solid #0B5394; border-radius: 10px; padding: 1.4rem 1.8rem; background: #F7F9FC;
  margin: 0.4rem 0 1rem 0; min-height: 16rem;}
.qh-step-count {font-size: 1.3rem; color: #374151; font-weight: 600; margin-bottom: 0.6rem;}
.qh-step-title {font-size: 2.4rem; font-weight: 700; line-height: 1.2; color: #111827; margin-bottom: 1rem;}
.qh-step-body {font-size: 1.5rem; line-height: 1.45; color: #1F2937;}
@media (max-width: 820px) {.qh-step-title {font-size: 1.8rem;} .qh-step-body {font-size: 1.2rem;}}
</style>
"""


@st.cache_data(ttl=600, show_spinner=False, max_entries=300)
def _read(name: str, url: str, version: int, kwargs: dict):
    return READS[name](data.engine(), **kwargs)


def read(name: str, **kwargs):
    from qh_data import config

    return _read(name, config.database_url(), data.version(), kwargs)


# On the projector during the meeting the current item comes first: no page title, no summary.
COMPACT = (
    state.current().present and (st.session_state.get("mt_view") or state.page_param("view")) == "during"
)
ctx = page.context("meetings", title=not COMPACT)
f, lang = ctx.filters, ctx.lang
actor = auth.current_actor()
engine = data.engine()
today = clock.today()
can_manage = permissions.allowed(actor, "meeting.manage")
can_conclude = permissions.allowed(actor, "conclusion.manage") and permissions.allowed(actor, "task.create")

meetings = read("meetings", province=f.province)
upcoming, past = meeting_reads.split_meetings(meetings, today)
by_id = {m["id"]: m for m in meetings}
agencies = data.q("agencies", province=f.province)
agency_names = {a["code"]: a["name"] for a in agencies}
members = [a["code"] for a in agencies if a["is_committee_member"]]

wanted_view = state.page_param("view", "prepare")
view = st.radio(
    t("meetings.view_label"),
    VIEWS,
    index=VIEWS.index(wanted_view) if wanted_view in VIEWS else 0,
    format_func=lambda v: t(f"meetings.view.{v}"),
    horizontal=True,
    key="mt_view",
)


def meeting_label(m: dict) -> str:
    status = t(f"meetings.status.{m['status']}")
    return f"{fmt.date(m['held_on'], lang)} · {m['title']} ({status})"


def pick(options: list[dict], key: str, default_id: int | None = None) -> dict:
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
        format_func=lambda i: meeting_label(by_id[i]),
    )
    return by_id[mid]


def done(message: str) -> None:
    data.invalidate()
    st.toast(message, icon=":material/check_circle:")
    st.rerun()


def failed(exc: QHError) -> None:
    if isinstance(exc, StaleEdit):
        st.warning(esc_md(exc.message(lang)) + " " + t("meetings.reload_hint"))
    else:
        st.error(esc_md(exc.message(lang)))


def summary(m) -> None:
    st.subheader(esc_md(m.title))
    parts = [fmt.date(m.held_on, lang)]
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
                st.caption(names)
    else:
        st.caption(t("meetings.no_invitees"))


def downloads(m, *, past_pack: bool) -> None:
    st.markdown(f"**{t('meetings.downloads_heading')}**")
    mid = m.id
    slug = m.held_on.strftime("%Y-%m-%d")
    c1, c2 = st.columns(2)
    with c1:
        st.download_button(
            t("meetings.download_pack"),
            data=lambda: reports.build_meeting_pack(data.engine(), mid),
            file_name=f"tai-lieu-hop-BCD-{slug}.docx",
            mime=DOCX,
            key=f"dl_pack_{mid}",
            icon=":material/description:",
            width="stretch",
        )
    with c2:
        st.download_button(
            t("meetings.download_notice"),
            data=lambda: reports.build_conclusions_notice(data.engine(), mid),
            file_name=f"thong-bao-ket-luan-{slug}.docx",
            mime=DOCX,
            key=f"dl_notice_{mid}",
            icon=":material/gavel:",
            width="stretch",
            disabled=not m.conclusions,
        )
    day = m.held_on if past_pack else today
    st.caption(
        t("meetings.pack_as_of_past", date=fmt.date(m.held_on, lang))
        if past_pack
        else t("meetings.pack_as_of", date=fmt.date(day, lang))
    )


# --- prepare the next meeting -----------------------------------------------------------------------


def create_form(expanded: bool) -> None:
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
            list(agency_names),
            default=members,
            format_func=lambda c: agency_names.get(c, c),
        )
        if st.form_submit_button(t("meetings.create_submit"), type="primary"):
            try:
                new = svc.create_meeting(
                    engine,
                    actor,
                    province=f.province,
                    held_on=held_on,
                    title=title,
                    chair=chair or None,
                    venue=venue or None,
                    starts_at=starts_at or None,
                    invitees=invitees,
                )
            except QHError as exc:
                failed(exc)
            else:
                state.sync_url(f, state.page_params_of_url() | {"meeting": str(new.id), "view": "prepare"})
                done(t("meetings.created"))


def details_form(m) -> None:
    with (
        st.expander(t("meetings.details_heading"), icon=":material/edit:"),
        st.form(f"meeting_details_{m.id}"),
    ):
        title = st.text_input(t("meetings.field_title"), value=m.title, max_chars=500)
        c1, c2 = st.columns(2)
        held_on = c1.date_input(t("meetings.field_date"), value=m.held_on, format=fmt.date_input_format(lang))
        starts_at = c2.text_input(t("meetings.field_time"), value=m.starts_at or "", max_chars=5)
        chair = st.text_input(t("meetings.field_chair"), value=m.chair or "", max_chars=200)
        venue = st.text_input(t("meetings.field_venue"), value=m.venue or "", max_chars=300)
        invitees = st.multiselect(
            t("meetings.field_invitees"),
            list(agency_names),
            default=[a["code"] for a in m.invitees if a["code"] in agency_names],
            format_func=lambda c: agency_names.get(c, c),
        )
        if st.form_submit_button(t("meetings.details_submit")):
            try:
                svc.update_meeting(
                    engine,
                    actor,
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
                failed(exc)
            else:
                done(t("meetings.saved"))


def kind_badge(kind: str) -> str:
    colors = {
        "issue": theme.ISSUE_STATUS_COLORS["awaiting_decision"],
        "task": theme.TASK_TIMING_COLORS["overdue"],
        "indicator": theme.PROGRESS_COLORS["limited"],
        "free": "#9E9E9E",
    }
    return components.badge(t(f"meetings.kind.{kind}"), colors.get(kind, "#9E9E9E"))


def agenda_editor(m) -> None:
    items = read("agenda", meeting_id=m.id, day=today)
    st.markdown(f"### {t('meetings.agenda_heading')}")
    if not items:
        components.empty_state(t("meetings.agenda_empty"))
    else:
        st.markdown(t("meetings.agenda_count", n=fmt.number(len(items), lang=lang)))
    for i, item in enumerate(items):
        with st.container(border=True):
            cols = st.columns([8, 1, 1, 1]) if can_manage else [st.container()]
            with cols[0]:
                extra = []
                if item.get("presenter_name"):
                    extra.append(t("meetings.presenter", name=item["presenter_name"]))
                if item.get("minutes"):
                    extra.append(t("meetings.minutes", n=item["minutes"]))
                st.markdown(
                    f"**{item['position']}.** {kind_badge(item['kind'])} {components.esc(item['title'])}",
                    unsafe_allow_html=True,
                )
                if extra:
                    st.caption(" · ".join(extra))
            if can_manage:
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
                            agenda_svc.move_agenda_item(engine, actor, m.id, item["id"], delta, m.version)
                        except QHError as exc:
                            failed(exc)
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
                        agenda_svc.remove_agenda_item(engine, actor, m.id, item["id"], m.version)
                    except QHError as exc:
                        failed(exc)
                    else:
                        done(t("meetings.agenda_saved"))


def suggestions(m) -> None:
    sugg = read("suggest", meeting_id=m.id, as_of=today)
    st.markdown(f"### {t('meetings.suggestions_heading')}")
    st.caption(t("meetings.suggestions_hint"))
    if not sugg:
        components.empty_state(t("meetings.suggestions_empty"))
        return
    if st.button(t("meetings.accept_all", n=len(sugg)), key=f"accept_all_{m.id}", icon=":material/done_all:"):
        try:
            agenda_svc.add_agenda_items(engine, actor, m.id, list(sugg), m.version)
        except QHError as exc:
            failed(exc)
        else:
            done(t("meetings.agenda_saved"))
    for s in sugg:
        with st.container(border=True):
            c1, c2 = st.columns([8, 2])
            reason = t(f"meetings.reason.{s.reason}")
            c1.markdown(f"{kind_badge(s.kind)} {components.esc(s.title)}", unsafe_allow_html=True)
            bits = [reason]
            if s.presenter_code:
                bits.append(agency_names.get(s.presenter_code, s.presenter_code))
            if s.severity:
                bits.append(t(f"status.severity.{s.severity}"))
            c1.caption(" · ".join(bits))
            if c2.button(
                t("meetings.accept"), key=f"accept_{s.kind}_{s.ref}", icon=":material/add:", width="stretch"
            ):
                try:
                    agenda_svc.add_agenda_items(engine, actor, m.id, [s], m.version)
                except QHError as exc:
                    failed(exc)
                else:
                    done(t("meetings.agenda_saved"))


def free_item_form(m) -> None:
    with st.form(f"free_item_{m.id}", clear_on_submit=True):
        st.markdown(f"**{t('meetings.free_heading')}**")
        c1, c2, c3 = st.columns([5, 3, 1])
        title = c1.text_input(t("meetings.free_title"), max_chars=1000)
        presenter = c2.selectbox(
            t("meetings.free_presenter"),
            [None, *agency_names],
            format_func=lambda c: t("common.none") if c is None else agency_names[c],
        )
        minutes = c3.number_input(t("meetings.free_minutes"), min_value=0, max_value=600, value=10, step=5)
        if st.form_submit_button(t("meetings.free_submit")):
            try:
                agenda_svc.add_agenda_items(
                    engine,
                    actor,
                    m.id,
                    [agenda_svc.AgendaDraft(title=title, presenter_code=presenter, minutes=int(minutes) or None)],
                    m.version,
                )
            except QHError as exc:
                failed(exc)
            else:
                done(t("meetings.agenda_saved"))


def prepare_view() -> None:
    if can_manage:
        create_form(expanded=not upcoming)
    if not upcoming:
        components.empty_state(t("meetings.no_upcoming"))
        return
    chosen = pick(upcoming, "mt_pick_up")
    state.sync_url(f, state.page_params_of_url() | {"view": "prepare", "meeting": str(chosen["id"])})
    m = read("meeting", meeting_id=chosen["id"])
    summary(m)
    days = (m.held_on - today).days
    st.markdown(t("meetings.days_until", n=fmt.number(days, lang=lang)) if days else t("meetings.is_today"))
    if can_manage:
        details_form(m)
    agenda_editor(m)
    if can_manage:
        free_item_form(m)
        suggestions(m)
    downloads(m, past_pack=False)


# --- during the meeting -------------------------------------------------------------------------------


def step_body(item: dict) -> list[str]:
    lines: list[str] = []
    if item["kind"] == "issue" and item.get("issue"):
        r = item["issue"]
        lines.append(
            t("meetings.step_raised_by", name=r["raised_by_name"], date=fmt.date(r["raised_on"], lang))
        )
        lines.append(
            t(
                "meetings.step_severity",
                severity=t(f"status.severity.{r['severity']}"),
                status=t(f"status.issue.{r['status']}"),
            )
        )
        if r.get("proposed_solution"):
            lines.append(t("meetings.step_proposal", text=r["proposed_solution"]))
    elif item["kind"] == "task" and item.get("task"):
        r = item["task"]
        lines.append(t("meetings.step_lead", name=r["lead_name"]))
        lines.append(
            t(
                "meetings.step_due",
                date=fmt.date(r["due_on"], lang),
                timing=t(f"status.timing.{r['timing']}"),
                percent=r["percent_done"],
            )
        )
    elif item["kind"] == "indicator" and item.get("indicator"):
        r = item["indicator"]
        lines.append(t("meetings.step_indicator", status=t(f"status.progress.{r.get('status')}")))
        explanation = r.get(f"explanation_{lang}") or r.get("explanation")
        if explanation:
            lines.append(str(explanation))
    if item.get("presenter_name"):
        lines.append(t("meetings.presenter", name=item["presenter_name"]))
    if item.get("notes") and item["kind"] != "issue":
        lines.append(str(item["notes"]))
    return lines


def step_through(m) -> None:
    items = read("agenda", meeting_id=m.id, day=min(today, m.held_on) if m.status == "held" else today)
    st.markdown(STEP_CSS, unsafe_allow_html=True)
    if not items:
        components.empty_state(t("meetings.no_items"))
        return
    key = f"mt_step_{m.id}"
    if key not in st.session_state:
        wanted = state.page_param("step")
        st.session_state[key] = max(1, min(len(items), int(wanted))) if wanted and wanted.isdigit() else 1
    step = max(1, min(len(items), int(st.session_state[key])))
    c1, c2, c3 = st.columns([2, 3, 2])
    if c1.button(
        t("meetings.prev"),
        key=f"prev_{m.id}",
        icon=":material/arrow_back:",
        disabled=step <= 1,
        width="stretch",
    ):
        st.session_state[key] = step - 1
        st.rerun()
    c2.markdown(
        f"<div style='text-align:center;font-size:1.3rem;font-weight:600'>"
        f"{components.esc(t('meetings.step', i=step, n=len(items)))}</div>",
        unsafe_allow_html=True,
    )
    if c3.button(
        t("meetings.next"),
        key=f"next_{m.id}",
        icon=":material/arrow_forward:",
        disabled=step >= len(items),
        width="stretch",
    ):
        st.session_state[key] = step + 1
        st.rerun()
    item = items[step - 1]
    kind_word = t(f"meetings.kind.{item['kind']}")
    body = "".join(f"<p>{components.esc(line)}</p>" for line in step_body(item))
    counter = components.esc(t("meetings.step", i=step, n=len(items)))
    st.markdown(
        f'<div class="qh-step"><div class="qh-step-count">{counter}'
        f" · {components.esc(kind_word)}</div>"
        f'<div class="qh-step-title">{components.esc(item["title"])}</div>'
        f'<div class="qh-step-body">{body}</div></div>',
        unsafe_allow_html=True,
    )
    state.sync_url(f, state.page_params_of_url() | {"step": str(step)})


def conclusion_line(c: dict) -> str:
    bits = []
    if c["all_members"]:
        bits.append(t("meetings.target_all", n=len(members)))
    if c["lead_agency_code"]:
        bits.append(
            t("meetings.lead_line", name=agency_names.get(c["lead_agency_code"], c["lead_agency_code"]))
        )
    if c["supporting"]:
        bits.append(t("meetings.supporting_line", names=", ".join(a["name"] for a in c["supporting"])))
    bits.append(
        t("meetings.due_line", date=fmt.date(c["due_on"], lang)) if c["due_on"] else t("meetings.no_due")
    )
    return " · ".join(bits)


def conclusion_fields(prefix: str, c: dict | None, min_day: dt.date):
    text = st.text_area(
        t("meetings.concl_text"), value=c["text"] if c else "", max_chars=8000, key=f"{prefix}_text"
    )
    c1, c2 = st.columns(2)
    options = [None, *agency_names]
    lead0 = c["lead_agency_code"] if c else None
    lead = c1.selectbox(
        t("meetings.concl_lead"),
        options,
        index=options.index(lead0) if lead0 in options else 0,
        format_func=lambda x: t("common.none") if x is None else agency_names[x],
        key=f"{prefix}_lead",
    )
    due = c2.date_input(
        t("meetings.concl_due"),
        value=c["due_on"] if c else None,
        min_value=min_day,
        format=fmt.date_input_format(lang),
        key=f"{prefix}_due",
    )
    supporting = st.multiselect(
        t("meetings.concl_supporting"),
        list(agency_names),
        default=[a["code"] for a in c["supporting"]] if c else [],
        format_func=lambda x: agency_names.get(x, x),
        placeholder=t("common.none"),
        key=f"{prefix}_supporting",
    )
    all_members = st.checkbox(
        t("meetings.concl_all_members", n=len(members)),
        value=bool(c["all_members"]) if c else False,
        key=f"{prefix}_all",
    )
    return text, lead, due, supporting, all_members


def conclusions_section(m) -> None:
    st.markdown(f"### {t('meetings.conclusions_heading')}")
    if not m.conclusions:
        components.empty_state(t("meetings.conclusions_empty"))
    for c in m.conclusions:
        st.markdown(f"**{c['number']}.** {components.esc(c['text'])}", unsafe_allow_html=True)
        st.caption(conclusion_line(c))
        if can_conclude:
            with st.expander(t("meetings.concl_edit", n=c["number"]), icon=":material/edit:"):
                with st.form(f"concl_edit_{c['id']}"):
                    text, lead, due, supporting, all_members = conclusion_fields(f"ce{c['id']}", c, m.held_on)
                    save = st.form_submit_button(t("meetings.concl_edit_submit"), type="primary")
                if save:
                    try:
                        res = conclusion_svc.update_conclusion(
                            engine,
                            actor,
                            c["id"],
                            c["version"],
                            text=text,
                            due_on=due,
                            lead_agency_code=lead,
                            supporting_agency_codes=supporting,
                            all_members=all_members,
                        )
                    except QHError as exc:
                        failed(exc)
                    else:
                        done(
                            t(
                                "meetings.concl_saved",
                                n=c["number"],
                                created=len(res.tasks_created),
                                updated=len(res.tasks_updated),
                                cancelled=len(res.tasks_cancelled),
                            )
                        )
                if st.button(t("meetings.concl_remove"), key=f"concl_rm_{c['id']}", icon=":material/delete:"):
                    try:
                        conclusion_svc.remove_conclusion(engine, actor, c["id"], c["version"])
                    except QHError as exc:
                        failed(exc)
                    else:
                        done(t("meetings.concl_removed", n=c["number"]))
    if not can_conclude:
        return
    if m.held_on > today:
        st.caption(t("meetings.concl_not_yet", date=fmt.date(m.held_on, lang)))
        return
    number = max([c["number"] for c in m.conclusions] + [0]) + 1
    with st.form(f"concl_new_{m.id}", clear_on_submit=True):
        st.markdown(f"**{t('meetings.concl_new', n=number)}**")
        text, lead, due, supporting, all_members = conclusion_fields(f"cn{m.id}", None, m.held_on)
        st.caption(t("meetings.concl_hint"))
        if st.form_submit_button(t("meetings.concl_submit"), type="primary"):
            try:
                res = conclusion_svc.save_conclusions(
                    engine,
                    actor,
                    m.id,
                    [
                        conclusion_svc.ConclusionDraft(
                            text=text,
                            number=number,
                            lead_agency_code=lead,
                            supporting_agency_codes=tuple(supporting),
                            due_on=due,
                            all_members=all_members,
                        )
                    ],
                )
            except QHError as exc:
                failed(exc)
            else:
                done(
                    t(
                        "meetings.concl_saved",
                        n=number,
                        created=len(res.tasks_created),
                        updated=len(res.tasks_updated),
                        cancelled=len(res.tasks_cancelled),
                    )
                )


def during_view() -> None:
    if not meetings:
        components.empty_state(t("meetings.no_meetings"))
        if can_manage:
            create_form(expanded=True)
        return
    todays = [m for m in upcoming if m["held_on"] == today]
    default = (todays or upcoming or past)[0]["id"]
    ordered = upcoming + past
    if COMPACT:
        with st.expander(t("meetings.pick_meeting")):
            chosen = pick(ordered, "mt_pick_during", default)
    else:
        chosen = pick(ordered, "mt_pick_during", default)
    state.sync_url(f, state.page_params_of_url() | {"view": "during", "meeting": str(chosen["id"])})
    m = read("meeting", meeting_id=chosen["id"])
    if not COMPACT:
        summary(m)
    step_through(m)
    conclusions_section(m)
    if can_manage and m.status == "planned" and m.held_on <= today:
        with st.form(f"held_{m.id}"):
            number = st.text_input(t("meetings.notice_number"), max_chars=60, placeholder="45/TB-UBND")
            if st.form_submit_button(t("meetings.mark_held"), icon=":material/task_alt:"):
                try:
                    svc.mark_held(engine, actor, m.id, m.version, notice_number=number or None)
                except QHError as exc:
                    failed(exc)
                else:
                    done(t("meetings.held_done"))
    downloads(m, past_pack=m.held_on < today or m.status == "held")


# --- past meetings ------------------------------------------------------------------------------------


def past_view() -> None:
    if not past:
        components.empty_state(t("meetings.past_empty"))
        return
    held = [m for m in past if m["status"] == "held"]
    chosen = pick(past, "mt_pick_past", (held or past)[0]["id"])
    state.sync_url(f, state.page_params_of_url() | {"view": "past", "meeting": str(chosen["id"])})
    m = read("meeting", meeting_id=chosen["id"])
    summary(m)
    st.markdown(f"### {t('meetings.conclusions_heading')}")
    if not m.conclusions:
        components.empty_state(t("meetings.conclusions_empty"))
    for c in m.conclusions:
        st.markdown(f"**{c['number']}.** {components.esc(c['text'])}", unsafe_allow_html=True)
        st.caption(conclusion_line(c))
    tasks = read("tasks", meeting_id=m.id, day=ctx.today)
    st.markdown(f"### {t('meetings.tasks_heading', date=fmt.date(ctx.today, lang))}")
    if not tasks:
        components.empty_state(t("meetings.past_no_tasks"))
    else:
        counts: dict[str, int] = {}
        for r in tasks:
            counts[r["timing"]] = counts.get(r["timing"], 0) + 1
        st.markdown(
            t("meetings.tasks_count", n=fmt.number(len(tasks), lang=lang))
            + " "
            + " · ".join(
                f"{t('status.timing.' + k)}: {fmt.number(v, lang=lang)}" for k, v in sorted(counts.items())
            )
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
    downloads(m, past_pack=True)


{"prepare": prepare_view, "during": during_view, "past": past_view}[view]()
ctx.footer()
