"""Issue, meeting and reference queries on the small province, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from query_world import KHDT, STC, TODAY, UB1, D, P, T, codes_of, seed, seed_issues
from sqlalchemy import delete

from qh_data import queries
from qh_data.db import session_scope
from qh_data.errors import ValidationFailed
from qh_data.models import (
    AuditEntry,
)


def _seed_with_issues(engine) -> dict:
    ids = seed(engine)
    seed_issues(engine, ids)
    return ids


@pytest.fixture
def issues_world(backend, read_store):
    """(engine, ids): the small province with its issues, seeded once per session and backend and
    shared read-only by the tests that only read."""
    return read_store(backend, "query_world_issues", build=_seed_with_issues, seeded=False)


def test_open_issues(issues_world):
    engine, ids = issues_world
    df = queries.open_issues(engine, P, as_of=TODAY).to_frame()
    assert list(df.columns) == list(queries.ISSUE_COLUMNS)
    assert codes_of(df) == ["VM-2", "VM-1", "VM-3", "VM-6"]  # most severe first
    assert list(df["age_days"]) == [103, 14, 61, 30]
    assert list(df["age_bucket"]) == ["gt90", "lt30", "30to90", "30to90"]
    assert df.set_index("code").loc["VM-3", "units"] == "Huyện Hai"
    by_code = df.set_index("code")
    assert by_code.loc["VM-6", "related_task_code"] == "NV-03"
    assert by_code.loc["VM-6", "related_task_title"] == "Nhiệm vụ NV-03"
    assert by_code.loc["VM-2", "decided_on"] == D(2026, 4, 20)
    assert by_code.loc["VM-2", "decided_meeting_title"] == "Phiên họp thứ nhất"
    assert by_code.loc["VM-2", "raised_by_short"] == "UBND H. Một"

    def codes(**kw):
        return sorted(codes_of(queries.open_issues(engine, P, **({"as_of": TODAY} | kw)).to_frame()))

    assert codes(age_bucket="lt30") == ["VM-1"]
    assert codes(age_bucket="30to90") == ["VM-3", "VM-6"]
    assert codes(age_bucket="gt90") == ["VM-2"]
    assert codes(districts=["901"]) == ["VM-2"]
    assert codes(districts=["902"]) == ["VM-3"]
    assert codes(agency=KHDT) == ["VM-1", "VM-6"]  # raised by it, or about a task it leads
    assert codes(severities=["low", "high"]) == ["VM-1", "VM-6"]
    assert codes(statuses=["resolved"]) == ["VM-4"]
    assert codes(text="vuong mac vm-3") == ["VM-3"]
    assert codes(text="VƯỚNG MẮC") == ["VM-1", "VM-2", "VM-3", "VM-6"]
    resolved = queries.open_issues(engine, P, as_of=TODAY, statuses=["resolved"]).to_frame()
    assert list(resolved["age_days"]) == [50]  # raised 10/1, settled 1/3
    assert codes(as_of=D(2026, 5, 21)) == ["VM-1", "VM-2", "VM-3", "VM-5", "VM-6"]
    with pytest.raises(ValidationFailed):
        queries.open_issues(engine, P, age_bucket="old").to_frame()


def test_issue_counts(issues_world):
    engine, ids = issues_world
    c = queries.issue_counts(engine, P, as_of=TODAY)
    assert c["open_total"] == 4
    by_status = [c[k] for k in ("open", "in_progress", "awaiting_decision", "resolved", "closed")]
    assert by_status == [2, 1, 1, 1, 0]
    assert c["for_next_meeting"] == 1
    assert c["by_severity"] == {"critical": 1, "high": 1, "medium": 1, "low": 1}
    assert c["by_age"] == {"lt30": 1, "30to90": 2, "gt90": 1}
    assert queries.issue_counts(engine, P, districts=["901"], as_of=TODAY)["open_total"] == 1
    assert queries.issue_counts(engine, "98")["open_total"] == 0


def test_meetings(issues_world):
    engine, ids = issues_world
    up = queries.upcoming_meeting(engine, P, TODAY)
    assert up["id"] == ids["m2"] and up["days_until"] == 14 and up["starts_at"] == "08:00"
    assert [a["code"] for a in up["invitees"]] == [KHDT, STC]
    assert [a["title"] for a in up["agenda"]] == ["Khai mạc", "Tiến độ"]
    assert up["agenda"][1]["presenter_short_name"] == "Sở KH&ĐT" and up["agenda_minutes"] == 30
    last = queries.last_meeting(engine, province=P, today=TODAY)
    assert last["id"] == ids["m1"] and last["days_since"] == 25 and last["held_on"] == D(2026, 4, 20)
    assert queries.upcoming_meeting(engine, P, D(2026, 7, 1)) is None
    assert queries.last_meeting(engine, P, D(2026, 4, 20))["id"] == ids["m1"]  # dated today and held
    assert queries.last_meeting(engine, P, D(2026, 4, 19)) is None
    assert queries.last_meeting(engine, P, D(2026, 5, 29))["id"] == ids["m1"]  # m2 dated today, not held yet
    assert queries.last_meeting(engine, P, D(2026, 5, 30))["id"] == ids["m2"]  # its day has passed
    assert [m["id"] for m in queries.list_meetings(engine, province=P)][-1] == ids["m1"]
    assert len(queries.list_meetings(engine, province=P)) == 3


def test_reference_lists_and_version(engine):
    seed(engine)
    assert queries.provinces(engine) == [{"code": "98", "name": "Tỉnh Bên"}, {"code": P, "name": "Tỉnh Thử"}]
    assert [d["code"] for d in queries.districts(engine, P)] == ["901", "902", "903", "904"]
    assert [d["code"] for d in queries.districts(engine, P, on=D(2025, 1, 1))] == ["901", "902", "904"]
    on_last_day = queries.districts(engine, province=P, on=D(2024, 6, 30))
    assert [d["code"] for d in on_last_day] == ["901", "902", "903"]
    ags = queries.agencies(engine, P)
    assert {a["code"] for a in ags} == {KHDT, STC, UB1}
    assert [a["code"] for a in queries.agencies(engine, P, members_only=True)] == [KHDT, UB1]
    empty = queries.data_version(engine)
    with session_scope(engine) as s:
        s.add(AuditEntry(at=T(2026, 5, 1), action="x", entity="task"))
    first = queries.data_version(engine)
    assert first != empty
    # the store emptied and written again (a re-seed, a restore): the same id, a new version
    with session_scope(engine) as s:
        s.execute(delete(AuditEntry))
    with session_scope(engine) as s:
        s.add(AuditEntry(id=int(first.split("@")[0]), at=T(2026, 5, 2), action="x", entity="task"))
    again = queries.data_version(engine)
    assert again != first and again.split("@")[0] == first.split("@")[0]
