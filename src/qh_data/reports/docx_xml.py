"""The few Word properties python-docx has no API for, written through its public elements only.

python-docx (1.2) hands out the XML of a document (``Document.element``), of a style
(``BaseStyle.element``) and of a run (``Run.element``), but not of a paragraph, table, row or cell.
So each property the decree's form needs is reached from one of those:

- the font of every script and the language of the text: on the Normal style's element
  (``font_for_all_scripts``);
- the page number: a PAGE field in a run's element (``page_field``);
- the short rule under a heading: a paragraph style with a bottom border (``RULE``), and the
  borderless heading tables: a table style with every border off (``BORDERLESS``); both are written
  once into a new document's styles (``add_styles``) and then used by name (``style=``);
- a data table's shaded header row, repeated on each page, and rows that do not split across pages:
  set on the ``w:tbl`` python-docx has just added, which is the last block of the document body
  (``new_table_rows``).

Elements are made with ``docx.oxml.OxmlElement`` and placed with lxml's public API, in the order
the WordprocessingML schema gives (``_get_or_add``).
"""

from __future__ import annotations

from collections.abc import Iterable

from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

RULE = "QH Rule"  # paragraph style: a thin black line under the paragraph
BORDERLESS = "QH Borderless"  # table style: no borders at all

# What may follow each element we add inside its parent (ECMA-376 part 1, the element's sequence).
_AFTER_PPR_IN_STYLE = ("w:rPr", "w:tblPr", "w:trPr", "w:tcPr", "w:tblStylePr")
_AFTER_TBLPR_IN_STYLE = ("w:trPr", "w:tcPr", "w:tblStylePr")
_AFTER_LANG = ("w:eastAsianLayout", "w:specVanish", "w:oMath")
_AFTER_TRPR = ("w:tc", "w:customXml", "w:sdt")
_AFTER_SHD = (
    "w:noWrap",
    "w:tcMar",
    "w:textDirection",
    "w:tcFitText",
    "w:vAlign",
    "w:hideMark",
    "w:headers",
    "w:cellIns",
    "w:cellDel",
    "w:cellMerge",
    "w:tcPrChange",
)


def _insert(parent, el, successors: Iterable[str]):
    """Put ``el`` in ``parent`` before the first child whose tag may only follow it."""
    names = {qn(tag) for tag in successors}
    for i, child in enumerate(parent):
        if child.tag in names:
            parent.insert(i, el)
            return el
    parent.append(el)
    return el


def _get_or_add(parent, tag: str, successors: Iterable[str] = ()):
    found = parent.find(qn(tag))
    return found if found is not None else _insert(parent, OxmlElement(tag), successors)


def _element(tag: str, **attrs: str):
    el = OxmlElement(tag)
    for name, value in attrs.items():
        el.set(qn(f"w:{name}"), value)
    return el


def font_for_all_scripts(style, font: str, *, language: str) -> None:
    """Set ``font`` for every script of ``style`` (python-docx's ``font.name`` sets the Latin ones
    only) and mark its text as ``language`` ("vi-VN")."""
    style.font.name = font  # writes w:rPr/w:rFonts
    r_pr = style.element.find(qn("w:rPr"))
    fonts = r_pr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), font)
    _get_or_add(r_pr, "w:lang", _AFTER_LANG).set(qn("w:val"), language)


def add_styles(doc) -> None:
    """Add ``RULE`` and ``BORDERLESS`` to a new document's styles."""
    rule = doc.styles.add_style(RULE, WD_STYLE_TYPE.PARAGRAPH)
    rule.base_style = doc.styles["Normal"]
    p_pr = _get_or_add(rule.element, "w:pPr", _AFTER_PPR_IN_STYLE)
    borders = _element("w:pBdr")
    borders.append(_element("w:bottom", val="single", sz="6", space="1", color="000000"))
    p_pr.append(borders)  # the style's pPr holds nothing else

    plain = doc.styles.add_style(BORDERLESS, WD_STYLE_TYPE.TABLE)
    plain.base_style = doc.styles["Normal Table"]
    tbl_pr = _get_or_add(plain.element, "w:tblPr", _AFTER_TBLPR_IN_STYLE)
    edges = _element("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edges.append(_element(f"w:{edge}", val="nil"))
    tbl_pr.append(edges)  # the style's tblPr holds nothing else


def page_field(run) -> None:
    """Make ``run`` show the page number (a PAGE field: begin, instruction, end)."""
    el = run.element
    el.append(_element("w:fldChar", fldCharType="begin"))
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = "PAGE"
    el.append(instr)
    el.append(_element("w:fldChar", fldCharType="end"))


def new_table_rows(doc, table) -> list:
    """The ``w:tr`` elements of ``table``, which python-docx has just added to the body of ``doc``.

    python-docx puts a new table at the end of the body (before the section properties); that this
    is the table asked about is checked on its place and its number of rows."""
    body = doc.element.find(qn("w:body"))
    tables = body.findall(qn("w:tbl"))
    last = tables[-1] if tables else None
    after = last.getnext() if last is not None else None
    rows = last.findall(qn("w:tr")) if last is not None else []
    if last is None or (after is not None and after.tag != qn("w:sectPr")) or len(rows) != len(table.rows):
        raise ValueError("the table is not the one just added at the end of the document")
    return rows


def cells(row) -> list:
    """The ``w:tc`` elements of a ``w:tr``."""
    return row.findall(qn("w:tc"))


def shade(cell, fill: str) -> None:
    """Fill a ``w:tc`` with the colour ``fill`` ("E7EEF7")."""
    tc_pr = _get_or_add(cell, "w:tcPr", ("w:p", "w:tbl", "w:customXml", "w:sdt"))
    _insert(tc_pr, _element("w:shd", val="clear", color="auto", fill=fill), _AFTER_SHD)


def repeat_as_header(row) -> None:
    """Repeat a ``w:tr`` at the top of each page the table runs onto."""
    _get_or_add(row, "w:trPr", _AFTER_TRPR).append(_element("w:tblHeader", val="true"))


def keep_on_one_page(row) -> None:
    """Keep a ``w:tr`` from breaking across pages."""
    _get_or_add(row, "w:trPr", _AFTER_TRPR).append(_element("w:cantSplit", val="true"))
