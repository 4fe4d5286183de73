"""The form of a Vietnamese administrative document (Nghị định 30/2020/NĐ-CP, Phụ lục I), in python-docx.

- A4, margins top/bottom 20 mm, left 30 mm, right 15 mm; Times New Roman, body 14 pt.
- The heading is a borderless two-column table: on the left the issuing body (the parent body in
  upper case, the body itself in bold upper case, a short rule under it) and the number and symbol
  ("Số: .../TB-UBND"); on the right the national title (bold upper case, 13 pt) and the motto
  (bold 14 pt) with a line as long as it drawn below it (not an underline through its diacritics),
  then the place and date in italics.
- Document type (bold upper case) and subject (bold) centred, a line a third to a half of the
  subject's width under it; body paragraphs justified, upright, with a first-line indent and at
  least 6 pt between paragraphs; "Nơi nhận:" (bold italic 12 pt) with its 12 pt list on the left
  and the signature block (authority, title; bold upper case; the signer's name, or "………" to fill
  in) on the right.
- Page numbers centred in the header from page 2 on; a demo document says so in the page header.

What python-docx has no API for (the page-number field, borders, shading, header rows) is written
by ``docx_xml`` through python-docx's public elements.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.shared import Cm, Mm, Pt, RGBColor, Twips

from ..text import inert
from . import docx_xml as x

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 12

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
TEXT_WIDTH_MM = 165  # A4 less the 30 mm and 15 mm margins
MIN_GAP_PT = 6  # the decree: at least 6 pt between paragraphs
TO_FILL = "………"  # what the clerk fills in by hand (a name the store does not hold)
MOTTO_RULE_MM = 64  # the motto's width in bold 14 pt Times New Roman
CORE_PROPERTY_MAX = 255  # python-docx refuses a longer title, subject, ... (the OOXML limit)
LONG_CELL = 600  # a table row with a longer cell may break across pages (a taller row could not be laid out)
# Characters XML 1.0 does not allow (python-docx refuses them): C0 controls but tab, line feed and
# carriage return; lone surrogates; the two non-characters U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Heading:
    parent_body: str | None  # "UBND TỈNH LẠNG SƠN" (not bold), or None
    body: str  # "BAN CHỈ ĐẠO LẬP QUY HOẠCH TỈNH" (bold)
    number_line: str  # "Số:      /BC-BCĐ"
    place: str  # "Lạng Sơn"
    date: dt.date | None  # None leaves the day and month blank for the clerk
    doc_type: str | None  # "BÁO CÁO", "THÔNG BÁO"
    subject: str
    blank_day: bool = False  # a draft: the day is filled in when it is signed


@dataclass(frozen=True)
class Signature:
    authority: str | None  # "TM. ỦY BAN NHÂN DÂN", "TL. CHỦ TỊCH", "TM. BAN CHỈ ĐẠO"
    deputy: str | None  # "KT. CHÁNH VĂN PHÒNG"
    title: str  # "PHÓ CHÁNH VĂN PHÒNG"
    name: str | None = None  # None: "………" for the clerk to fill in


def place_and_date(place: str, day: dt.date | None, *, blank_day: bool = False) -> str:
    """ "Lạng Sơn, ngày 07 tháng 8 năm 2020": days below 10 and months 1-2 take a leading zero.

    ``blank_day`` leaves the day for the clerk to fill in when the document is signed (a draft)."""
    if day is None:
        return f"{place}, ngày      tháng      năm       "
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    day_txt = "     " if blank_day else f"{day.day:02d}"
    return f"{place}, ngày {day_txt} tháng {month} năm {day.year}"


def short_date(day: dt.date | None) -> str:
    """ "07/8/2020" as administrative texts write deadlines (day two digits, month as is)."""
    if day is None:
        return ""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{day.day:02d}/{month}/{day.year}"


def _glyph_em(ch: str, bold: bool) -> float:
    """A Times New Roman glyph's width in em, by kind (capitals are the widest, then digits)."""
    if ch == " ":
        return 0.25
    if ch.isdigit():
        return 0.5
    if ch.isupper():
        return 0.72
    if ch.isalpha():
        return 0.5 if bold else 0.46
    return 0.33  # punctuation: . , / ( ) - – %


def text_width_mm(text: str, size_pt: float, *, bold: bool = False, upper: bool = False) -> float:
    """A Times New Roman line's width, estimated glyph by glyph (``upper``: as written in capitals):
    enough to size a rule under a line of text or a table column for a figure."""
    shown = text.upper() if upper else text
    return sum(_glyph_em(ch, bold) for ch in shown) * size_pt * 25.4 / 72


def rule_width_mm(
    text: str, size_pt: float, *, bold: bool = True, upper: bool = False, line_mm: float = TEXT_WIDTH_MM
) -> float:
    """Two fifths of the widest line of ``text`` (between the decree's third and half)."""
    widest = max(text_width_mm(part, size_pt, bold=bold, upper=upper) for part in text.split("\n"))
    return 0.4 * min(widest, line_mm)


def new_document() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15.02)  # 15 mm rounds down to 14.99 in twips
    section.header_distance, section.footer_distance = Mm(10), Mm(10)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    x.font_for_all_scripts(normal, FONT, language="vi-VN")
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    for name in ("Table Grid",):
        if name in [s.name for s in doc.styles]:
            doc.styles[name].font.name = FONT
    x.add_styles(doc)
    _page_numbers(section)
    core = doc.core_properties
    core.language = "vi-VN"
    return doc


def _page_numbers(section) -> None:
    """Page number centred at the top, from the second page (the decree's rule)."""
    section.different_first_page_header_footer = True
    para = section.header.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = para.add_run()
    run.font.size = Pt(13)
    run.font.name = FONT
    x.page_field(run)


def doc_text(value) -> str:
    """Any stored text as a document may hold it: NFC, no direction controls or zero-width characters
    (``text.inert``), no character XML refuses, line breaks as line feeds (a run writes them as breaks)."""
    text = inert(value).replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_XML.sub("", text)


def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, an ellipsis marking a cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def set_properties(doc, *, title: str | None = None, subject: str | None = None) -> None:
    """The document's title and subject (File > Properties), cleaned and cut to their limit."""
    core = doc.core_properties
    if title is not None:
        core.title = cut(" ".join(doc_text(title).split()), CORE_PROPERTY_MAX)
    if subject is not None:
        core.subject = cut(" ".join(doc_text(subject).split()), CORE_PROPERTY_MAX)


def run(par, text: str, *, bold=False, italic=False, underline=False, size: float | None = None):
    r = par.add_run(doc_text(text))
    r.bold, r.italic, r.underline = bold or None, italic or None, underline or None
    r.font.name = FONT
    if size:
        r.font.size = Pt(size)
    return r


def paragraph(
    container,
    text: str = "",
    *,
    align=None,
    bold=False,
    italic=False,
    size: float | None = None,
    indent_first: bool = False,
    before: float = 0,
    after: float = 0,
    keep_with_next=False,
):
    par = container.add_paragraph()
    if text:
        run(par, text, bold=bold, italic=italic, size=size)
    fmt = par.paragraph_format
    if align is not None:
        par.alignment = align
    if indent_first:
        fmt.first_line_indent = Cm(1.0)
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    # a paragraph longer than a table's long cell could fill a page: kept with the next one it would be
    # pushed whole onto a new page, leaving blank pages before it (a 5,000-character meeting title)
    fmt.keep_with_next = (keep_with_next and len(text or "") <= LONG_CELL) or None
    return par


def body(
    doc, text: str, *, bold=False, before: float = MIN_GAP_PT, after: float = 0, size: float | None = None
):
    """A justified, upright body paragraph with a 1 cm first-line indent, at least 6 pt after the
    one before it, leading 1.15."""
    par = paragraph(
        doc,
        text,
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
        bold=bold,
        size=size,
        indent_first=True,
        before=max(before, MIN_GAP_PT),
        after=after,
    )
    par.paragraph_format.line_spacing = 1.15
    return par


def section_title(doc, text: str):
    par = paragraph(
        doc,
        text,
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
        bold=True,
        indent_first=True,
        before=12,
        after=0,
        keep_with_next=True,
    )
    return par


def in_sentence(title: str) -> str:
    """A meeting title used inside a sentence: "Cuộc họp ..." becomes "cuộc họp ..." (a named
    conference, "Hội nghị ...", keeps its capital as in the reference notice)."""
    for word in ("Cuộc họp ", "Họp ", "Phiên họp "):
        if title.startswith(word):
            return title[0].lower() + title[1:]
    return title


def _rule(container, width_mm: float, line_mm: float, *, after: float = 4):
    """A centred horizontal line ``width_mm`` long under the paragraph above: an empty paragraph of
    the rule style (a bottom border) indented equally on both sides of a ``line_mm`` wide space."""
    par = container.add_paragraph(style=x.RULE)
    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt = par.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(after)
    _thin(par)
    side = max(0.0, (line_mm - width_mm) / 2)
    fmt.left_indent, fmt.right_indent = Mm(side), Mm(side)
    r = par.add_run("")
    r.font.size = Pt(2)
    return par


def _thin(par) -> None:
    """An empty paragraph 7 pt high, so the rule it carries sits just under the text above."""
    par.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    par.paragraph_format.line_spacing = Pt(7)


def _fixed_layout(table, widths_mm: list[float]) -> None:
    """Columns of the given widths that Word and LibreOffice keep (fixed layout, grid and cells)."""
    table.autofit = False
    twips = [Twips(int(mm / 25.4 * 1440)) for mm in widths_mm]  # whole twips, as Word stores them
    for column, width in zip(table.columns, twips, strict=False):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, twips, strict=False):
            cell.width = width


HEADING_WIDTHS_MM = (68, 100)
CELL_PADDING_MM = 3.8  # Word's default left and right cell margins, 0.19 cm each


def heading(doc, h: Heading) -> None:
    """The top of the document: issuing body | national title and motto; number | place and date;
    then the document type and subject."""
    table = doc.add_table(rows=2, cols=2, style=x.BORDERLESS)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _fixed_layout(table, list(HEADING_WIDTHS_MM))
    left_mm, right_mm = (w - CELL_PADDING_MM for w in HEADING_WIDTHS_MM)
    left, right = table.cell(0, 0), table.cell(0, 1)
    lp = left.paragraphs[0]
    lp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if h.parent_body:
        run(lp, h.parent_body, size=13)
        lp = left.add_paragraph()
        lp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(lp, h.body, bold=True, size=13)
    _rule(left, rule_width_mm(h.body, 13, upper=True, line_mm=left_mm), left_mm)
    rp = right.paragraphs[0]
    rp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(rp, NATIONAL_TITLE, bold=True, size=12.5)
    mp = right.add_paragraph()
    mp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(mp, MOTTO, bold=True, size=14)
    _rule(right, MOTTO_RULE_MM, right_mm)  # a line of its own below the motto
    num = table.cell(1, 0).paragraphs[0]
    num.alignment = WD_ALIGN_PARAGRAPH.CENTER
    num.paragraph_format.space_before = Pt(4)
    run(num, h.number_line, size=13)
    dp = table.cell(1, 1).paragraphs[0]
    dp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    dp.paragraph_format.space_before = Pt(4)
    run(dp, place_and_date(h.place, h.date, blank_day=h.blank_day), italic=True, size=14)
    paragraph(
        doc,
        h.doc_type or h.subject,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        bold=True,
        size=14,
        before=18,
        keep_with_next=True,
    )
    if h.doc_type:
        paragraph(doc, h.subject, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=14, keep_with_next=True)
    _rule(doc, rule_width_mm(h.subject, 14), TEXT_WIDTH_MM, after=8)


def data_table(
    doc,
    headers: list[str],
    rows: list[list[str]],
    widths_mm: list[float],
    *,
    align: list[str] | None = None,
    caption: str | None = None,
    size: float = TABLE_PT,
    total: list[str] | None = None,
):
    """A bordered table with a bold, shaded header row repeated on each page; ``align`` per column
    is "l", "c" or "r" (numbers right-aligned)."""
    if caption:
        paragraph(
            doc,
            caption,
            align=WD_ALIGN_PARAGRAPH.CENTER,
            bold=True,
            size=13,
            before=8,
            after=4,
            keep_with_next=True,
        )
    body_rows = rows + ([total] if total else [])
    table = doc.add_table(rows=1 + len(body_rows), cols=len(headers), style="Table Grid")
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _fixed_layout(table, widths_mm)
    header_xml, *rows_xml = x.new_table_rows(doc, table)
    align = align or ["l"] * len(headers)
    where = {"l": WD_ALIGN_PARAGRAPH.LEFT, "c": WD_ALIGN_PARAGRAPH.CENTER, "r": WD_ALIGN_PARAGRAPH.RIGHT}
    for i, text in enumerate(headers):
        cell = table.rows[0].cells[i]
        par = cell.paragraphs[0]
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run(par, text, bold=True, size=size)
    for cell_xml in x.cells(header_xml):
        x.shade(cell_xml, "E7EEF7")
    x.repeat_as_header(header_xml)
    for row_xml, values in zip(rows_xml, body_rows, strict=True):
        if max((len(str(v or "")) for v in values), default=0) <= LONG_CELL:
            x.keep_on_one_page(row_xml)
    for r, values in enumerate(body_rows, start=1):
        is_total = total is not None and r == len(body_rows)
        for c, text in enumerate(values):
            par = table.rows[r].cells[c].paragraphs[0]
            par.alignment = where.get(align[c], WD_ALIGN_PARAGRAPH.LEFT)
            run(par, "" if text is None else str(text), bold=is_total, size=size)
    for row in table.rows:
        for cell in row.cells:
            for par in cell.paragraphs:
                par.paragraph_format.space_before = Pt(2)
                par.paragraph_format.space_after = Pt(2)
    return table


def picture(doc, png: bytes, width_mm: float, caption: str | None = None) -> None:
    par = doc.add_paragraph()
    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    par.paragraph_format.space_before = Pt(6)
    par.paragraph_format.keep_with_next = True
    par.add_run().add_picture(io.BytesIO(png), width=Mm(width_mm))
    if caption:
        paragraph(doc, caption, align=WD_ALIGN_PARAGRAPH.CENTER, italic=True, size=12, after=6)


def recipients_and_signature(doc, recipients: list[str], signature: Signature) -> None:
    """ "Nơi nhận:" with its list on the left; the signature block on the right."""
    table = doc.add_table(rows=1, cols=2, style=x.BORDERLESS)
    _fixed_layout(table, [85, 80])
    (row_xml,) = x.new_table_rows(doc, table)
    x.keep_on_one_page(row_xml)  # "Nơi nhận" and the signature stay together on one page
    left, right = table.cell(0, 0), table.cell(0, 1)
    lp = left.paragraphs[0]
    lp.paragraph_format.space_before = Pt(12)
    run(lp, "Nơi nhận:", bold=True, italic=True, size=12)
    for i, item in enumerate(recipients):
        last = i == len(recipients) - 1
        text = item.rstrip(";.")
        par = left.add_paragraph()
        run(par, f"- {text}{'.' if last else ';'}", size=12)
    rp = right.paragraphs[0]
    rp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    rp.paragraph_format.space_before = Pt(12)
    lines = [x for x in (signature.authority, signature.deputy, signature.title) if x]
    run(rp, lines[0], bold=True, size=14)
    for line in lines[1:]:
        par = right.add_paragraph()
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run(par, line, bold=True, size=14)
    for _ in range(3):  # room for the signature and the seal
        right.add_paragraph()
    par = right.add_paragraph()
    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(par, signature.name or TO_FILL, bold=True, size=14)


DEMO_HEADER = "DỮ LIỆU MINH HỌA - số liệu sinh tự động để trình diễn, không phải số liệu chính thức"


def demo_header(doc) -> None:
    """Say in the header of every page (the first one too) that the figures are demonstration data."""
    section = doc.sections[0]
    for header in (section.first_page_header, section.header):
        first = header.paragraphs[0] if header.paragraphs else None
        par = first if first is not None and not first.runs else header.add_paragraph()
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        r = run(par, DEMO_HEADER, italic=True, size=12)
        r.font.color.rgb = RGBColor(0xA0, 0x20, 0x20)


def page_break(doc) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def to_bytes(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
