"""Every document builds whatever the stored text: 5,000 characters, script, Markdown, direction controls,
control characters, line breaks. Written straight into the tables (as an import or an old backup
would, past the forms' checks) on both backends; each builder must give a valid .docx (every XML part
parses, python-docx opens it), its core properties cut to their 255-character limit, the text itself
in the body (direction and control characters dropped), and no row that Word could not lay out.
"""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from hostile_data import PAYLOADS
from lxml import etree
from sqlalchemy import select, update

from qh_data import reports
from qh_data.db import read_session, session_scope
from qh_data.models import Agency, AgendaItem, Conclusion, Meeting
from qh_data.reports import docx_base

BIDI = "\u202e\u2067\u200f"
CONTROL = "\x01\x0b\x1f"


def long_text(label: str, n: int = 5000) -> str:
    """``label`` then hostile text (payloads, direction and control characters, line breaks) to n characters."""
    chunk = " ".join(PAYLOADS) + f" {BIDI[0]}đảo{BIDI[1]} ký{CONTROL[0]}tự\nxuống dòng{CONTROL[1]} "
    text = label + " " + chunk * (n // len(chunk) + 1)
    return text[:n]


def _meetings(engine) -> tuple[int, int]:
    """A meeting with conclusions (held) and one with agenda items."""
    with read_session(engine) as s:
        held = s.scalar(select(Conclusion.meeting_id).order_by(Conclusion.meeting_id.desc()).limit(1))
        agenda = s.scalar(select(AgendaItem.meeting_id).order_by(AgendaItem.meeting_id.desc()).limit(1))
    assert held and agenda, "the demo has a meeting with conclusions and one with an agenda"
    return held, agenda


def _plant_long(engine) -> dict[str, str]:
    held, agenda = _meetings(engine)
    texts = {"title": long_text("Tiêu đề dài"), "conclusion": long_text("Kết luận dài"),
             "agenda": long_text("Mục dài"), "venue": long_text("Phòng", 300),
             "agency": long_text("Sở Dài", 300)}
    with session_scope(engine) as s:
        for mid in {held, agenda}:
            s.execute(update(Meeting).where(Meeting.id == mid).values(title=texts["title"], venue=texts["venue"],
                                                                       chair=long_text("Chủ tịch", 200)))
        s.execute(update(Conclusion).where(Conclusion.meeting_id == held).values(text=texts["conclusion"]))
        s.execute(update(AgendaItem).where(AgendaItem.meeting_id == agenda).values(title=texts["agenda"],
                                                                                    notes=texts["agenda"]))
        lead = s.scalar(select(Conclusion.lead_agency_code).where(Conclusion.meeting_id == held,
                                                                  Conclusion.lead_agency_code.is_not(None)).limit(1))
        if lead:
            s.execute(update(Agency).where(Agency.code == lead).values(name=texts["agency"]))
    return texts | {"held": held, "agenda_meeting": agenda}


def valid_docx(data: bytes) -> tuple[docx.document.Document, str, str]:
    """(the document, its text, all its XML) after checking every XML part parses."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        xml = []
        for name in zf.namelist():
            if name.endswith((".xml", ".rels")):
                raw = zf.read(name)
                etree.fromstring(raw)  # raises on a character XML does not allow
                xml.append(raw.decode("utf-8"))
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return document, "\n".join(parts), "\n".join(xml)


def shown(text: str) -> str:
    """The stored text as a document shows it: no direction or control characters."""
    return text.translate({ord(c): None for c in BIDI + CONTROL})


def check_properties(document) -> None:
    core = document.core_properties
    for name in ("title", "subject", "author", "keywords", "comments", "category"):
        assert len(getattr(core, name) or "") <= docx_base.CORE_PROPERTY_MAX, name


def test_every_document_builds_with_5000_character_hostile_text(demo_engine):
    t = _plant_long(demo_engine)
    for data in (reports.build_conclusions_notice(demo_engine, t["held"]),
                 reports.build_meeting_pack(demo_engine, t["held"]),
                 reports.build_meeting_pack(demo_engine, t["agenda_meeting"])):
        document, text, xml = valid_docx(data)
        check_properties(document)
        assert not any(c in xml for c in BIDI + CONTROL)
        assert shown(t["title"])[:1000].split("\n")[0] in text  # the title is in the body, as stored
        assert "<w:hyperlink" not in xml
    notice, text, _ = valid_docx(reports.build_conclusions_notice(demo_engine, t["held"]))
    assert notice.core_properties.title.startswith("Thông báo kết luận — Tiêu đề dài")
    assert notice.core_properties.title.endswith("…")
    for line in shown(t["conclusion"]).split("\n"):
        assert line.strip() in text  # every line of the 5,000-character conclusion is there
    _, text, _ = valid_docx(reports.build_meeting_pack(demo_engine, t["agenda_meeting"]))
    assert shown(t["agenda"]).split("\n")[0] in text


def test_core_properties_are_cut_to_their_limit():
    document = docx_base.new_document()
    docx_base.set_properties(document, title="Thông báo — " + "x" * 600, subject="y" * 256)
    assert len(document.core_properties.title) == docx_base.CORE_PROPERTY_MAX
    assert document.core_properties.title.endswith("…")
    assert document.core_properties.subject == "y" * 254 + "…"
    docx_base.set_properties(document, title="Ngắn \u202egọn\x01")
    assert document.core_properties.title == "Ngắn gọn"


@pytest.mark.parametrize(("text", "expected"), [("\x00\x08 văn bản \ufffe\uffff", "văn bản"),
                                              ("\u202e" * 10 + "đảo ngược", "đảo ngược"),
                                              ("dòng a\r\ndòng b\rdòng c", "dòng a\ndòng b\ndòng c")])
def test_a_paragraph_takes_any_text(text, expected):
    document = docx_base.new_document()
    docx_base.body(document, text)
    _, shown_text, _ = valid_docx(docx_base.to_bytes(document))
    assert expected in shown_text


def test_a_page_long_paragraph_is_not_kept_with_the_next(demo_engine):
    """Word and LibreOffice push a 'keep with next' paragraph whole onto the next page: a 5,000-character
    title kept with what follows left blank pages before it (seen in LibreOffice)."""
    t = _plant_long(demo_engine)
    for data in (reports.build_conclusions_notice(demo_engine, t["held"]),
                 reports.build_meeting_pack(demo_engine, t["agenda_meeting"])):
        document = docx.Document(io.BytesIO(data))
        long_kept = [p.text[:40] for p in document.paragraphs
                     if len(p.text) > docx_base.LONG_CELL and p.paragraph_format.keep_with_next]
        short_kept = [p for p in document.paragraphs if p.text and p.paragraph_format.keep_with_next]
        assert long_kept == [] and short_kept  # headings still keep with their text
