"""The demo's documents, reopened with python-docx, measured against the form of Nghị định
30/2020/NĐ-CP, Phụ lục I (the rules a file can show): for the 2020 conference, a held meeting and an
upcoming one, the meeting pack and the conclusions notice each pass every rule below.

Rules checked: A4 portrait; margins top/bottom 20-25 mm, left 30-35 mm, right 15-20 mm; Times New
Roman throughout; the heading's sizes and weights (issuing body 12-13 pt, the body itself bold;
national title 12-13 pt bold upper case; motto 13-14 pt bold with a line of its own below it, as long
as it; number 13 pt; place and date 13-14 pt italic); document type and subject 13-14 pt bold centred,
the line under the subject a third to a half of its width; body paragraphs 13-14 pt, justified, upright,
at least 6 pt apart; "Nơi nhận:" 12 pt bold italic, its list 11-12 pt; the signature block 13-14 pt
bold with a name or "………" to fill in; page numbers centred at the top from page 2 on. And what a
clerk would otherwise retype: the date of a past meeting's notice, a number field without demo text,
agency names in their legal form, no English or app jargon, no internal codes, table headers of at
most three lines, the demo banner in the page header.
"""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from qh_data import queries
from qh_data.reports import build_conclusions_notice, build_meeting_pack
from qh_data.reports import docx_base as d
from qh_data.reports import docx_xml as x

FONT = "Times New Roman"
ENGLISH_OR_JARGON = re.compile(
    r"Open SDG|ESCAP|District|boundaries|Modified|\bvia\b|về đích|xem trang|\(DEMO\)|\bDEMO\b", re.IGNORECASE
)
FIGURE = re.compile(r"[\d.,/%–()\s]+|\((TH|ƯTH|KH) \d{4}\)")
TASK_CODE = re.compile(r"\b[A-Z]{2}-\d{4}-\d{3}\b|\(\+\d+\)")
# a body whose legal name carries "tỉnh", named without it
WITHOUT_TINH = re.compile(r"(Công an|Bộ Chỉ huy Quân sự|Cục Thống kê|Cục Thuế|Cục Hải quan)(?! tỉnh)")


def _meetings(engine) -> dict[str, dict]:
    """The demo's 2020 conference, its newest held regular meeting and its upcoming one (Lạng Sơn)."""
    rows = queries.list_meetings(engine, province="20")
    return {
        "conference_2020": next(m for m in rows if m["held_on"].year == 2020),
        "held": next(m for m in rows if m["status"] == "held" and m["held_on"].year > 2020),
        "upcoming": next(m for m in rows if m["status"] == "planned"),
    }


def _size(run, par) -> float:
    """A run's size in points: its own, else its paragraph style's, else Normal's."""
    for size in (run.font.size, par.style.font.size):
        if size is not None:
            return size.pt
    return Pt(d.BODY_PT).pt


def _font(run, par) -> str | None:
    return run.font.name or par.style.font.name


def _lines(text: str, width_mm: float, size: float, *, bold: bool = True) -> int:
    """How many lines ``text`` takes in a column ``width_mm`` wide, words wrapped greedily."""
    room = width_mm - d.CELL_PADDING_MM
    lines, current = 1, ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and d.text_width_mm(trial, size, bold=bold) > room:
            lines, current = lines + 1, word
        else:
            current = trial
    return lines


def _paragraphs_everywhere(doc):
    yield from doc.paragraphs
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs


def _check_decree(doc, *, kind: str) -> str:
    """Every measurable rule of the form; returns the document's text."""
    section = doc.sections[0]
    assert section.orientation == WD_ORIENT.PORTRAIT
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert 20 <= round(section.top_margin.mm, 1) <= 25 and 20 <= round(section.bottom_margin.mm, 1) <= 25
    assert 30 <= round(section.left_margin.mm, 1) <= 35 and 15 <= round(section.right_margin.mm, 1) <= 20
    assert doc.styles["Normal"].font.name == FONT and doc.styles["Normal"].font.size.pt == 14

    # Times New Roman everywhere, nothing under 11 pt (tables), nothing under 12 pt outside them
    for par in _paragraphs_everywhere(doc):
        for r in par.runs:
            if r.text.strip():
                assert _font(r, par) in (FONT, None), (r.text, _font(r, par))
                assert _size(r, par) >= 11, r.text
    for par in doc.paragraphs:
        for r in par.runs:
            if r.text.strip():
                assert _size(r, par) >= 12, (r.text, _size(r, par))

    # the heading
    heading = doc.tables[0]
    left = [p for p in heading.cell(0, 0).paragraphs if p.text]
    assert all(13 >= _size(r, p) >= 12 for p in left for r in p.runs)
    assert all(r.bold for r in left[-1].runs)  # the issuing body itself
    assert [p.style.name for p in heading.cell(0, 0).paragraphs][-1] == x.RULE
    right = heading.cell(0, 1).paragraphs
    assert right[0].text == d.NATIONAL_TITLE and all(
        r.bold and 12 <= _size(r, right[0]) <= 13 for r in right[0].runs
    )
    assert right[1].text == d.MOTTO
    assert all(r.bold and not r.underline and 13 <= _size(r, right[1]) <= 14 for r in right[1].runs)
    motto_rule = right[2]
    assert motto_rule.style.name == x.RULE and motto_rule.text == ""
    cell_mm = heading.columns[1].width.mm - d.CELL_PADDING_MM
    fmt = motto_rule.paragraph_format
    motto_mm = d.text_width_mm(d.MOTTO, 14, bold=True)
    assert 0.85 * motto_mm <= cell_mm - fmt.left_indent.mm - fmt.right_indent.mm <= 1.15 * motto_mm
    number = heading.cell(1, 0).paragraphs[0]
    assert number.text.startswith("Số:") and all(_size(r, number) == 13 for r in number.runs)
    place = heading.cell(1, 1).paragraphs[0]
    assert all(r.italic and 13 <= _size(r, place) <= 14 for r in place.runs)

    # document type, subject and the line under it
    paras = doc.paragraphs
    doc_type = {"pack": "BÁO CÁO", "notice": "THÔNG BÁO"}[kind]
    at = next(i for i, p in enumerate(paras) if p.text == doc_type)
    for p in paras[at : at + 2]:
        assert p.alignment == WD_ALIGN_PARAGRAPH.CENTER
        assert all(r.bold and 13 <= _size(r, p) <= 14 for r in p.runs)
    subject, rule = paras[at + 1], paras[at + 2]
    assert (
        rule.style.name == x.RULE and rule.paragraph_format.left_indent == rule.paragraph_format.right_indent
    )
    rule_mm = d.TEXT_WIDTH_MM - 2 * rule.paragraph_format.left_indent.mm
    widest = max(d.text_width_mm(line, 14, bold=True) for line in subject.text.split("\n"))
    subject_mm = min(widest, d.TEXT_WIDTH_MM)
    assert subject_mm / 3 <= rule_mm <= subject_mm / 2, (rule_mm, subject_mm)

    # body paragraphs (first-line indent): justified, upright, 13-14 pt, at least 6 pt apart
    body = [p for p in paras[at + 3 :] if p.paragraph_format.first_line_indent and p.text]
    assert len(body) >= 3
    for p in body:
        assert p.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY, p.text
        assert not any(r.italic for r in p.runs), p.text
        assert all(13 <= _size(r, p) <= 14 for r in p.runs), p.text
        assert p.paragraph_format.space_before.pt >= 6, p.text
    # every paragraph below the heading is at least 6 pt from the one before (tables' own cells aside)
    for before, after in zip(paras[at + 2 :], paras[at + 3 :], strict=False):
        if after.text and before.text:
            gap = (before.paragraph_format.space_after or Pt(0)).pt + (
                after.paragraph_format.space_before or Pt(0)
            ).pt
            assert gap >= 6, (before.text, after.text)

    # "Nơi nhận:" and the signature
    signature = doc.tables[-1]
    recipients = signature.cell(0, 0).paragraphs
    assert recipients[0].text == "Nơi nhận:"
    assert all(r.bold and r.italic and _size(r, recipients[0]) == 12 for r in recipients[0].runs)
    assert all(11 <= _size(r, p) <= 12 for p in recipients[1:] for r in p.runs)
    signer = [p for p in signature.cell(0, 1).paragraphs if p.text]
    assert len(signer) >= 3
    assert all(r.bold and 13 <= _size(r, p) <= 14 for p in signer for r in p.runs)
    assert signer[-1].text.strip()  # a name, or "………" to fill in: never an empty line

    # page numbers: centred at the top from page 2 on, none on page 1
    assert section.different_first_page_header_footer
    fields = [
        el.text
        for p in section.header.paragraphs
        if p.alignment == WD_ALIGN_PARAGRAPH.CENTER
        for r in p.runs
        for el in r.element.iter(qn("w:instrText"))
    ]
    assert [f.strip() for f in fields] == ["PAGE"]
    assert not any(
        r.element.findall(qn("w:instrText")) for p in section.first_page_header.paragraphs for r in p.runs
    )

    # tables: headers of at most three lines, no internal codes
    for table in doc.tables[1:-1]:
        for cell, column in zip(table.rows[0].cells, table.columns, strict=False):
            size = _size(cell.paragraphs[0].runs[0], cell.paragraphs[0])
            assert _lines(cell.text, column.width.mm, size) <= 3, cell.text
        # a figure, a date or a "(ƯTH 2026)" stays on its line (no "07/11/202" + "6")
        for row in table.rows[1:]:
            for cell, column in zip(row.cells, table.columns, strict=False):
                for line in cell.text.split("\n"):
                    if FIGURE.fullmatch(line):
                        assert d.text_width_mm(line, 12) <= column.width.mm - d.CELL_PADDING_MM, line

    text = "\n".join(p.text for p in _paragraphs_everywhere(doc))
    assert not ENGLISH_OR_JARGON.search(text), ENGLISH_OR_JARGON.search(text)
    assert not TASK_CODE.search(text), TASK_CODE.search(text)
    assert not WITHOUT_TINH.search(text), text[WITHOUT_TINH.search(text).start() - 40 :][:120]
    # a demo document says so in the page header, not in its body
    headers = [p.text for h in (section.header, section.first_page_header) for p in h.paragraphs]
    assert any(t == d.DEMO_HEADER for t in headers)
    assert "MINH HỌA" not in text
    return text


@pytest.mark.parametrize("which", ["conference_2020", "held", "upcoming"])
def test_documents_of_the_demo_meetings_follow_the_decree(demo_engine, which):
    meeting = _meetings(demo_engine)[which]
    held = meeting["held_on"]

    notice = Document(io.BytesIO(build_conclusions_notice(demo_engine, meeting["id"])))
    text = _check_decree(notice, kind="notice")
    number = notice.tables[0].cell(1, 0).text
    assert re.fullmatch(r"Số:( \d+| {6})/TB-UBND", number), number  # a number, or blank: never a note
    place = notice.tables[0].cell(1, 1).text
    month = f"{held.month:02d}" if held.month < 3 else str(held.month)
    assert place.endswith(f"tháng {month} năm {held.year}"), place  # dated from the meeting, not today
    assert "Giao:" not in text and "Cơ quan chủ trì:" not in text

    pack = Document(io.BytesIO(build_meeting_pack(demo_engine, meeting["id"], with_images=False)))
    _check_decree(pack, kind="pack")


def test_the_2020_notice_reads_like_the_real_one(demo_engine):
    """The assignments name the bodies as the real notice does ("Công an tỉnh", "Bộ Chỉ huy Quân sự
    tỉnh"), with the deadline once, and the stored note ".../TB-UBND (tháng 8/2020)" is not printed."""
    meeting = _meetings(demo_engine)["conference_2020"]
    doc = Document(io.BytesIO(build_conclusions_notice(demo_engine, meeting["id"])))
    text = "\n".join(p.text for p in _paragraphs_everywhere(doc))
    assert doc.tables[0].cell(1, 0).text == "Số:      /TB-UBND"
    assert "ngày       tháng 7 năm 2020" in doc.tables[0].cell(1, 1).text
    item = next(p.text for p in doc.paragraphs if p.text.startswith("4. "))
    given = "Giao Sở Kế hoạch và Đầu tư chủ trì, phối hợp với {} và {} thực hiện."
    helpers = ("Bộ Chỉ huy Quân sự tỉnh", "Công an tỉnh")
    endings = tuple("trước ngày 07/8/2020. " + given.format(*pair) for pair in (helpers, helpers[::-1]))
    assert item.endswith(endings), item
    assert "- Công an tỉnh;" in text and "- Cục Thống kê tỉnh;" in text
    assert "tháng 8/2020" not in text
