"""Who signs a province's documents (the conclusions notice, the meeting pack). Administrators only.

One write, ``set_signer``: ``require()`` first, one transaction, one audit entry with the values before
and after, and the row's version checked against the one the form showed (another administrator's
change is never overwritten silently). The documents read the setting through
``qh_data.reports.common.document_signer``; with no setting, or a blank name, they print "………"
for the clerk to fill in.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import Engine

from .. import audit, clock
from ..db import session_scope
from ..errors import NotFound, StaleEdit, ValidationFailed
from ..models import SIGNED_DOCUMENTS, AdminUnitVersion, DocumentSigner
from ..permissions import Actor, require
from ..retry import retrying
from ..text import clean_text
from ..units import versions
from ..versioning import bump, check_expected

MAX_LEN = 120


@dataclass(frozen=True)
class SignerDraft:
    authority: str | None = None  # "TL. CHỦ TỊCH"
    deputy: str | None = None  # "KT. CHÁNH VĂN PHÒNG"
    title: str | None = None  # "PHÓ CHÁNH VĂN PHÒNG"
    name: str | None = None  # "Dương Văn Chiều"


def signer_snapshot(row: DocumentSigner) -> dict:
    return {
        "province_code": row.province_code,
        "document": row.document,
        "authority": row.authority,
        "deputy": row.deputy,
        "title": row.title,
        "name": row.name,
        "version": row.version,
    }


def _clean(draft: SignerDraft) -> dict[str, str | None]:
    labels = {"authority": "thẩm quyền ký", "deputy": "dòng ký thay", "title": "chức vụ", "name": "họ và tên"}
    out = {}
    for key, value in asdict(draft).items():
        text = clean_text(value, field=labels[key], max_len=MAX_LEN)
        out[key] = text or None  # blank is "not set": the document prints "………"
    return out


@retrying()
def set_signer(
    engine: Engine,
    actor: Actor,
    *,
    province: str,
    document: str,
    draft: SignerDraft,
    expected_version: int | None,
) -> dict:
    """Set who signs ``document`` ("notice" or "pack") of ``province``; ``expected_version`` is the
    version the form showed (None when there was no setting yet). Returns the stored setting."""
    require(actor, "settings.manage")
    if document not in SIGNED_DOCUMENTS:
        raise ValidationFailed(
            f"Loại văn bản '{document}' không hợp lệ; chọn một trong: {', '.join(SIGNED_DOCUMENTS)}.",
            f"Document kind '{document}' is not valid; choose one of: {', '.join(SIGNED_DOCUMENTS)}.",
        )
    fields = _clean(draft)
    with session_scope(engine) as s:
        province_id = versions.version_id(s, "province", province, clock.today())  # a current setting
        if province_id is None:
            raise NotFound(f"Không có tỉnh mã {province}.", f"There is no province with code {province}.")
        row = s.get(DocumentSigner, (province_id, document), with_for_update=s.bind.dialect.name != "sqlite")
        if row is not None:
            check_expected(s, row, expected_version)
        elif expected_version is not None:  # the form showed a setting that is gone
            raise StaleEdit(
                "Người ký văn bản vừa được người khác thay đổi; hãy tải lại trang và nhập lại.",
                "The document signer was just changed by someone else; reload the page and enter it again.",
            )
        before = signer_snapshot(row) if row is not None else None
        if row is None:
            row = DocumentSigner(province_unit=s.get(AdminUnitVersion, province_id), document=document, version=0)
            s.add(row)
        for key, value in fields.items():
            setattr(row, key, value)
        row.updated_at, row.updated_by_id = clock.now(), actor.user_id
        bump(row)
        s.flush()
        after = signer_snapshot(row)
        audit.record(s, actor, "signer.set", "document_signer", f"{province}/{document}", before, after)
    return after
