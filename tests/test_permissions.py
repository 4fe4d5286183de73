"""Who may do what: the role table, and every write service refusing or allowing each role.

Each service case runs once per role on SQLite. A refused call must raise PermissionDenied and leave
the database exactly as it was (no row changed, no audit entry). On PostgreSQL each case runs for the
two roles on either side of its line (``PG_SAMPLE``): the role with the fewest rights that is allowed,
so every write service runs and audits once on PostgreSQL, and the role with the most rights that is
refused, so every refusal, the agency-scoped ones that read the row's agency included, leaves a
PostgreSQL store unchanged. The decision itself is Python (``permissions.allowed``) and the same on
both backends; what the backend can change is the write and the rollback, which the sample covers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from seeding import units
from sqlalchemy import select

from qh_data import permissions
from qh_data.auth import hash_password
from qh_data.db import read_session, session_scope
from qh_data.errors import PermissionDenied
from qh_data.models import ROLES, AdminUnitVersion, Agency, AuditEntry, Base, Indicator, Task, User
from qh_data.permissions import KIOSK, SYSTEM, Actor, allowed, require
from qh_data.queries import meetings as meeting_reads
from qh_data.services import agenda as agenda_svc
from qh_data.services import conclusions as conclusion_svc
from qh_data.services import intake_profiles as profile_service
from qh_data.services import issues as issue_service
from qh_data.services import meetings as meeting_service
from qh_data.services import reassignment as reassignment_svc
from qh_data.services import signers as signer_service
from qh_data.services import tasks as task_service
from qh_data.services import users as user_service
from qh_data.services import values as value_service

PASSWORD = "mat-khau-thu-nghiem-1"
PASSWORD_HASH = hash_password(PASSWORD)

# The role table of issue 7, written out independently of permissions.ACTIONS:
# action -> roles allowed (for an agency editor: on its own agency only).
ROLE_TABLE: dict[str, set[str]] = {
    "task.update": {"agency_editor", "dpi_editor", "admin"},
    "task.create": {"dpi_editor", "admin"},
    "task.edit": {"dpi_editor", "admin"},
    "issue.create": {"agency_editor", "dpi_editor", "admin"},
    "issue.update": {"agency_editor", "dpi_editor", "admin"},
    "issue.decide": {"dpi_editor", "admin"},
    "meeting.manage": {"dpi_editor", "admin"},
    "conclusion.manage": {"dpi_editor", "admin"},
    "values.submit": {"agency_editor", "dpi_editor", "admin"},
    "values.import_any": {"dpi_editor", "admin"},
    "intake.profile": {"dpi_editor", "admin"},
    "audit.view": {"dpi_editor", "admin"},
    "user.manage": {"admin"},
    "settings.manage": {"admin"},
    "data.seed": {"admin"},
    "units.load": {"admin"},
    "agencies.load": {"admin"},
    "plans.load": {"admin"},
    "agencies.reassign": {"dpi_editor", "admin"},
    "account.password": {"viewer", "agency_editor", "dpi_editor", "admin"},
}
AGENCY_SCOPED = {"task.update", "issue.create", "issue.update", "values.submit"}


# --- a small world of its own: one province, three agencies, one user per role, two tasks --------


@dataclass
class World:
    engine: object
    actors: dict[str, Actor] = field(default_factory=dict)
    task_own: int = 0  # led by agency T-A (the agency editor's own)
    task_other: int = 0  # led by agency T-B
    target_id: int = 0  # a second viewer the user-management cases act on
    ids: dict = field(default_factory=dict)  # rows made by a case's prepare step

    def actor(self, role: str) -> Actor:
        return KIOSK if role == "kiosk" else self.actors[role]


def make_world(engine) -> World:
    now = dt.datetime(2026, 3, 2, 9, 0)
    with session_scope(engine) as s:
        U = units(s)
        s.add(AdminUnitVersion(code="99", name="Tỉnh Thử Nghiệm", level="province"))
        s.flush()
        U = units(s)
        s.add_all([
            Agency(code="T-A", name="Sở Xây dựng (thử)", kind="so", role="SXD", province_unit=U["99"],
                   is_committee_member=True),
            Agency(code="T-B", name="Sở Tài chính (thử)", kind="so", role="STC", province_unit=U["99"],
                   is_committee_member=True),
            Agency(code="T-KHDT", name="Sở Kế hoạch và Đầu tư (thử)", kind="so", role="SKHDT",
                   province_unit=U["99"]),
        ])
        s.flush()
        U = units(s)
        for code, role in (("t_own", "SXD"), ("t_other", "STC")):  # figures owned by T-A and by T-B
            s.add(Indicator(code=code, name_vi=f"Chỉ tiêu {code}", name_en=f"Indicator {code}", unit="%",
                            group="economy", owner_role=role))
        own = Task(code="T-1", title="Báo cáo hiện trạng", province_unit=U["99"], lead_agency_code="T-A",
                   assigned_on=now.date(), due_on=now.date() + dt.timedelta(days=20), created_at=now,
                   updated_at=now, status="in_progress", percent_done=10, version=1)
        other = Task(code="T-2", title="Rà soát ngân sách", province_unit=U["99"], lead_agency_code="T-B",
                     assigned_on=now.date(), due_on=now.date() + dt.timedelta(days=20), created_at=now,
                     updated_at=now, status="in_progress", percent_done=10, version=1)
        s.add_all([own, other])
        s.flush()
        world = World(engine=engine, task_own=own.id, task_other=other.id)
    with session_scope(engine) as s:  # users inserted with one precomputed hash: argon2 is slow on purpose
        U = units(s)
        for username, role, agency in (("viewer.t", "viewer", "T-B"), ("editor.a", "agency_editor", "T-A"),
                                       ("dpi.t", "dpi_editor", "T-KHDT"), ("admin.t", "admin", None),
                                       ("target.t", "viewer", "T-B")):
            user = User(username=username, display_name=username.title(), email=f"{username}@example.gov.vn",
                        role=role, agency_code=agency, password_hash=PASSWORD_HASH, is_active=True,
                        failed_attempts=0, created_at=now, version=1)
            s.add(user)
            s.flush()
            if username == "target.t":
                world.target_id = user.id
            else:
                world.actors[role] = Actor(user.id, user.username, user.role, user.agency_code,
                                           user.display_name)
    return world


def snapshot(engine) -> dict:
    """Every row of every table (the stores here are tiny): a refused write must change none."""
    out = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(r) for r in rows]
    out["audit"] = len(out["audit_entry"])
    return out


def new_audit_users(engine, since: int) -> set[tuple]:
    with read_session(engine) as s:
        return set(s.execute(select(AuditEntry.username, AuditEntry.user_id)
                             .order_by(AuditEntry.id).offset(since)).all())


# --- the cases: every write service in qh_data.services ------------------------------------------
# (name, roles allowed, call(world, actor)[, prepare(world) run before the "before" snapshot])

def _progress(task_attr: str):
    def call(w: World, actor: Actor):
        task_service.update_progress(w.engine, actor, getattr(w, task_attr),
                                     task_service.ProgressChange("in_progress", 60, "đã gửi dự thảo"),
                                     expected_version=1)
    return call


def _lock_target(w: World) -> None:
    with session_scope(w.engine) as s:
        u = s.get(User, w.target_id)
        u.failed_attempts, u.locked_until = 5, dt.datetime(2099, 1, 1)


def _with_issues(w: World) -> None:
    """One open issue raised by the agency editor's own agency (T-A), one by another (T-B)."""
    for key, agency in (("issue_own", "T-A"), ("issue_other", "T-B")):
        issue = issue_service.raise_issue(w.engine, SYSTEM, province="99", title=f"Vướng mắc của {agency}",
                                          raised_by=agency, raised_on=dt.date(2026, 3, 2))
        w.ids[key] = issue.id


def _with_meeting(w: World) -> None:
    """A planned meeting with two agenda items and one saved conclusion (with its task)."""
    meeting = meeting_service.create_meeting(w.engine, SYSTEM, province="99", held_on=dt.date(2026, 3, 10),
                                             title="Phiên họp thứ nhất", invitees=["T-A", "T-B"])
    meeting = agenda_svc.add_agenda_items(
        w.engine, SYSTEM, meeting.id, [agenda_svc.AgendaDraft(title="Báo cáo tiến độ"),
                                       agenda_svc.AgendaDraft(title="Ý kiến các sở")], meeting.version)
    saved = conclusion_svc.save_conclusions(w.engine, SYSTEM, meeting.id, [conclusion_svc.ConclusionDraft(
        text="Sở Xây dựng hoàn thiện báo cáo", lead_agency_code="T-A", due_on=dt.date(2026, 4, 10))])
    full = meeting_reads.get_meeting(w.engine, meeting.id)
    w.ids.update(meeting=meeting.id, meeting_version=full.version,
                 items=[i.id for i in full.agenda_items], conclusion=saved.conclusion_ids[0])


def _save_profile(w: World, a: Actor, name: str = "Hồ sơ xã A") -> dict:
    return profile_service.save_profile(w.engine, a, name=name, sender_key="ubnd xa a", sender_text="UBND XÃ A",
                                        agency_code="T-A", unit_code="99", fingerprint="f1",
                                        mapping={"columns": {}, "rows": {}})


def _with_profile(w: World) -> None:
    w.ids["profile"] = _save_profile(w, SYSTEM, "Hồ sơ có sẵn")["id"]


def _with_ceased_agency(w: World) -> None:
    """T-KHDT merged into T-B on 01/3/2025 and left one open task."""
    with session_scope(w.engine) as s:
        s.get(Agency, "T-KHDT").valid_to = dt.date(2025, 2, 28)
        task = Task(code="T-3", title="Tổng hợp báo cáo", province_unit=s.get(Agency, "T-B").province_unit,
                    lead_agency_code="T-KHDT", assigned_on=dt.date(2025, 1, 6), due_on=dt.date(2027, 1, 6),
                    created_at=dt.datetime(2025, 1, 6), updated_at=dt.datetime(2025, 1, 6), status="not_started",
                    percent_done=0, version=1)
        s.add(task)
        s.flush()
        w.ids["ceased_task"] = task.id


def _issue_call(fn, key: str, **kw):
    return lambda w, a: fn(w.engine, a, w.ids[key], expected_version=1, **kw)


def _propose(key: str):
    return lambda w, a: issue_service.record_proposed_solution(
        w.engine, a, w.ids[key], "Đề nghị bổ sung kinh phí", expected_version=1)


EDITORS = {"agency_editor", "dpi_editor", "admin"}
DPI = {"dpi_editor", "admin"}
SIGNED_IN = {"viewer", "agency_editor", "dpi_editor", "admin"}

CASES = [
    ("tasks.update_progress (own agency's task)", EDITORS, _progress("task_own")),
    ("tasks.update_progress (another agency's task)", {"dpi_editor", "admin"}, _progress("task_other")),
    ("issues.raise_issue (own agency)", EDITORS, lambda w, a: issue_service.raise_issue(
        w.engine, a, province="99", title="Thiếu số liệu quy hoạch", raised_by="T-A")),
    ("issues.raise_issue (another agency)", DPI, lambda w, a: issue_service.raise_issue(
        w.engine, a, province="99", title="Thiếu số liệu quy hoạch", raised_by="T-B")),
    ("issues.update_issue (own agency's)", EDITORS,
     _issue_call(issue_service.update_issue, "issue_own", severity="high"), _with_issues),
    ("issues.update_issue (another agency's)", DPI,
     _issue_call(issue_service.update_issue, "issue_other", severity="high"), _with_issues),
    ("issues.record_proposed_solution (own agency's)", EDITORS,
     _propose("issue_own"), _with_issues),
    ("issues.record_proposed_solution (another agency's)", DPI,
     _propose("issue_other"), _with_issues),
    ("issues.record_decision", DPI, lambda w, a: issue_service.record_decision(
        w.engine, a, w.ids["issue_own"], "Giao Sở Tài chính cân đối", None, expected_version=1),
     _with_issues),
    ("issues.mark_for_next_meeting (own agency's)", EDITORS,
     _issue_call(issue_service.mark_for_next_meeting, "issue_own"), _with_issues),
    ("issues.mark_for_next_meeting (another agency's)", DPI,
     _issue_call(issue_service.mark_for_next_meeting, "issue_other"), _with_issues),
    ("meetings.create_meeting", DPI, lambda w, a: meeting_service.create_meeting(
        w.engine, a, province="99", held_on=dt.date(2026, 5, 5), title="Phiên họp thứ hai")),
    ("meetings.update_meeting", DPI, lambda w, a: meeting_service.update_meeting(
        w.engine, a, w.ids["meeting"], w.ids["meeting_version"], venue="Phòng họp số 2"), _with_meeting),
    ("meetings.mark_held", DPI, lambda w, a: meeting_service.mark_held(
        w.engine, a, w.ids["meeting"], w.ids["meeting_version"], notice_number="12/TB-BCĐ"), _with_meeting),
    ("agenda.add_agenda_items", DPI, lambda w, a: agenda_svc.add_agenda_items(
        w.engine, a, w.ids["meeting"], [agenda_svc.AgendaDraft(title="Việc khác")],
        w.ids["meeting_version"]), _with_meeting),
    ("agenda.remove_agenda_item", DPI, lambda w, a: agenda_svc.remove_agenda_item(
        w.engine, a, w.ids["meeting"], w.ids["items"][0], w.ids["meeting_version"]), _with_meeting),
    ("agenda.reorder_agenda", DPI, lambda w, a: agenda_svc.reorder_agenda(
        w.engine, a, w.ids["meeting"], list(reversed(w.ids["items"])), w.ids["meeting_version"]),
     _with_meeting),
    ("agenda.move_agenda_item", DPI, lambda w, a: agenda_svc.move_agenda_item(
        w.engine, a, w.ids["meeting"], w.ids["items"][1], -1, w.ids["meeting_version"]), _with_meeting),
    ("conclusions.save_conclusions", DPI, lambda w, a: conclusion_svc.save_conclusions(
        w.engine, a, w.ids["meeting"], [conclusion_svc.ConclusionDraft(
            text="Các sở gửi báo cáo", all_members=True, due_on=dt.date(2026, 4, 20))]), _with_meeting),
    ("conclusions.update_conclusion", DPI, lambda w, a: conclusion_svc.update_conclusion(
        w.engine, a, w.ids["conclusion"], 1, due_on=dt.date(2026, 4, 30)), _with_meeting),
    ("conclusions.remove_conclusion", DPI, lambda w, a: conclusion_svc.remove_conclusion(
        w.engine, a, w.ids["conclusion"], 1), _with_meeting),
    ("values.submit_value (own agency's figure)", EDITORS, lambda w, a: value_service.submit_value(
        w.engine, a, indicator="t_own", unit_code="99", period="2025", kind="actual", value="12,5")),
    ("values.submit_value (another agency's figure)", DPI, lambda w, a: value_service.submit_value(
        w.engine, a, indicator="t_other", unit_code="99", period="2025", kind="actual", value="12,5")),
    ("values.import_figures (own agency's figures)", EDITORS, lambda w, a: value_service.import_figures(
        w.engine, a, [value_service.NewFigure("t_own", "99", "2025", "estimate", 7.5)], file_name="sxd.xlsx")),
    ("values.import_figures (another agency's figures)", DPI, lambda w, a: value_service.import_figures(
        w.engine, a, [value_service.NewFigure("t_other", "99", "2025", "estimate", 7.5)], file_name="stc.xlsx")),
    ("users.create_user", {"admin"}, lambda w, a: user_service.create_user(
        w.engine, a, username="moi.tao", display_name="Người Mới", role="viewer", agency_code="T-A",
        password="mat-khau-moi-123")),
    ("users.update_details", {"admin"}, lambda w, a: user_service.update_details(
        w.engine, a, w.target_id, display_name="Tên Mới", email="moi@example.gov.vn")),
    ("users.change_role", {"admin"}, lambda w, a: user_service.change_role(
        w.engine, a, w.target_id, "agency_editor", "T-B")),
    ("users.deactivate_user", {"admin"}, lambda w, a: user_service.deactivate_user(w.engine, a, w.target_id)),
    ("users.reactivate_user", {"admin"}, lambda w, a: user_service.reactivate_user(w.engine, a, w.target_id)),
    ("users.reset_password", {"admin"}, lambda w, a: user_service.reset_password(
        w.engine, a, w.target_id, "mat-khau-dat-lai-9")),
    ("users.unlock_user", {"admin"}, lambda w, a: user_service.unlock_user(w.engine, a, w.target_id),
     _lock_target),
    ("signers.set_signer", {"admin"}, lambda w, a: signer_service.set_signer(
        w.engine, a, province="99", document="notice", draft=signer_service.SignerDraft(name="Nguyễn Văn A"),
        expected_version=None)),
    ("intake_profiles.save_profile", DPI, lambda w, a: _save_profile(w, a)),
    ("intake_profiles.update_profile", DPI, lambda w, a: profile_service.update_profile(
        w.engine, a, w.ids["profile"], 1, name="Hồ sơ đổi tên"), _with_profile),
    ("intake_profiles.delete_profile", DPI, lambda w, a: profile_service.delete_profile(
        w.engine, a, w.ids["profile"], 1), _with_profile),
    ("reassignment.reassign", DPI, lambda w, a: reassignment_svc.reassign(
        w.engine, a, [reassignment_svc.Reassignment("task", w.ids["ceased_task"], 1, ("T-B",))]),
     _with_ceased_agency),
    ("users.change_own_password", SIGNED_IN, lambda w, a: user_service.change_own_password(
        w.engine, a, PASSWORD, "mat-khau-cua-toi-2")),
]
ALL_ROLES = [*ROLES, "kiosk"]
RANK = ["kiosk", "viewer", "agency_editor", "dpi_editor", "admin"]  # fewest rights first


def _pg_sample(allowed_roles: set[str]) -> tuple[str, str]:
    """The least-privileged role allowed and the most-privileged role refused."""
    return (min(allowed_roles, key=RANK.index),
            max((r for r in ALL_ROLES if r not in allowed_roles), key=RANK.index))


PG_SAMPLE = {case[0]: _pg_sample(case[1]) for case in CASES}
MATRIX = [pytest.param("sqlite", case, role, id=f"sqlite-{case[0]}-{role}")
          for case in CASES for role in ALL_ROLES] + [
    pytest.param("postgresql", case, role, id=f"postgresql-{case[0]}-{role}")
    for case in CASES for role in PG_SAMPLE[case[0]]]


def test_every_service_module_is_covered():
    """A write service added later must get its row in CASES (or its own table-driven test)."""
    import importlib
    import inspect
    import pkgutil

    from qh_data import services

    covered = {case[0].split(" ")[0] for case in CASES}
    writes = set()
    for info in pkgutil.iter_modules(services.__path__):
        module_name = info.name
        module = importlib.import_module(f"{services.__name__}.{module_name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            params = list(inspect.signature(fn).parameters)
            mine = fn.__module__ == module.__name__ and not name.startswith("_")
            if mine and params[:2] == ["engine", "actor"]:
                writes.add(f"{module_name}.{name}")
    writes.discard("users.set_active")  # covered through deactivate_user / reactivate_user
    assert writes - covered == set()


def test_the_postgresql_sample_sits_on_each_line():
    for name, allowed_roles, *_ in CASES:
        inside, outside = PG_SAMPLE[name]
        assert inside in allowed_roles and outside not in allowed_roles
        assert all(RANK.index(r) >= RANK.index(inside) for r in allowed_roles), name  # rights only add up
        assert all(RANK.index(r) <= RANK.index(outside) for r in ALL_ROLES if r not in allowed_roles), name


@pytest.mark.parametrize(("backend", "case", "role"), MATRIX)
def test_service_allows_or_refuses_each_role(engine, case, role):
    name, allowed_roles, call, *prepare = case
    world = make_world(engine)
    for step in prepare:
        step(world)
    actor = world.actor(role)
    before = snapshot(engine)
    if role in allowed_roles:
        call(world, actor)
        after = snapshot(engine)
        assert after["audit"] > before["audit"], f"{name} as {role}: no audit entry"
        assert new_audit_users(engine, before["audit"]) == {(actor.username, actor.user_id)}
    else:
        with pytest.raises(PermissionDenied) as err:
            call(world, actor)
        assert err.value.message("vi") != err.value.message("en")
        assert snapshot(engine) == before, f"{name} as {role}: refused but something changed"


def test_agency_editor_cannot_update_another_agencys_task_calling_the_service(engine):
    world = make_world(engine)
    editor = world.actors["agency_editor"]
    before = snapshot(engine)
    with pytest.raises(PermissionDenied) as err:
        task_service.update_progress(engine, editor, world.task_other,
                                     task_service.ProgressChange("done", 100), expected_version=1)
    assert "cơ quan khác" in err.value.message("vi")
    assert snapshot(engine) == before
    # The same editor may update its own agency's task.
    task_service.update_progress(engine, editor, world.task_own, task_service.ProgressChange("done", 100),
                                 expected_version=1)
    with read_session(engine) as s:
        assert s.get(Task, world.task_own).status == "done"
        assert s.get(Task, world.task_other).status == "in_progress"


def test_an_editor_with_no_agency_edits_nothing_scoped(engine):
    make_world(engine)
    orphan = Actor(user_id=None, username="orphan", role="agency_editor", agency_code=None)
    assert not allowed(orphan, "task.update", ["T-A"])
    assert not allowed(orphan, "values.submit", ["T-A"])


def test_refusal_comes_before_any_read(engine):
    """A viewer asking for a task that does not exist is refused, not told the task is missing."""
    make_world(engine)
    with pytest.raises(PermissionDenied):
        task_service.update_progress(engine, KIOSK, 987654, task_service.ProgressChange("done", 100), 1)
    with pytest.raises(PermissionDenied):
        user_service.reset_password(engine, KIOSK, 987654, "mat-khau-bat-ky-1")


# --- the role table itself ------------------------------------------------------------------------


def test_the_action_list_matches_the_issue():
    assert set(permissions.ACTIONS) == set(ROLE_TABLE)
    assert {a for a, (_, scoped) in permissions.ACTIONS.items() if scoped} == AGENCY_SCOPED


@pytest.mark.parametrize("role", ROLES)
def test_role_table(role):
    for action, roles in ROLE_TABLE.items():
        actor = Actor(user_id=1, username="x", role=role, agency_code="T-A")
        assert allowed(actor, action, ["T-A"]) == (role in roles), (role, action)
        if action in AGENCY_SCOPED and role == "agency_editor":
            assert not allowed(actor, action, ["T-B"]), (role, action)
        elif role in roles:
            assert allowed(actor, action, ["T-B"]), (role, action)
    assert set(permissions.actions_for(role)) == {a for a, r in ROLE_TABLE.items() if role in r}


def test_unknown_role_and_kiosk_may_not_write():
    stranger = Actor(user_id=9, username="x", role="superuser")
    for action in ROLE_TABLE:
        assert not allowed(stranger, action)
        if action != "account.password":
            assert not allowed(KIOSK, action)
    assert allowed(SYSTEM, "user.manage")


def test_require_speaks_both_languages():
    with pytest.raises(PermissionDenied) as err:
        require(KIOSK, "task.update")
    assert "không có quyền cập nhật tiến độ nhiệm vụ" in err.value.message("vi")
    assert "may not update a task's progress" in err.value.message("en")
