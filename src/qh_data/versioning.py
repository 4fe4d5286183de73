"""Optimistic locking, one mechanism for every row that has a ``version`` column.

A save makes a new version of the row (``bump``), and two checks refuse a save that would silently
overwrite somebody else's:

1. **The user's**: a form or a file was filled in on version N; the service refuses the save if the
   row is now at another version: ``check_expected(session, obj, expected_version)`` raises a
   ``StaleEdit`` that names who changed the row and when (the row's ``updated_by``/``updated_at`` where it
   has them, else the last audit entry about it), with ``current_version`` so the page can offer to
   reload.
2. **The ORM's**: every versioned model maps ``version`` as SQLAlchemy's ``version_id_col``
   (``models.versioned``, ``models.VERSIONED``), so each ORM ``UPDATE`` of the row says
   ``WHERE version = <the version this transaction read>``. An update that matches no row (another
   transaction wrote the row after this one read it) raises ``StaleDataError``, which
   ``db.session_scope`` turns into ``concurrent_edit()``'s ``StaleEdit``; nothing is written.

The ORM does not choose the new version (``version_id_generator=False``): a save is a new version
(``bump``) even when it changes no column of the row (a task's progress note), while bookkeeping that is
not an edit (the sign-in's failed-attempt counter) does not make one and so never makes an editor's
form stale. Services lock the row they change (``SELECT ... FOR UPDATE`` on PostgreSQL, ``BEGIN
IMMEDIATE`` on SQLite) before check 1, so check 2 is the safety net for any write that did not.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from .errors import StaleEdit
from .models import AuditEntry, User

SYSTEM_NAME = "hệ thống"

# How each versioned table is named in the audit trail and in a sentence (Vietnamese, English).
AUDIT_ENTITY = {"app_user": "user"}
SUBJECTS: dict[str, tuple[str, str]] = {
    "task": ("Nhiệm vụ này", "This task"),
    "issue": ("Khó khăn, vướng mắc này", "This issue"),
    "meeting": ("Cuộc họp này", "This meeting"),
    "conclusion": ("Kết luận này", "This conclusion"),
    "user": ("Tài khoản này", "This account"),
    "document_signer": ("Người ký văn bản này", "This document signer"),
}


def audit_entity(obj) -> str:
    """The ``entity`` name under which the audit trail records changes of ``obj``."""
    table = inspect(obj).mapper.local_table.name
    return AUDIT_ENTITY.get(table, table)


def _display_name(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return user.display_name if user is not None else None


def last_change(session: Session, obj) -> tuple[str, dt.datetime | None]:
    """(who, when) of the latest change of ``obj``: its own ``updated_by``/``updated_at`` columns where it
    has them, else the latest audit entry about it."""
    if hasattr(obj, "updated_at") and hasattr(obj, "updated_by_id"):
        return _display_name(session, obj.updated_by_id) or SYSTEM_NAME, obj.updated_at
    entry = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == audit_entity(obj), AuditEntry.entity_id == str(obj.id))
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).first()
    if entry is None:
        return SYSTEM_NAME, None
    who = _display_name(session, entry.user_id) or entry.username or SYSTEM_NAME
    return who, entry.at


def stale_edit(session: Session, obj, what: tuple[str, str] | None = None) -> StaleEdit:
    """The refusal of a save made on an old version of ``obj``: who changed it and when.

    ``what`` is how to name the row in the sentence (Vietnamese, English); by default "Nhiệm vụ này" /
    "This task" and the like (``SUBJECTS``).
    """
    what_vi, what_en = what or SUBJECTS.get(audit_entity(obj), ("Bản ghi này", "This record"))
    who, when = last_change(session, obj)
    when_txt = when.strftime("%d/%m/%Y %H:%M") if when else "–"
    return StaleEdit(
        f"{what_vi} vừa được {who} thay đổi lúc {when_txt}; hãy tải lại để xem nội dung mới rồi "
        "cập nhật lại.",
        f"{what_en} was changed by {who} at {when_txt}; reload to see the new version, then update again.",
        changed_by=who, changed_at=when, current_version=obj.version,
    )


def bump(obj) -> int:
    """Give ``obj`` its next version (the save being made); the ORM checks the old one at flush."""
    obj.version = (obj.version or 0) + 1
    return obj.version


def check_expected(session: Session, obj, expected_version: int | None,
                   what: tuple[str, str] | None = None) -> None:
    """Refuse (``StaleEdit``) a save made on version ``expected_version`` when ``obj`` is at another one.

    A missing ``expected_version`` (None) never matches: a save must say which version it was made on.
    """
    if expected_version is None or obj.version != int(expected_version):
        raise stale_edit(session, obj, what)


def concurrent_edit() -> StaleEdit:
    """The ORM's check failed: another transaction changed the row between this one's read and its write."""
    return StaleEdit(
        "Cùng lúc đó có người khác cũng lưu thay đổi cho nội dung này. Chưa có gì được ghi; hãy tải lại để "
        "xem nội dung mới rồi cập nhật lại.",
        "Someone else saved a change to this at the same moment. Nothing was written; reload to see the new "
        "version, then update again.",
    )
