"""The issues and meetings pages, run through the real entrypoint (AppTest on dashboard/app.py).

A small province of our own (tests/meeting_fixtures.seed_pages) in a SQLite file: the counts the
pages show are compared with the rows in that file; writes go through the forms as a DPI editor or
an agency editor signed in (QH_AUTH=password with the actor in the session), or are absent for the
read-only kiosk (QH_AUTH=none).
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import shutil

import pytest
from apptest_helpers import APP, assert_clean, texts, vietnamese_strings_in
from meeting_fixtures import MEMBERS, PROVINCE, seed_pages
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from dashboard import i18n
from dashboard.components_text import esc_md
from qh_data import clock, schema
from qh_data.db import make_engine, read_session
from qh_data.models import AgendaItem, AuditEntry, Conclusion, Issue, Task
from qh_data.queries import meeting_briefing as briefing
from qh_data.queries import meetings as meeting_reads
from qh_data.services import agenda as agenda_svc
from qh_data.status import OPEN_ISSUE_STATUSES

NOW = dt.datetime(2026, 4, 10, 9, 0)


def vi(key: str, **kw) -> str:
    return i18n.translate(key, "vi", **kw)


@pytest.fixture(scope="module")
def _seeded_pages(tmp_path_factory):
    """The small province migrated and seeded once per module (a template copied by each test:
    migrating and seeding per test cost more than the test)."""
    path = tmp_path_factory.mktemp("pages") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    try:
        schema.upgrade(engine)
        world = seed_pages(engine)
    finally:
        clock.freeze(None)
        engine.dispose()  # the last connection folds the WAL into the file, which is then copied
    return path, world


@pytest.fixture
def store(_seeded_pages, tmp_path, monkeypatch):
    template, seeded = _seeded_pages
    path = tmp_path / "pages.sqlite3"
    shutil.copyfile(template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    world = copy.deepcopy(seeded)
    clock.freeze(NOW)  # where seed_pages leaves it
    monkeypatch.setenv("QH_DATABASE_URL", url)
    monkeypatch.setenv("QH_AUTH", "none")
    monkeypatch.setenv("QH_PROVINCE", PROVINCE)
    world["engine"] = engine
    yield world
    clock.freeze(None)
    engine.dispose()


def run_page(page: str, params: dict | None = None, actor=None, monkeypatch=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    if actor is not None:
        monkeypatch.setenv("QH_AUTH", "password")
        at.session_state["actor"] = actor
        at.session_state["_auth_last_seen"] = clock.now()
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.switch_page(f"../pages/{page}")  # the page's own address: one run (see apptest_helpers.open_page)
    return at.run()


def buttons(at: AppTest, label: str):
    return [b for b in at.button if b.label == label]


def shown(at: AppTest) -> str:
    return "\n".join(texts(at))


def open_issue_count(engine, **where) -> int:
    with read_session(engine) as s:
        stmt = select(func.count(Issue.id)).where(
            Issue.province_code == PROVINCE, Issue.status.in_(OPEN_ISSUE_STATUSES)
        )
        for column, value in where.items():
            stmt = stmt.where(getattr(Issue, column) == value)
        return s.scalar(stmt)


# --- issues --------------------------------------------------------------------------------------


def test_issue_list_counts_equal_the_store_and_the_kiosk_has_no_write_controls(store):
    at = run_page("issues.py")
    assert_clean(at)
    with read_session(store["engine"]) as s:
        total = s.scalar(select(func.count(Issue.id)).where(Issue.province_code == PROVINCE))
    n = open_issue_count(store["engine"])
    assert vi("issues.count", n=n, total=total) in shown(at)
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == n
    with read_session(store["engine"]) as s:
        codes = set(s.scalars(select(Issue.code).where(Issue.status.in_(OPEN_ISSUE_STATUSES))))
    assert set(at.dataframe[0].value["code"]) == codes
    for label in (vi("issues.new_submit"), vi("issues.update_submit"), vi("issues.decide_submit")):
        assert not buttons(at, label)


def test_issue_list_filtered_to_nothing_says_so(store):
    at = run_page("issues.py", {"sev": "low", "age": "gt90"})
    assert_clean(at)
    assert vi("issues.count", n=0, total=3) in shown(at)
    assert any(vi("issues.empty") == str(i.value) for i in at.info)
    assert not at.dataframe


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"a": "LS-STC"}, {"raised_by_code": "LS-STC"}),
        ({"sev": "critical"}, {"severity": "critical"}),
        ({"st": "awaiting_decision"}, {"status": "awaiting_decision"}),
    ],
)
def test_issue_filters_from_the_link(store, params, where):
    at = run_page("issues.py", params)
    assert_clean(at)
    with read_session(store["engine"]) as s:
        stmt = select(func.count(Issue.id)).where(Issue.province_code == PROVINCE)
        if "status" not in where:
            stmt = stmt.where(Issue.status.in_(OPEN_ISSUE_STATUSES))
        for column, value in where.items():
            stmt = stmt.where(getattr(Issue, column) == value)
        n = s.scalar(stmt)
    assert n > 0
    assert len(at.dataframe[0].value) == n


def test_issue_age_district_and_search_filters(store):
    at = run_page("issues.py", {"age": "gt90"})
    assert list(at.dataframe[0].value["code"]) == ["VM20-2026-001"]  # raised 5/1, 95 days ago
    at = run_page("issues.py", {"d": "180"})
    assert list(at.dataframe[0].value["code"]) == ["VM20-2026-002"]
    assert_clean(at)
    at = run_page("issues.py", {"q": "kinh phi"})  # without diacritics
    assert list(at.dataframe[0].value["code"]) == ["VM20-2026-002"]


def test_dpi_raises_an_issue_and_records_the_decision(store, monkeypatch):
    dpi = store["actors"]["dpi"]
    at = run_page("issues.py", actor=dpi, monkeypatch=monkeypatch)
    assert_clean(at)
    at.text_input(key="new_title").input("Chưa có bản đồ nền tỷ lệ 1/50.000")
    buttons(at, vi("issues.new_submit"))[0].click()
    at.run()
    assert_clean(at)
    with read_session(store["engine"]) as s:
        issue = s.scalar(select(Issue).where(Issue.title == "Chưa có bản đồ nền tỷ lệ 1/50.000"))
        assert issue is not None and issue.raised_by_code == "LS-SKHDT" and issue.status == "open"
        new_id = issue.id
    assert vi("issues.count", n=open_issue_count(store["engine"]), total=4) in shown(at)

    at = run_page("issues.py", {"iss": str(store["issues"]["funding"])}, actor=dpi, monkeypatch=monkeypatch)
    assert_clean(at)
    funding_id = store["issues"]["funding"]
    at.text_area(key=f"decide_text_{funding_id}").input(
        "Đồng ý bổ sung kinh phí từ nguồn dự phòng ngân sách tỉnh."
    )
    at.selectbox(key=f"decide_meeting_{funding_id}").set_value(store["past"])
    buttons(at, vi("issues.decide_submit"))[0].click()
    at.run()
    assert_clean(at)
    with read_session(store["engine"]) as s:
        funding = s.get(Issue, store["issues"]["funding"])
        assert funding.status == "resolved" and funding.decided_at_meeting_id == store["past"]
        assert funding.decision.startswith("Đồng ý bổ sung")
        actions = list(
            s.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.entity == "issue",
                    AuditEntry.username == "dpi",
                    AuditEntry.entity_id.in_([str(new_id), str(funding.id)]),
                )
            )
        )
    assert sorted(actions) == ["issue.create", "issue.decide"]


def test_agency_editor_sees_controls_for_its_own_issues_only(store, monkeypatch):
    stc = store["actors"]["stc"]
    own = run_page("issues.py", {"iss": str(store["issues"]["minor"])}, actor=stc, monkeypatch=monkeypatch)
    assert_clean(own)
    assert buttons(own, vi("issues.update_submit")) and buttons(own, vi("issues.next_on"))
    assert not buttons(own, vi("issues.decide_submit"))
    buttons(own, vi("issues.next_on"))[0].click()
    own.run()
    with read_session(store["engine"]) as s:
        assert s.get(Issue, store["issues"]["minor"]).for_next_meeting
    other = run_page("issues.py", {"iss": str(store["issues"]["old"])}, actor=stc, monkeypatch=monkeypatch)
    assert_clean(other)
    assert not buttons(other, vi("issues.update_submit")) and not buttons(other, vi("issues.decide_submit"))
    assert vi("issues.read_only") in shown(other)


# --- meetings ------------------------------------------------------------------------------------


def test_upcoming_meeting_with_no_agenda_items(store):
    at = run_page("meetings.py")
    assert_clean(at)
    text = shown(at)
    assert "Cuộc họp Ban Chỉ đạo tháng 4 năm 2026" in text
    assert vi("meetings.agenda_empty") in text
    assert not buttons(at, vi("meetings.accept"))  # the kiosk suggests nothing and edits nothing
    during = run_page("meetings.py", {"view": "during", "meeting": str(store["upcoming"])})
    assert_clean(during)
    assert vi("meetings.no_items") in shown(during)
    assert vi("meetings.conclusions_empty") in shown(during)
    assert not buttons(during, vi("meetings.concl_submit"))


def test_dpi_builds_the_agenda_from_suggestions(store, monkeypatch):
    dpi = store["actors"]["dpi"]
    at = run_page("meetings.py", actor=dpi, monkeypatch=monkeypatch)
    assert_clean(at)
    expected = briefing.suggest_agenda(store["engine"], store["upcoming"], as_of=NOW.date())
    # the issue awaiting decision, two overdue tasks (T-1, and the past meeting's task due 5/4), an indicator
    assert [s.kind for s in expected] == ["issue", "task", "task", "indicator"]
    assert len(buttons(at, vi("meetings.accept"))) == len(expected)
    buttons(at, vi("meetings.accept_all", n=4))[0].click()
    at.run()
    assert_clean(at)
    with read_session(store["engine"]) as s:
        kinds = list(
            s.scalars(
                select(AgendaItem.kind)
                .where(AgendaItem.meeting_id == store["upcoming"])
                .order_by(AgendaItem.position)
            )
        )
    assert kinds == ["issue", "task", "task", "indicator"]
    assert vi("meetings.agenda_count", n=4) in shown(at)
    assert vi("meetings.suggestions_empty") in shown(at)
    # a free item, then the last item moved up and the first removed
    free = next(t for t in at.text_input if t.label == vi("meetings.free_title"))
    free.input("Các nội dung khác")
    buttons(at, vi("meetings.free_submit"))[0].click()
    at.run()
    items = meeting_reads.get_meeting(store["engine"], store["upcoming"]).agenda_items
    assert [i.kind for i in items] == ["issue", "task", "task", "indicator", "free"]
    at.button(key=f"ag_up_{items[4].id}").click()
    at.run()
    at.button(key=f"ag_rm_{items[0].id}").click()
    at.run()
    assert_clean(at)
    items = meeting_reads.get_meeting(store["engine"], store["upcoming"]).agenda_items
    assert [(i.position, i.kind) for i in items] == [(1, "task"), (2, "task"), (3, "free"), (4, "indicator")]
    assert vi("meetings.agenda_count", n=4) in shown(at)


def test_during_the_meeting_step_through_and_three_conclusions_become_tasks(store, monkeypatch):
    dpi = store["actors"]["dpi"]
    engine = store["engine"]
    m = meeting_reads.get_meeting(engine, store["upcoming"])
    agenda_svc.add_agenda_items(engine, dpi, m.id, briefing.suggest_agenda(engine, m.id)[:2], m.version)
    before_the_day = run_page(
        "meetings.py", {"view": "during", "meeting": str(m.id)}, actor=dpi, monkeypatch=monkeypatch
    )
    assert vi("meetings.concl_not_yet", date="24/04/2026") in shown(before_the_day)
    assert not buttons(before_the_day, vi("meetings.concl_submit"))
    clock.freeze(dt.datetime(2026, 4, 24, 14, 30))  # the meeting's day
    at = run_page("meetings.py", {"view": "during", "meeting": str(m.id)}, actor=dpi, monkeypatch=monkeypatch)
    assert_clean(at)
    assert vi("meetings.step", i=1, n=2) in shown(at)
    assert esc_md("Thiếu kinh phí thuê tư vấn lập quy hoạch") in shown(at)
    assert at.button(key=f"prev_{m.id}").disabled
    at.button(key=f"next_{m.id}").click()
    at.run()
    assert vi("meetings.step", i=2, n=2) in shown(at)
    assert at.button(key=f"next_{m.id}").disabled

    with read_session(engine) as s:
        before = s.scalar(select(func.count(Task.id)))
    drafts = [
        (
            "Các thành viên Ban Chỉ đạo báo cáo tiến độ lập quy hoạch của ngành, địa phương.",
            "LS-SKHDT",
            True,
            dt.date(2026, 5, 15),
        ),
        ("Sở Tài chính trình phương án kinh phí bổ sung.", "LS-STC", False, dt.date(2026, 5, 5)),
        (
            "Sở Tài nguyên và Môi trường hoàn thiện phương án phân bổ đất đai.",
            "LS-STNMT",
            False,
            dt.date(2026, 6, 1),
        ),
    ]
    for text, lead, all_members, due in drafts:
        at.text_area(key=f"cn{m.id}_text").input(text)
        at.selectbox(key=f"cn{m.id}_lead").set_value(lead)
        at.date_input(key=f"cn{m.id}_due").set_value(due)
        if all_members:
            at.checkbox(key=f"cn{m.id}_all").check()
        buttons(at, vi("meetings.concl_submit"))[0].click()
        at.run()
        assert_clean(at)
    with read_session(engine) as s:
        conclusions = list(
            s.scalars(select(Conclusion).where(Conclusion.meeting_id == m.id).order_by(Conclusion.number))
        )
        assert [c.number for c in conclusions] == [1, 2, 3] and conclusions[0].all_members
        first = list(s.scalars(select(Task.lead_agency_code).where(Task.conclusion_id == conclusions[0].id)))
        after = s.scalar(select(func.count(Task.id)))
    assert sorted(first) == sorted(MEMBERS)
    assert after - before == len(MEMBERS) + 2
    text = shown(at)
    for draft in drafts:
        assert esc_md(draft[0]) in text  # shown escaped (markdown and HTML made inert)

    # the new tasks are on the department progress page, and the notice reads them back
    progress = run_page("progress.py", actor=dpi, monkeypatch=monkeypatch)
    assert_clean(progress)
    table = progress.dataframe[0].value
    assert int(table["assigned"].sum()) == after


def test_past_meetings_show_how_their_tasks_stand(store):
    at = run_page("meetings.py", {"view": "past"})
    assert_clean(at)
    with read_session(store["engine"]) as s:
        n = s.scalar(select(func.count(Task.id)).where(Task.meeting_id == store["past"]))
    assert n == len(MEMBERS) + 1
    assert vi("meetings.tasks_count", n=n) in " ".join(shown(at).split("\n"))
    table = at.dataframe[0].value
    assert len(table) == n
    assert set(table["code"]) == {f"H{store['past']}-KL1-{c}" for c in MEMBERS} | {
        f"H{store['past']}-KL2-LS-STC"
    }
    overdue = table[table["code"] == f"H{store['past']}-KL2-LS-STC"]["status"].iloc[0]
    assert overdue == vi("status.timing.overdue")  # due 5/4, not done on 10/4


@pytest.mark.parametrize("page", ["issues.py", "meetings.py"])
def test_pages_in_english(store, page):
    at = run_page(page, {"lang": "en"})
    assert_clean(at)
    assert vietnamese_strings_in(at) == []


def test_a_stale_edit_is_refused_with_who_and_when_and_the_draft_kept(store, monkeypatch):
    from qh_data.services import issues as isvc

    dpi, stc = store["actors"]["dpi"], store["actors"]["stc"]
    funding = store["issues"]["funding"]
    at = run_page("issues.py", {"iss": str(funding)}, actor=dpi, monkeypatch=monkeypatch)
    clock.freeze(NOW + dt.timedelta(minutes=20))
    current = isvc.get_issue(store["engine"], funding)
    isvc.update_issue(store["engine"], stc, funding, current.version, severity="critical")  # meanwhile
    draft = "Đồng ý về nguyên tắc; giao Sở Tài chính cân đối nguồn."
    at.text_area(key=f"decide_text_{funding}").input(draft)
    buttons(at, vi("issues.decide_submit"))[0].click()
    at.run()
    assert not at.exception
    warning = " ".join(html.unescape(str(w.value)) for w in at.warning)  # shown text, markdown escaped
    assert "Trần Văn Tài Chính" in warning and "09:20" in warning and vi("issues.draft_kept") in warning
    assert at.text_area(key=f"decide_text_{funding}").value == draft
    with read_session(store["engine"]) as s:
        issue = s.get(Issue, funding)
        assert issue.decision is None and issue.severity == "critical"


def test_marking_the_meeting_held_moves_it_to_the_past(store, monkeypatch):
    dpi = store["actors"]["dpi"]
    clock.freeze(dt.datetime(2026, 4, 24, 17, 0))
    at = run_page(
        "meetings.py",
        {"view": "during", "meeting": str(store["upcoming"])},
        actor=dpi,
        monkeypatch=monkeypatch,
    )
    assert_clean(at)
    next(t for t in at.text_input if t.label == vi("meetings.notice_number")).input("52/TB-UBND")
    buttons(at, vi("meetings.mark_held"))[0].click()
    at.run()
    assert_clean(at)
    m = meeting_reads.get_meeting(store["engine"], store["upcoming"])
    assert m.status == "held" and m.notice_number == "52/TB-UBND"
    past = run_page("meetings.py", {"view": "past"}, actor=dpi, monkeypatch=monkeypatch)
    assert_clean(past)
    assert "Cuộc họp Ban Chỉ đạo tháng 4 năm 2026" in shown(past)


# --- on the seeded demo ------------------------------------------------------------------------


@pytest.fixture
def demo(sqlite_demo_url, monkeypatch):
    monkeypatch.setenv("QH_DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("QH_AUTH", "none")
    monkeypatch.setenv("QH_PROVINCE", "20")
    engine = make_engine(sqlite_demo_url)
    yield engine
    engine.dispose()


def test_demo_issue_register_shows_the_stores_counts(demo):
    at = run_page("issues.py")
    assert_clean(at)
    with read_session(demo) as s:
        total = s.scalar(select(func.count(Issue.id)).where(Issue.province_code == "20"))
        n = s.scalar(
            select(func.count(Issue.id)).where(
                Issue.province_code == "20", Issue.status.in_(OPEN_ISSUE_STATUSES)
            )
        )
    assert n > 0
    assert vi("issues.count", n=n, total=total) in shown(at)
    assert len(at.dataframe[0].value) == n
    nothing = run_page("issues.py", {"q": "không có vướng mắc nào như thế này"})
    assert_clean(nothing)
    assert vi("issues.count", n=0, total=total) in shown(nothing)


@pytest.mark.parametrize("view", ["prepare", "during", "past"])
def test_demo_meetings_page(demo, view):
    from qh_data import queries

    at = run_page("meetings.py", {"view": view})
    assert_clean(at)
    if view == "prepare":
        upcoming = queries.upcoming_meeting(demo, "20")
        assert upcoming["title"] in shown(at)
        assert vi("meetings.agenda_count", n=len(upcoming["agenda"])) in shown(at)
    if view == "past":
        last = queries.last_meeting(demo, "20")
        with read_session(demo) as s:
            n = s.scalar(select(func.count(Task.id)).where(Task.meeting_id == last["id"]))
        assert len(at.dataframe[0].value) == n


def test_during_the_meeting_on_the_projector_the_item_comes_first(store):
    engine, dpi = store["engine"], store["actors"]["dpi"]
    m = meeting_reads.get_meeting(engine, store["upcoming"])
    agenda_svc.add_agenda_items(engine, dpi, m.id, [agenda_svc.AgendaDraft("Báo cáo tiến độ lập quy hoạch")], m.version)
    at = run_page("meetings.py", {"view": "during", "meeting": str(m.id), "present": "1"})
    assert_clean(at)
    assert not [x for x in at.title if x.value == vi("meetings.title")]
    assert vi("meetings.step", i=1, n=1) in shown(at)
    assert esc_md("Báo cáo tiến độ lập quy hoạch") in shown(at)
