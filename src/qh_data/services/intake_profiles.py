"""Profiles of the senders' own workbooks (issue 16): save, rename or change, delete. DPI role only
(``intake.profile``), one transaction each, one audit entry with the profile before and after, the row's
version checked against the one the user saw.

What a profile holds (the JSON ``mapping``) is built and read by ``qh_data.intake.profiles``; here it is
stored as given, after its size and its name are checked.
"""

from __future__ import annotations

import json

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from .. import audit, clock
from ..db import session_scope
from ..errors import NotFound, ValidationFailed
from ..models import Agency, IntakeProfile
from ..permissions import Actor, require
from ..retry import retrying
from ..text import clean_text
from ..versioning import bump, check_expected

NAME_MAX = 120
MAPPING_MAX = 500_000  # characters of JSON


def profile_snapshot(row: IntakeProfile) -> dict:
    return {"id": row.id, "name": row.name, "sender_text": row.sender_text, "agency_code": row.agency_code,
            "unit_code": row.unit_code, "fingerprint": row.fingerprint, "version": row.version,
            "mapping_chars": len(row.mapping or "")}


def _name(name: str) -> str:
    text = clean_text(name, field="tên hồ sơ / profile name", max_len=NAME_MAX)
    if not text:
        raise ValidationFailed("Hãy đặt tên cho hồ sơ.", "Give the profile a name.")
    return text


def _mapping_json(mapping: dict) -> str:
    text = json.dumps(mapping, ensure_ascii=False, sort_keys=True)
    if len(text) > MAPPING_MAX:
        raise ValidationFailed("Hồ sơ quá lớn để lưu.", "The profile is too large to save.")
    return text


def _taken(name: str) -> ValidationFailed:
    return ValidationFailed(f"Đã có hồ sơ tên '{name}' hoặc hồ sơ cho cùng đơn vị gửi và cùng bố cục tệp.",
                            f"There is already a profile named '{name}' or one for the same sender and layout.")


def _check_agency(s, agency_code: str | None) -> None:
    if agency_code and s.get(Agency, agency_code) is None:
        raise NotFound(f"Không có cơ quan mã {agency_code}.", f"There is no agency with code {agency_code}.")


@retrying()
def save_profile(engine: Engine, actor: Actor, *, name: str, sender_key: str, sender_text: str | None,
                 agency_code: str | None, unit_code: str | None, fingerprint: str, mapping: dict) -> dict:
    """A new profile, or the profile of the same sender and layout replaced (its version bumped)."""
    require(actor, "intake.profile")
    name = _name(name)
    body = _mapping_json(mapping)
    now = clock.now()
    try:
        with session_scope(engine) as s:
            _check_agency(s, agency_code)
            row = s.scalar(select(IntakeProfile).where(IntakeProfile.sender_key == sender_key,
                                                       IntakeProfile.fingerprint == fingerprint))
            before = profile_snapshot(row) if row is not None else None
            if row is None:
                row = IntakeProfile(created_at=now, created_by_id=actor.user_id, version=0)
                s.add(row)
            row.name, row.sender_key, row.sender_text = name, sender_key, sender_text
            row.agency_code, row.unit_code, row.fingerprint, row.mapping = agency_code, unit_code, fingerprint, body
            row.updated_at, row.updated_by_id = now, actor.user_id
            bump(row)
            s.flush()
            after = profile_snapshot(row)
            audit.record(s, actor, "intake_profile.save", "intake_profile", row.id, before, after)
    except IntegrityError as exc:
        raise _taken(name) from exc
    return after


def _get(s, profile_id: int) -> IntakeProfile:
    row = s.get(IntakeProfile, profile_id, with_for_update=s.bind.dialect.name != "sqlite")
    if row is None:
        raise NotFound(f"Không có hồ sơ số {profile_id}.", f"There is no profile number {profile_id}.")
    return row


@retrying()
def update_profile(engine: Engine, actor: Actor, profile_id: int, expected_version: int, *,
                   name: str | None = None, agency_code: str | None = None, unit_code: str | None = None,
                   mapping: dict | None = None) -> dict:
    """Rename a profile or change its sender or mapping (None leaves a field as it is)."""
    require(actor, "intake.profile")
    new_name = _name(name) if name is not None else None
    body = _mapping_json(mapping) if mapping is not None else None
    try:
        with session_scope(engine) as s:
            row = _get(s, profile_id)
            check_expected(s, row, expected_version)
            before = profile_snapshot(row)
            _check_agency(s, agency_code)
            if new_name is not None:
                row.name = new_name
            if agency_code is not None:
                row.agency_code = agency_code or None
            if unit_code is not None:
                row.unit_code = unit_code or None
            if body is not None:
                row.mapping = body
            row.updated_at, row.updated_by_id = clock.now(), actor.user_id
            bump(row)
            s.flush()
            after = profile_snapshot(row)
            audit.record(s, actor, "intake_profile.update", "intake_profile", row.id, before, after)
    except IntegrityError as exc:
        raise _taken(new_name or "") from exc
    return after


@retrying()
def delete_profile(engine: Engine, actor: Actor, profile_id: int, expected_version: int) -> None:
    require(actor, "intake.profile")
    with session_scope(engine) as s:
        row = _get(s, profile_id)
        check_expected(s, row, expected_version)
        before = profile_snapshot(row)
        s.delete(row)
        s.flush()
        audit.record(s, actor, "intake_profile.delete", "intake_profile", profile_id, before, None)
