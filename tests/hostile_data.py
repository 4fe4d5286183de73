"""Hostile text planted in a seeded demo store, in every free-text field people or imports fill.

``plant(engine)`` writes script, HTML and Markdown payloads (emphasis, links, images from another host,
bare URLs, ``$`` math, ``:red[]`` directives, icons; multi-line text whose lines start Markdown blocks in
an issue description and an agenda note) through the services (task notes, conclusions and the tasks
they create, issue titles, descriptions, proposals and decisions, meeting titles, venues, notes and
agenda items) and straight into the tables for names that arrive by import (an agency and its short
name, which also carries direction controls, an indicator, a district, task titles). Every payload
carries a marker ``XSS-<n>`` so a test can find it. It returns what it planted and where, for the page
(tests/test_hostile_screen.py), document and browser tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from reliability_helpers import actor
from sqlalchemy import select, update

from qh_data import clock
from qh_data.db import read_session, session_scope
from qh_data.models import AdminUnitVersion, Agency, Indicator, IndicatorValue, Issue, Task
from qh_data.services import agenda as agenda_svc
from qh_data.services import conclusions as conclusion_svc
from qh_data.services import issues as issue_service
from qh_data.services import meetings as meeting_service
from qh_data.services import tasks as task_service

# Script, HTML and Markdown payloads (each must reach the screen and the documents as the very same text).
# Markdown: emphasis, links, images from another host (a reader's browser would fetch them), autolinks
# and bare URLs, ``$``/``$$`` math, Streamlit's ``:color[]`` directives, icons and emoji shortcodes.
PAYLOADS = (
    "<script>alert(1)</script> ![ảnh](http://evil.invalid/0.png)",
    "<img src=x onerror=alert(1)> ![ảnh](https://evil.invalid/1.png) **đậm**",
    '<a href="javascript:alert(1)">bấm vào đây</a> ![x](//evil.invalid/2.png) $$x^2$$',
    "[bấm vào đây](javascript:alert(1)) [trang](https://evil.invalid/3) https://evil.invalid/3b www.evil.invalid",
    "<svg/onload=alert(1)> :red[đỏ] :material/home: :smile: :blue-background[nền]",
    '<iframe src="javascript:alert(1)"></iframe> <https://evil.invalid/5> thư@evil.invalid',
    "**đậm** <b>in đậm</b> `mã` ~~gạch~~ $x^2$ _nghiêng_ \\*thoát\\* &amp; &#36; 100%",
    '"><img src=x onerror=alert(1)> ![x][r] [r]: https://evil.invalid/7.png',
)
# Text whose lines start Markdown blocks (headings, lists, quotes, indented code, tables), planted in the
# long-text fields that keep line breaks.
MULTILINE = ("dòng đầu\n# Tiêu đề\n- mục\n1. số\n> trích dẫn\n\n    mã thụt lề\n| a | b |\n|---|---|\n"
             "![ảnh](https://evil.invalid/m.png)\n$$\nx\n$$")
# Direction controls stored by a path other than the forms (a loaded CSV, a restored backup): shown without them.
BIDI_TEXT = "SXD \u202eexe.txt\u202c \u2067ẩn\u2069"
BIDI_SHOWN = "SXD exe.txt ẩn"
# Cells a spreadsheet would run as formulas (each must be exported as text).
FORMULAS = ('=HYPERLINK("http://example.invalid","bấm")', "+1+2", "-2+3", "@SUM(A1:A9)",
            "\t=1+1", "\r=1+1", "=cmd|' /C calc'!A0")
# Query-string values that look like SQL, or are merely enormous.
SQL_FRAGMENTS = ("20' OR '1'='1", "1; DROP TABLE task; --", "x' UNION SELECT password_hash FROM app_user --",
                 "%' OR 1=1 --", "1 OR 1=1", "'); DELETE FROM issue; --")

PROVINCE = "20"
AGENCY = "LS-SXD"  # its agency editor is the demo's editor.sxd
BIDI_AGENCY = "LS-SKHDT"


def marked(n: int, payload: str, prefix: str = "") -> str:
    return f"{prefix}XSS-{n} {payload}"


@dataclass
class Planted:
    texts: list[str] = field(default_factory=list)  # every hostile string written, as stored
    agency_code: str = AGENCY
    agency_name: str = ""
    agency_short_name: str = ""  # carries direction controls (stored by a path other than the forms)
    indicator_code: str = ""
    indicator_name: str = ""
    district_code: str = ""
    district_name: str = ""
    commune_code: str = ""  # a commune in force today (the districts ended on 30/6/2025)
    commune_name: str = ""
    task_ids: list[int] = field(default_factory=list)
    task_codes: list[str] = field(default_factory=list)
    task_titles: list[str] = field(default_factory=list)
    task_notes: list[str] = field(default_factory=list)
    issue_ids: list[int] = field(default_factory=list)
    issue_titles: list[str] = field(default_factory=list)
    issue_descriptions: list[str] = field(default_factory=list)
    proposals: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    held_meeting_id: int = 0
    long_meeting_id: int = 0  # set by tests that give another meeting a 5,000-character title
    held_title: str = ""
    conclusions: list[str] = field(default_factory=list)
    upcoming_meeting_id: int = 0
    meeting_title: str = ""
    meeting_venue: str = ""
    agenda_titles: list[str] = field(default_factory=list)
    agenda_notes: list[str] = field(default_factory=list)


def plant(engine, *, count: int | None = None) -> Planted:
    """Write the payloads into the store (the first ``count`` payloads, all by default)."""
    payloads = PAYLOADS[:count] if count else PAYLOADS
    out = Planted()
    dpi = actor(engine, "dpi")
    editor = actor(engine, "editor.sxd")
    today = clock.today()

    # --- names arriving through an import: written straight into the tables ---
    with session_scope(engine) as s:
        agency = s.get(Agency, AGENCY)
        out.agency_name = agency.name = f"Sở Xây dựng {marked(1, payloads[1])}"
        out.agency_short_name = agency.short_name = f"{BIDI_TEXT} {payloads[0]}"
        other = s.get(Agency, BIDI_AGENCY)  # a second name with direction controls, in every agency picker
        other.name = f"{other.name} {BIDI_TEXT}"
        code = s.scalar(select(IndicatorValue.indicator_code)
                        .join(AdminUnitVersion, AdminUnitVersion.id == IndicatorValue.unit_id)
                        .where(AdminUnitVersion.level == "district", AdminUnitVersion.parent_code == PROVINCE)
                        .order_by(IndicatorValue.indicator_code).limit(1))
        indicator = s.get(Indicator, code)
        out.indicator_code = code
        out.indicator_name = indicator.name_vi = f"{indicator.name_vi} {marked(2, payloads[2])}"
        indicator.name_en = f"{indicator.name_en} {marked(2, payloads[2])}"
        district = s.scalars(select(AdminUnitVersion).where(AdminUnitVersion.parent_code == PROVINCE,
                                                     AdminUnitVersion.level == "district").order_by(AdminUnitVersion.code)).first()
        out.district_code = district.code
        out.district_name = district.name = f"{district.name} {marked(3, payloads[4 % len(payloads)])}"
        for version in s.scalars(select(AdminUnitVersion).where(AdminUnitVersion.level == "district",
                                                                AdminUnitVersion.code == district.code)):
            version.name = out.district_name  # the pages read the unit's versions (issue 14)
        commune = s.scalars(select(AdminUnitVersion).where(
            AdminUnitVersion.parent_code == PROVINCE, AdminUnitVersion.level == "commune",
            AdminUnitVersion.valid_to.is_(None)).order_by(AdminUnitVersion.code)).first()
        out.commune_code = commune.code
        out.commune_name = commune.name = f"{commune.name} {marked(4, payloads[5 % len(payloads)])}"
        tasks = s.scalars(select(Task).where(Task.lead_agency_code == AGENCY,
                                             Task.status.in_(("not_started", "in_progress")),
                                             Task.assigned_on <= today)
                          .order_by(Task.due_on, Task.id).limit(len(payloads))).all()
        for i, (task, payload) in enumerate(zip(tasks, payloads, strict=False)):
            task.title = marked(10 + i, payload, "Nhiệm vụ ")
            out.task_ids.append(task.id)
            out.task_codes.append(task.code)
            out.task_titles.append(task.title)
    out.texts += [out.agency_name, out.indicator_name, out.district_name, out.commune_name, *out.task_titles]

    # --- through the services, as people type them ---
    with read_session(engine) as s:
        versions = {t.id: t.version for t in s.scalars(select(Task).where(Task.id.in_(out.task_ids)))}
    for i, task_id in enumerate(out.task_ids):
        note = marked(20 + i, payloads[i % len(payloads)], "Ghi chú ")
        task_service.update_progress(engine, editor, task_id,
                                     task_service.ProgressChange("in_progress", 10 * (i + 1), note),
                                     versions[task_id])
        out.task_notes.append(note)

    for i, payload in enumerate(payloads):
        title = marked(30 + i, payload, "Vướng mắc ")
        description = marked(40 + i, MULTILINE if i == 2 else payload, "Mô tả ")
        issue = issue_service.raise_issue(engine, editor, province=PROVINCE, title=title, raised_by=AGENCY,
                                          severity="critical" if i % 2 else "high", description=description,
                                          admin_units=[out.commune_code], for_next_meeting=True)
        proposal = marked(50 + i, payload, "Đề xuất ")
        issue = issue_service.record_proposed_solution(engine, editor, issue.id, proposal, issue.version)
        if i % 2:
            decision = marked(60 + i, payload, "Quyết định ")
            issue_service.record_decision(engine, dpi, issue.id, decision, None, issue.version,
                                          status="in_progress")
            out.decisions.append(decision)
        out.issue_ids.append(issue.id)
        out.issue_titles.append(title)
        out.issue_descriptions.append(description)
        out.proposals.append(proposal)

    held_title = marked(70, f"{payloads[0]} {payloads[-2 % len(payloads)]}", "Họp đã diễn ra ")
    held = meeting_service.create_meeting(engine, dpi, province=PROVINCE, held_on=today - dt.timedelta(days=1),
                                          title=held_title,
                                          chair="Chủ tịch")
    out.held_meeting_id = held.id
    out.held_title = held_title
    due = today + dt.timedelta(days=20)
    drafts = [conclusion_svc.ConclusionDraft(text=marked(80 + i, payload, "Kết luận "), lead_agency_code=AGENCY,
                                              due_on=due) for i, payload in enumerate(payloads)]
    conclusion_svc.save_conclusions(engine, dpi, held.id, drafts)
    out.conclusions = [d.text for d in drafts]
    with read_session(engine) as s:
        concluded = s.scalars(select(Task.code).where(Task.meeting_id == held.id)).all()
    out.task_codes += list(concluded)

    out.meeting_title = marked(90, f"{payloads[1]} {payloads[3 % len(payloads)]}", "Họp sắp tới ")
    out.meeting_venue = marked(91, payloads[3 % len(payloads)], "Phòng ")
    meeting_notes = marked(92, payloads[2 % len(payloads)], "Ghi chú họp ")
    upcoming = meeting_service.create_meeting(engine, dpi, province=PROVINCE, held_on=today + dt.timedelta(days=1),
                                              title=out.meeting_title, venue=out.meeting_venue,
                                              notes=meeting_notes, chair="Chủ tịch",
                                              invitees=[AGENCY])
    out.upcoming_meeting_id = upcoming.id
    agenda = [agenda_svc.AgendaDraft(title=marked(100 + i, payload, "Mục "),
                                     notes=marked(110 + i, MULTILINE if i == 1 else payload))
              for i, payload in enumerate(payloads)]
    out.agenda_notes = [a.notes for a in agenda]
    agenda_svc.add_agenda_items(engine, dpi, upcoming.id, agenda, upcoming.version)
    out.agenda_titles = [a.title for a in agenda]

    out.texts += [*out.task_notes, *out.issue_titles, *out.issue_descriptions, *out.proposals, *out.decisions,
                  *out.conclusions, out.meeting_title, out.meeting_venue, *out.agenda_titles, *out.agenda_notes,
                  held_title, meeting_notes]
    return out


def issues_planted(engine, planted: Planted) -> list[Issue]:
    with read_session(engine) as s:
        rows = s.scalars(select(Issue).where(Issue.id.in_(planted.issue_ids)).order_by(Issue.id)).all()
        s.expunge_all()
        return list(rows)


def rename_agency(engine, code: str, name: str) -> None:
    with session_scope(engine) as s:
        s.execute(update(Agency).where(Agency.code == code).values(name=name))
