"""Meetings page, "during": step through the agenda item by item (large type for the projector), record
the conclusions (each becomes tasks) and mark the meeting held."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import components, fmt, state
from dashboard.i18n import t
from dashboard.safe_text import plain
from dashboard.views.meetings_common import (
    MeetingsView,
    conclusion_line,
    done,
    downloads,
    failed,
    pick,
    read,
    summary,
)
from dashboard.views.meetings_prepare import create_form
from qh_data.errors import QHError
from qh_data.services import conclusions as conclusion_svc
from qh_data.services import meetings as svc

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


def step_body(item: dict, lang: str) -> list[str]:
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


def step_through(v: MeetingsView, m) -> None:
    items = read("agenda", meeting_id=m.id, day=min(v.today, m.held_on) if m.status == "held" else v.today)
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
    body = "".join(f"<p>{components.esc(line)}</p>" for line in step_body(item, v.lang))
    counter = components.esc(t("meetings.step", i=step, n=len(items)))
    st.markdown(
        f'<div class="qh-step"><div class="qh-step-count">{counter}'
        f" · {components.esc(kind_word)}</div>"
        f'<div class="qh-step-title">{components.esc(item["title"])}</div>'
        f'<div class="qh-step-body">{body}</div></div>',
        unsafe_allow_html=True,
    )
    state.sync_url(v.f, state.page_params_of_url() | {"step": str(step)})


def conclusion_fields(v: MeetingsView, prefix: str, c: dict | None, min_day: dt.date):
    names = v.agency_names
    text = st.text_area(
        t("meetings.concl_text"), value=c["text"] if c else "", max_chars=8000, key=f"{prefix}_text"
    )
    c1, c2 = st.columns(2)
    options = [None, *names]
    lead0 = c["lead_agency_code"] if c else None
    lead = c1.selectbox(
        t("meetings.concl_lead"),
        options,
        index=options.index(lead0) if lead0 in options else 0,
        format_func=lambda x: t("common.none") if x is None else plain(names[x]),
        key=f"{prefix}_lead",
    )
    due = c2.date_input(
        t("meetings.concl_due"),
        value=c["due_on"] if c else None,
        min_value=min_day,
        format=fmt.date_input_format(v.lang),
        key=f"{prefix}_due",
    )
    supporting = st.multiselect(
        t("meetings.concl_supporting"),
        list(names),
        default=[a["code"] for a in c["supporting"]] if c else [],
        format_func=lambda x: plain(names.get(x, x)),
        placeholder=t("common.none"),
        key=f"{prefix}_supporting",
    )
    all_members = st.checkbox(
        t("meetings.concl_all_members", n=len(v.members)),
        value=bool(c["all_members"]) if c else False,
        key=f"{prefix}_all",
    )
    return text, lead, due, supporting, all_members


def _saved(n: int, res) -> str:
    return t(
        "meetings.concl_saved",
        n=n,
        created=len(res.tasks_created),
        updated=len(res.tasks_updated),
        cancelled=len(res.tasks_cancelled),
    )


def conclusions_section(v: MeetingsView, m) -> None:
    st.markdown(f"### {t('meetings.conclusions_heading')}")
    if not m.conclusions:
        components.empty_state(t("meetings.conclusions_empty"))
    for c in m.conclusions:
        st.markdown(f"**{c['number']}.** {components.esc(c['text'])}", unsafe_allow_html=True)
        st.caption(conclusion_line(v, c))
        if v.can_conclude:
            with st.expander(t("meetings.concl_edit", n=c["number"]), icon=":material/edit:"):
                with st.form(f"concl_edit_{c['id']}"):
                    text, lead, due, supporting, all_members = conclusion_fields(v, f"ce{c['id']}", c, m.held_on)
                    save = st.form_submit_button(t("meetings.concl_edit_submit"), type="primary")
                if save:
                    try:
                        res = conclusion_svc.update_conclusion(
                            v.engine,
                            v.actor,
                            c["id"],
                            c["version"],
                            text=text,
                            due_on=due,
                            lead_agency_code=lead,
                            supporting_agency_codes=supporting,
                            all_members=all_members,
                        )
                    except QHError as exc:
                        failed(v, exc)
                    else:
                        done(_saved(c["number"], res))
                if st.button(t("meetings.concl_remove"), key=f"concl_rm_{c['id']}", icon=":material/delete:"):
                    try:
                        conclusion_svc.remove_conclusion(v.engine, v.actor, c["id"], c["version"])
                    except QHError as exc:
                        failed(v, exc)
                    else:
                        done(t("meetings.concl_removed", n=c["number"]))
    if not v.can_conclude:
        return
    if m.held_on > v.today:
        st.caption(t("meetings.concl_not_yet", date=fmt.date(m.held_on, v.lang)))
        return
    number = max([c["number"] for c in m.conclusions] + [0]) + 1
    with st.form(f"concl_new_{m.id}", clear_on_submit=True):
        st.markdown(f"**{t('meetings.concl_new', n=number)}**")
        text, lead, due, supporting, all_members = conclusion_fields(v, f"cn{m.id}", None, m.held_on)
        st.caption(t("meetings.concl_hint"))
        if st.form_submit_button(t("meetings.concl_submit"), type="primary"):
            draft = conclusion_svc.ConclusionDraft(
                text=text,
                number=number,
                lead_agency_code=lead,
                supporting_agency_codes=tuple(supporting),
                due_on=due,
                all_members=all_members,
            )
            try:
                res = conclusion_svc.save_conclusions(v.engine, v.actor, m.id, [draft])
            except QHError as exc:
                failed(v, exc)
            else:
                done(_saved(number, res))


def render(v: MeetingsView) -> None:
    if not v.meetings:
        components.empty_state(t("meetings.no_meetings"))
        if v.can_manage:
            create_form(v, expanded=True)
        return
    todays = [m for m in v.upcoming if m["held_on"] == v.today]
    default = (todays or v.upcoming or v.past)[0]["id"]
    ordered = v.upcoming + v.past
    if v.compact:
        with st.expander(t("meetings.pick_meeting")):
            chosen = pick(v, ordered, "mt_pick_during", default)
    else:
        chosen = pick(v, ordered, "mt_pick_during", default)
    state.sync_url(v.f, state.page_params_of_url() | {"view": "during", "meeting": str(chosen["id"])})
    m = read("meeting", meeting_id=chosen["id"])
    if not v.compact:
        summary(v, m)
    step_through(v, m)
    conclusions_section(v, m)
    if v.can_manage and m.status == "planned" and m.held_on <= v.today:
        with st.form(f"held_{m.id}"):
            number = st.text_input(t("meetings.notice_number"), max_chars=60, placeholder="45/TB-UBND")
            if st.form_submit_button(t("meetings.mark_held"), icon=":material/task_alt:"):
                try:
                    svc.mark_held(v.engine, v.actor, m.id, m.version, notice_number=number or None)
                except QHError as exc:
                    failed(v, exc)
                else:
                    done(t("meetings.held_done"))
    downloads(v, m, past_pack=m.held_on < v.today or m.status == "held")
