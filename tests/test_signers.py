"""Who signs a province's documents: set by an administrator (permission, audit, version check), and
printed by the notice and the pack; no setting, or a blank name, prints "………" to fill in."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from docx import Document
from meeting_fixtures import PROVINCE, seed_small
from sqlalchemy import select

from qh_data import clock
from qh_data.db import read_session
from qh_data.errors import PermissionDenied, StaleEdit, ValidationFailed
from qh_data.models import AuditEntry
from qh_data.permissions import Actor
from qh_data.reports import build_conclusions_notice, build_meeting_pack
from qh_data.reports.docx_base import TO_FILL
from qh_data.services import meetings as msvc
from qh_data.services.signers import SignerDraft, set_signer

ADMIN = Actor(user_id=None, username="quantri", role="admin")
REAL = SignerDraft("TL. CHỦ TỊCH", "KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG", "  Dương Văn Chiều ")


def _signature_lines(raw: bytes) -> list[str]:
    doc = Document(io.BytesIO(raw))
    return [p.text for p in doc.tables[-1].cell(0, 1).paragraphs if p.text]


@pytest.fixture
def meeting(engine):
    clock.freeze(dt.datetime(2026, 4, 1, 8, 0))
    a = seed_small(engine)
    m = msvc.create_meeting(
        engine, a["dpi"], province=PROVINCE, held_on=dt.date(2026, 4, 20), title="Cuộc họp Ban Chỉ đạo"
    )
    yield engine, a, m
    clock.freeze(None)


def test_without_a_setting_the_name_is_left_to_fill_in(meeting):
    engine, _a, m = meeting
    assert _signature_lines(build_conclusions_notice(engine, m.id)) == [
        "TL. CHỦ TỊCH",
        "KT. CHÁNH VĂN PHÒNG",
        "PHÓ CHÁNH VĂN PHÒNG",
        TO_FILL,
    ]
    assert _signature_lines(build_meeting_pack(engine, m.id, with_images=False))[-1] == TO_FILL


def test_an_administrator_sets_the_signer_and_the_documents_print_it(meeting):
    engine, _a, m = meeting
    stored = set_signer(
        engine, ADMIN, province=PROVINCE, document="notice", draft=REAL, expected_version=None
    )
    assert stored["name"] == "Dương Văn Chiều" and stored["version"] == 1
    assert _signature_lines(build_conclusions_notice(engine, m.id))[-1] == "Dương Văn Chiều"
    # the pack has its own signer: still the committee's lines and a name to fill in
    assert _signature_lines(build_meeting_pack(engine, m.id, with_images=False))[0] == "TM. BAN CHỈ ĐẠO"
    with read_session(engine) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity == "document_signer")).one()
        assert entry.entity_id == f"{PROVINCE}/notice" and entry.before is None
        assert json.loads(entry.after)["name"] == "Dương Văn Chiều" and entry.username == "quantri"

    # blanking the name brings back "………"; lines left blank fall back to the usual ones
    stored = set_signer(
        engine,
        ADMIN,
        province=PROVINCE,
        document="notice",
        draft=SignerDraft(title="CHÁNH VĂN PHÒNG", name=" "),
        expected_version=1,
    )
    assert stored["version"] == 2 and stored["name"] is None
    assert _signature_lines(build_conclusions_notice(engine, m.id)) == [
        "TL. CHỦ TỊCH",
        "KT. CHÁNH VĂN PHÒNG",
        "CHÁNH VĂN PHÒNG",
        TO_FILL,
    ]


def test_only_an_administrator_may_set_it_and_a_stale_form_is_refused(meeting):
    engine, a, _m = meeting
    with pytest.raises(PermissionDenied):
        set_signer(engine, a["dpi"], province=PROVINCE, document="notice", draft=REAL, expected_version=None)
    set_signer(engine, ADMIN, province=PROVINCE, document="pack", draft=REAL, expected_version=None)
    with pytest.raises(StaleEdit):  # a second form opened before the first was saved
        set_signer(engine, ADMIN, province=PROVINCE, document="pack", draft=REAL, expected_version=None)
    with pytest.raises(ValidationFailed):
        set_signer(engine, ADMIN, province=PROVINCE, document="memo", draft=REAL, expected_version=None)
    with read_session(engine) as s:
        assert len(s.scalars(select(AuditEntry).where(AuditEntry.entity == "document_signer")).all()) == 1
