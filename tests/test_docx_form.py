"""The parts of the decree's form that python-docx has no API for, as a reopened document holds them:
the page number from page 2 on, the rules under the heading, borderless heading tables, a data
table's shaded header row repeated on each page and rows that do not split.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document
from docx.oxml.ns import qn

from qh_data.reports import docx_base as d
from qh_data.reports import docx_xml as x

HEADING = d.Heading(
    parent_body="UBND TỈNH LẠNG SƠN",
    body="BAN CHỈ ĐẠO",
    number_line="Số:      /BC-BCĐ",
    place="Lạng Sơn",
    date=dt.date(2026, 4, 10),
    doc_type="BÁO CÁO",
    subject="Tình hình thực hiện",
)


def _built() -> Document:
    doc = d.new_document()
    d.heading(doc, HEADING)
    d.body(doc, "Nội dung.")
    d.data_table(
        doc,
        ["STT", "Cơ quan", "Số"],
        [["1", "Sở Xây dựng", "8"], ["2", "Sở Tài chính", "6"]],
        [12, 80, 20],
        align=["c", "l", "r"],
        total=["", "Tổng cộng", "14"],
    )
    d.recipients_and_signature(
        doc, ["Như trên", "Lưu: VT"], d.Signature("TM. BAN CHỈ ĐẠO", None, "TRƯỞNG BAN")
    )
    return Document(io.BytesIO(d.to_bytes(doc)))


def _val(el, tag: str) -> str | None:
    found = el.find(qn(tag))
    return None if found is None else found.get(qn("w:val"))


def _body_tables(doc):
    """The documents' tables as XML, in the order of ``doc.tables``."""
    return doc.element.find(qn("w:body")).findall(qn("w:tbl"))


def test_page_number_field_in_the_header_from_the_second_page():
    doc = _built()
    section = doc.sections[0]
    assert section.different_first_page_header_footer
    assert not "".join(p.text for p in section.first_page_header.paragraphs).strip()
    par = section.header.paragraphs[0]
    assert par.alignment == 1  # centred
    xml = [el for run in par.runs for el in run.element.iter()]
    kinds = [el.get(qn("w:fldCharType")) for el in xml if el.tag == qn("w:fldChar")]
    instructions = [el.text.strip() for el in xml if el.tag == qn("w:instrText")]
    assert kinds == ["begin", "end"] and instructions == ["PAGE"]


def test_normal_style_is_times_new_roman_for_every_script_in_vietnamese():
    normal = _built().styles["Normal"]
    r_pr = normal.element.find(qn("w:rPr"))
    fonts = r_pr.find(qn("w:rFonts"))
    assert {fonts.get(qn(f"w:{a}")) for a in ("ascii", "hAnsi", "cs", "eastAsia")} == {"Times New Roman"}
    assert _val(r_pr, "w:lang") == "vi-VN"


def test_heading_rules_are_bordered_paragraphs_of_the_rule_style():
    doc = _built()
    style = doc.styles[x.RULE]
    bottom = style.element.find(qn("w:pPr")).find(qn("w:pBdr")).find(qn("w:bottom"))
    assert (bottom.get(qn("w:val")), bottom.get(qn("w:sz"))) == ("single", "6")
    under_body = [p for p in doc.tables[0].cell(0, 0).paragraphs if p.style.name == x.RULE]
    under_subject = [p for p in doc.paragraphs if p.style.name == x.RULE]
    assert len(under_body) == 1 and len(under_subject) == 1
    # the motto's line is a paragraph of its own below it, as long as the motto
    right = doc.tables[0].cell(0, 1).paragraphs
    assert [p.text for p in right[1:]] == [d.MOTTO, ""] and right[2].style.name == x.RULE
    fmt = right[2].paragraph_format
    assert 100 - d.CELL_PADDING_MM - fmt.left_indent.mm - fmt.right_indent.mm == pytest.approx(
        d.MOTTO_RULE_MM, abs=0.2
    )
    # the rule under the subject follows it: centred, two fifths of the subject's width
    paras = doc.paragraphs
    at = next(i for i, p in enumerate(paras) if p.text == HEADING.subject)
    rule = paras[at + 1].paragraph_format
    assert paras[at + 1].style.name == x.RULE and rule.left_indent == rule.right_indent
    width = d.TEXT_WIDTH_MM - rule.left_indent.mm - rule.right_indent.mm
    subject = d.text_width_mm(HEADING.subject, 14, bold=True)
    assert subject / 3 <= width <= subject / 2


def test_heading_and_signature_tables_have_no_borders():
    doc = _built()
    heading, grid, signature = doc.tables
    assert heading.style.name == signature.style.name == x.BORDERLESS
    assert grid.style.name == "Table Grid"
    edges = doc.styles[x.BORDERLESS].element.find(qn("w:tblPr")).find(qn("w:tblBorders"))
    assert {e.get(qn("w:val")) for e in edges} == {"nil"} and len(edges) == 6


def test_data_table_header_is_shaded_and_repeated_rows_do_not_split():
    doc = _built()
    grid = doc.tables[1]
    assert [c.text for c in grid.rows[0].cells] == ["STT", "Cơ quan", "Số"]
    assert [c.text for c in grid.rows[-1].cells] == ["", "Tổng cộng", "14"]
    header, *rows = _body_tables(doc)[1].findall(qn("w:tr"))
    assert _val(header.find(qn("w:trPr")), "w:tblHeader") == "true"
    fills = [tc.find(qn("w:tcPr")).find(qn("w:shd")).get(qn("w:fill")) for tc in header.findall(qn("w:tc"))]
    assert fills == ["E7EEF7"] * 3
    assert len(rows) == 3
    for row in rows:
        assert _val(row.find(qn("w:trPr")), "w:cantSplit") == "true"
        assert row.find(qn("w:trPr")).find(qn("w:tblHeader")) is None
        assert all(tc.find(qn("w:tcPr")).find(qn("w:shd")) is None for tc in row.findall(qn("w:tc")))
    signature_row = _body_tables(doc)[2].find(qn("w:tr"))
    assert _val(signature_row.find(qn("w:trPr")), "w:cantSplit") == "true"


def test_columns_keep_their_widths():
    grid = _built().tables[1]
    assert not grid.autofit
    assert [round(c.width.mm) for c in grid.columns] == [12, 80, 20]
    assert [round(c.width.mm) for c in grid.rows[1].cells] == [12, 80, 20]


def test_row_xml_is_only_handed_out_for_the_table_just_added():
    doc = d.new_document()
    table = doc.add_table(rows=2, cols=2)
    assert len(x.new_table_rows(doc, table)) == 2
    doc.add_paragraph("sau bảng")
    with pytest.raises(ValueError):
        x.new_table_rows(doc, table)


def test_agency_names_keep_their_legal_form_inside_the_provinces_documents():
    from qh_data.reports.common import local_name, short_label

    assert local_name("Sở Tài chính tỉnh Lạng Sơn", "Lạng Sơn") == "Sở Tài chính"
    assert local_name("Ban Dân tộc tỉnh Lạng Sơn", "Lạng Sơn") == "Ban Dân tộc"
    assert local_name("Công an tỉnh Lạng Sơn", "Lạng Sơn") == "Công an tỉnh"
    assert local_name("Bộ Chỉ huy Quân sự tỉnh Lạng Sơn", "Lạng Sơn") == "Bộ Chỉ huy Quân sự tỉnh"
    assert local_name("Cục Thống kê tỉnh Lạng Sơn", "Lạng Sơn") == "Cục Thống kê tỉnh"
    assert local_name("Ủy ban nhân dân tỉnh Lạng Sơn", "Lạng Sơn") == "Ủy ban nhân dân tỉnh"
    assert local_name("UBND huyện Tràng Định", "Lạng Sơn") == "UBND huyện Tràng Định"
    assert local_name("Cục Thống kê tỉnh Thái Nguyên", "Lạng Sơn") == "Cục Thống kê tỉnh Thái Nguyên"
    assert short_label("Cục Thống kê", "Cục Thống kê tỉnh Lạng Sơn", "Lạng Sơn") == "Cục Thống kê tỉnh"
    assert short_label("Bộ CHQS tỉnh", "Bộ Chỉ huy Quân sự tỉnh Lạng Sơn", "Lạng Sơn") == "Bộ CHQS tỉnh"
    assert short_label("Sở KH&ĐT", "Sở Kế hoạch và Đầu tư tỉnh Lạng Sơn", "Lạng Sơn") == "Sở KH&ĐT"
    assert short_label(None, "Công an tỉnh Lạng Sơn", "Lạng Sơn") == "Công an tỉnh"


def test_the_number_field_takes_a_number_or_stays_blank():
    from qh_data.reports.common import number_line

    assert number_line("121/TB-UBND", "TB-UBND") == "Số: 121/TB-UBND"
    assert number_line(".../TB-UBND (tháng 8/2020)", "TB-UBND") == "Số:      /TB-UBND"
    assert number_line(None, "TB-UBND") == "Số:      /TB-UBND"
