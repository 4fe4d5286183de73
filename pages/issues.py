"""Khó khăn, vướng mắc — the register of difficulties: filter, raise, propose, decide, next meeting."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from dashboard import auth, components, data, downloads, edits, fmt, page, state, tables, theme
from dashboard.components_text import esc_md
from dashboard.i18n import t
from dashboard.safe_text import plain
from qh_data import clock, permissions
from qh_data.errors import QHError, StaleEdit
from qh_data.models import ISSUE_STATUSES
from qh_data.services import issues as svc
from qh_data.status import AGE_BUCKETS, OPEN_ISSUE_STATUSES
from qh_data.status import ISSUE_SEVERITIES as SEVERITY_ORDER

SEVERITIES = list(SEVERITY_ORDER)  # most serious first


def records(frame) -> list[dict]:
    """DataFrame rows as dicts with pandas' missing markers (NaN, NaT) turned back into None."""
    return [
        {k: (None if v is pd.NaT or (isinstance(v, float) and math.isnan(v)) else v) for k, v in r.items()}
        for r in frame.to_dict("records")
    ]


def _csv_param(key: str, allowed) -> list[str]:
    return [v for v in (state.page_param(key, "") or "").split(",") if v in allowed]


ctx = page.context("issues")
f, lang = ctx.filters, ctx.lang
actor = auth.current_actor()
day = ctx.today

# --- filters (agency and districts come from the sidebar) ---------------------------------------
with st.container(border=True):
    c1, c2, c3 = st.columns([2, 2, 1])
    statuses = c1.multiselect(
        t("issues.filter_status"),
        list(ISSUE_STATUSES),
        format_func=lambda s: t(f"status.issue.{s}"),
        default=_csv_param("st", ISSUE_STATUSES)
        if state.page_param("st") is not None
        else list(OPEN_ISSUE_STATUSES),
        placeholder=t("common.all"),
        key="iss_status",
    )
    severities = c2.multiselect(
        t("issues.filter_severity"),
        SEVERITIES,
        format_func=lambda s: t(f"status.severity.{s}"),
        default=_csv_param("sev", SEVERITIES),
        placeholder=t("common.all"),
        key="iss_sev",
    )
    ages = ["all", *AGE_BUCKETS]
    wanted_age = state.page_param("age", "all")
    age = c3.selectbox(
        t("issues.filter_age"),
        ages,
        index=ages.index(wanted_age) if wanted_age in ages else 0,
        format_func=lambda a: t(f"issues.age.{a}"),
        key="iss_age",
    )
    text = st.text_input(
        t("issues.search"),
        value=state.page_param("q", "") or "",
        placeholder=t("issues.search_hint"),
        key="iss_q",
    )

state.sync_url(
    f,
    state.page_params_of_url()
    | {"st": ",".join(statuses), "sev": ",".join(severities), "age": "" if age == "all" else age, "q": text},
)
family = data.q("agency_family", code=f.agency, as_of=day) if f.agency else None  # + the successor's issues
scope = {"province": f.province, "agency": family, "districts": f.districts or None, "as_of": day}
all_rows = records(data.q("open_issues", **scope, statuses=list(ISSUE_STATUSES)))
rows = records(
    data.q(
        "open_issues",
        **scope,
        statuses=statuses or list(ISSUE_STATUSES),
        severities=severities or None,
        age_bucket=None if age == "all" else age,
        text=text.strip() or None,
    )
)

n_awaiting = sum(1 for r in rows if r["status"] == "awaiting_decision")
n_serious = sum(
    1 for r in rows if r["severity"] in ("critical", "high") and r["status"] in OPEN_ISSUE_STATUSES
)
n_old = sum(1 for r in rows if r["age_days"] > 90 and r["status"] in OPEN_ISSUE_STATUSES)
n_next = sum(1 for r in rows if r["for_next_meeting"])
components.figures(
    [
        (
            t("status.issue.awaiting_decision"),
            fmt.number(n_awaiting, lang=lang),
            theme.ISSUE_STATUS_COLORS["awaiting_decision"],
        ),
        (t("issues.fig_serious"), fmt.number(n_serious, lang=lang), theme.SEVERITY_COLORS["critical"]),
        (t("issues.fig_old"), fmt.number(n_old, lang=lang), theme.SEVERITY_COLORS["high"]),
        (t("issues.fig_next"), fmt.number(n_next, lang=lang), None),
    ]
)
st.markdown(t("issues.count", n=fmt.number(len(rows), lang=lang), total=fmt.number(len(all_rows), lang=lang)))


# --- raise a new issue ------------------------------------------------------------------------------
def raise_form() -> None:
    agencies = data.q("agencies", province=f.province)
    names = {a["code"]: a["name"] for a in agencies}
    if actor.role == "agency_editor":
        choices = [actor.agency_code] if actor.agency_code in names else []
    else:
        choices = list(names)
    if not choices or not permissions.allowed(actor, "issue.create", choices[:1]):
        return
    # an issue is raised today (svc.raise_issue): about the units in force today (communes from 1/7/2025)
    district_names = {u["code"]: u["name"] for u in data.q("filter_units", province=f.province, day=clock.today())}
    tasks = data.q("list_tasks", province=f.province, as_of=day)
    task_names = {int(r.id): f"{r.code} · {r.title[:80]}" for r in tasks.itertuples()}
    with (
        st.expander(t("issues.new_heading"), icon=":material/add_circle:", expanded=not all_rows),
        st.form("issue_new", clear_on_submit=False),
    ):
        title = st.text_input(t("issues.new_title"), max_chars=500, key="new_title")
        description = st.text_area(t("issues.new_description"), max_chars=4000, key="new_description")
        c1, c2 = st.columns(2)
        default = f.agency if f.agency in choices else choices[0]
        agency = c1.selectbox(
            t("issues.new_agency"),
            choices,
            index=choices.index(default),
            format_func=lambda c: plain(names.get(c, c)),
            disabled=len(choices) == 1,
        )
        severity = c2.selectbox(
            t("issues.new_severity"),
            SEVERITIES,
            index=SEVERITIES.index("medium"),
            format_func=lambda s: t(f"status.severity.{s}"),
        )
        units = st.multiselect(
            t("issues.new_units"),
            list(district_names),
            default=[c for c in f.districts if c in district_names],
            format_func=lambda c: plain(district_names.get(c, c)),
            placeholder=t("common.none"),
        )
        task = st.selectbox(
            t("issues.new_task"),
            [None, *task_names],
            placeholder=t("common.none"),
            format_func=lambda i: t("common.none") if i is None else plain(task_names[i]),
        )
        for_next = st.checkbox(t("issues.new_for_next"))
        if st.form_submit_button(t("issues.new_submit"), type="primary"):
            try:
                issue = svc.raise_issue(
                    data.engine(),
                    actor,
                    province=f.province,
                    title=title,
                    raised_by=agency,
                    severity=severity,
                    description=description or None,
                    admin_units=units,
                    related_task_id=task,
                    for_next_meeting=for_next,
                )
            except QHError as exc:
                st.error(esc_md(exc.message(lang)))
            else:
                data.invalidate()
                for key in ("new_title", "new_description"):
                    st.session_state.pop(key, None)
                st.toast(t("issues.created", code=issue.code), icon=":material/check_circle:")
                st.rerun()


raise_form()

if not rows:
    components.empty_state(t("issues.empty") if all_rows else t("issues.empty_none"))
    ctx.footer()
    st.stop()

# --- the list -------------------------------------------------------------------------------------
frame = pd.DataFrame(rows)
view = pd.DataFrame(
    {
        "code": frame["code"],
        "title": frame["title"],
        "severity": frame["severity"].map(lambda s: t(f"status.severity.{s}")),
        "status": frame["status"].map(lambda s: t(f"status.issue.{s}")),
        "age": frame["age_days"],
        "raised_by": tables.holder_names(frame["raised_by_code"], frame["raised_by_short_name"].fillna(
            frame["raised_by_name"]), data.q("holders", as_of=day).set_index("code"), lang),
        "units": frame["units"].replace("", "–"),
        "task": frame["related_task_code"].fillna("–"),
        "next": frame["for_next_meeting"].map(lambda b: "✓" if b else ""),
        "raised_on": frame["raised_on"].map(lambda d: fmt.date(d, lang)),
    }
)
event = st.dataframe(
    view,
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="issue_table",
    height=min(560, 38 + 35 * len(view)),
    column_config={
        "code": t("issues.col_code"),
        "title": st.column_config.TextColumn(t("issues.col_title"), width="medium"),
        "raised_by": t("issues.col_raised_by"),
        "units": t("issues.col_units"),
        "task": t("issues.col_task"),
        "severity": t("issues.col_severity"),
        "status": t("issues.col_status"),
        "age": st.column_config.NumberColumn(t("issues.col_age"), format="%d"),
        "next": t("issues.col_next"),
        "raised_on": t("issues.col_raised_on"),
    },
)
export = view.rename(columns=lambda c: t(f"issues.col_{c}"))
st.download_button(
    t("common.download_xlsx"),
    downloads.xlsx_on_click(export, t("issues.sheet")),
    file_name="kho-khan-vuong-mac.xlsx",
    mime=downloads.XLSX_MIME,
    on_click="ignore",
)

selected = event.selection.rows if event and event.selection else []
wanted = state.page_param("iss")
if selected:
    row = rows[selected[0]]
elif wanted and wanted.isdigit() and any(r["id"] == int(wanted) for r in rows):
    row = next(r for r in rows if r["id"] == int(wanted))
else:
    st.caption(t("issues.select_hint"))
    ctx.footer()
    st.stop()

state.sync_url(f, state.page_params_of_url() | {"iss": str(row["id"])})

# --- one issue ----------------------------------------------------------------------------------------
st.subheader(esc_md(f"{row['code']} · {row['title']}"))
badges = (
    components.badge(t(f"status.issue.{row['status']}"), theme.ISSUE_STATUS_COLORS[row["status"]])
    + " "
    + components.badge(t(f"status.severity.{row['severity']}"), theme.SEVERITY_COLORS[row["severity"]])
)
if row["for_next_meeting"]:
    badges += " " + components.badge(t("issues.col_next"), "#0072B2")
st.markdown(badges, unsafe_allow_html=True)
decided_id = int(row["decided_at_meeting_id"]) if row["decided_at_meeting_id"] is not None else None
decided = f"{fmt.date(row['decided_on'], lang)} · {row['decided_meeting_title']}" if decided_id else None
fields = [
    (t("issues.col_raised_by"), row["raised_by_name"]),
    (
        t("issues.col_raised_on"),
        f"{fmt.date(row['raised_on'], lang)} ({t('issues.age_days', n=row['age_days'])})",
    ),
    (t("issues.col_units"), row["units"] or "–"),
    (
        t("issues.col_task"),
        f"{row['related_task_code']} · {row['related_task_title']}" if row["related_task_code"] else "–",
    ),
    (t("issues.field_description"), row["description"] or "–"),
    (t("issues.field_proposed"), row["proposed_solution"] or "–"),
    (t("issues.field_decision"), row["decision"] or "–"),
    (t("issues.field_meeting"), decided or "–"),
    (t("issues.field_resolved_on"), fmt.date(row["resolved_on"], lang)),
]
st.markdown(
    "  \n".join(f"**{components.esc(k)}:** {components.esc(v)}" for k, v in fields), unsafe_allow_html=True
)

engine = data.engine()
issue_id = int(row["id"])
version = edits.seen_version("issue", issue_id, int(row["version"]))
can_update = permissions.allowed(actor, "issue.update", [row["raised_by_code"]])
can_decide = permissions.allowed(actor, "issue.decide")


def _done(message_key: str) -> None:
    edits.forget("issue", issue_id)
    data.invalidate()
    st.toast(t(message_key), icon=":material/check_circle:")
    st.rerun()


def _stale_or_error(exc: QHError) -> None:
    if isinstance(exc, StaleEdit):
        edits.forget("issue", issue_id)
        st.warning(esc_md(exc.message(lang)) + " " + t("issues.draft_kept"))
    else:
        st.error(esc_md(exc.message(lang)))


if not (can_update or can_decide):
    st.caption(t("issues.read_only"))

if can_update:
    open_now = row["status"] in OPEN_ISSUE_STATUSES
    if open_now:
        label = t("issues.next_off") if row["for_next_meeting"] else t("issues.next_on")
        if st.button(label, key=f"next_{issue_id}", icon=":material/event:"):
            try:
                svc.mark_for_next_meeting(engine, actor, issue_id, version, not row["for_next_meeting"])
            except QHError as exc:
                _stale_or_error(exc)
            else:
                _done("issues.next_saved")
    left, right = st.columns(2, gap="large")
    with left, st.form(f"issue_status_{issue_id}"):
        st.markdown(f"**{t('issues.update_heading')}**")
        status = st.selectbox(
            t("issues.filter_status"),
            list(ISSUE_STATUSES),
            index=list(ISSUE_STATUSES).index(row["status"]),
            format_func=lambda s: t(f"status.issue.{s}"),
        )
        severity = st.selectbox(
            t("issues.filter_severity"),
            SEVERITIES,
            index=SEVERITIES.index(row["severity"]),
            format_func=lambda s: t(f"status.severity.{s}"),
        )
        if st.form_submit_button(t("issues.update_submit")):
            try:
                svc.update_issue(engine, actor, issue_id, version, status=status, severity=severity)
            except QHError as exc:
                _stale_or_error(exc)
            else:
                _done("issues.updated")
    with right, st.form(f"issue_propose_{issue_id}"):
        st.markdown(f"**{t('issues.propose_heading')}**")
        draft_key = f"propose_draft_{issue_id}"
        proposal = st.text_area(
            t("issues.propose_text"),
            max_chars=4000,
            key=f"propose_text_{issue_id}",
            value=st.session_state.get(draft_key, row["proposed_solution"] or ""),
        )
        submit_for_decision = st.checkbox(t("issues.propose_submit_for_decision"), value=True)
        if st.form_submit_button(t("issues.propose_submit"), disabled=not open_now):
            st.session_state[draft_key] = proposal
            try:
                svc.record_proposed_solution(
                    engine, actor, issue_id, proposal, version, submit_for_decision=submit_for_decision
                )
            except QHError as exc:
                _stale_or_error(exc)
            else:
                st.session_state.pop(draft_key, None)
                _done("issues.proposed")

if can_decide:
    meetings = data.q("list_meetings", province=f.province)
    meeting_names = {m["id"]: f"{fmt.date(m['held_on'], lang)} · {m['title']}" for m in meetings}
    held = [m["id"] for m in meetings if m["held_on"] <= day]
    with st.form(f"issue_decide_{issue_id}"):
        st.markdown(f"**{t('issues.decide_heading')}**")
        draft_key = f"decide_draft_{issue_id}"
        decision = st.text_area(
            t("issues.decide_text"),
            max_chars=4000,
            key=f"decide_text_{issue_id}",
            value=st.session_state.get(draft_key, row["decision"] or ""),
        )
        c1, c2 = st.columns(2)
        options = [None, *meeting_names]
        default = decided_id or (held[0] if held else None)
        meeting = c1.selectbox(
            t("issues.decide_meeting"),
            options,
            key=f"decide_meeting_{issue_id}",
            index=options.index(default) if default in options else 0,
            format_func=lambda m: t("issues.no_meeting") if m is None else plain(meeting_names[m]),
        )
        outcomes = ["resolved", "in_progress", "closed"]
        outcome = c2.selectbox(
            t("issues.decide_status"),
            outcomes,
            format_func=lambda s: t(f"status.issue.{s}"),
            key=f"decide_status_{issue_id}",
        )
        if st.form_submit_button(t("issues.decide_submit"), type="primary"):
            st.session_state[draft_key] = decision
            try:
                svc.record_decision(engine, actor, issue_id, decision, meeting, version, status=outcome)
            except QHError as exc:
                _stale_or_error(exc)
            else:
                st.session_state.pop(draft_key, None)
                _done("issues.decided")
ctx.footer()
