"""Excel templates for figures: one agency's indicators for every unit of the province, or every indicator
of one unit, with the figures in force today beside the cells to fill. The units are those in force in
each slot's period (districts before 1/7/2025, communes from then on; issue 14), named as they were then.

The workbook is written with openpyxl in write-only mode (rows streamed, so a large template costs little
memory). The data sheet is protected without a password: only the period, kind, new figure and note
cells of the rows are open; headers and the identity columns are locked. The period and kind cells carry
drop-down lists (the lists live on a hidden sheet). A ``veryHidden`` sheet carries the template's
identity and version; an import refuses a workbook without it or with another version.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import Engine, or_, select

from .. import clock, periods
from ..db import read_session
from ..errors import NotFound, ValidationFailed
from ..models import UNIT_COMMITTEE_KINDS, VALUE_KINDS, AdminUnitVersion, Agency, Indicator, IndicatorValue
from ..queries import _rollup
from ..queries._rollup import GEOGRAPHIES
from ..queries.units import code_versions
from ..rules import unit_validity
from ..text import fold
from ..units import versions
from .common import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    INSTRUCTIONS_SHEET,
    KIND_WORDS,
    LISTS_SHEET,
    META_SHEET,
    STATUS_WORDS,
    TEMPLATE_MARK,
    VALUE_COLUMNS,
    VALUES_SHEET,
    VALUES_VERSION,
    Column,
    letter,
)

LOCKED = Protection(locked=True)
OPEN = Protection(locked=False)
BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=13)
HINT_FONT = Font(italic=True, color="555555")
HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")
OPEN_HEADER_FILL = PatternFill("solid", fgColor="FFE699")
OPEN_FILL = PatternFill("solid", fgColor="FFF8DC")
THIN = Side(style="thin", color="A6A6A6")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Template:
    """A template ready to download."""

    data: bytes
    file_name: str
    rows: int
    mime: str = XLSX_MIME


def default_slots(today: dt.date | None = None) -> list[tuple[str, str]]:
    """The (period, kind) pairs a mid-year or year-end collection asks for.

    From July: actuals of the first half-year, estimates of the second half and of the whole year.
    Before July: actuals of last year, estimates of this year's first half and of the year.
    """
    today = today or clock.today()
    y = today.year
    if today.month >= 7:
        return [(f"{y}-H1", "actual"), (f"{y}-H2", "estimate"), (str(y), "estimate")]
    return [(str(y - 1), "actual"), (f"{y}-H1", "estimate"), (str(y), "estimate")]


def period_choices(today: dt.date | None = None, extra: Iterable[str] = ()) -> list[str]:
    """Periods offered in the drop-down: years 2015 … next year and 2030, halves and quarters of the last
    two years, plus any ``extra`` codes, in time order."""
    today = today or clock.today()
    y = today.year
    codes = {str(year) for year in range(2015, y + 2)} | {"2025", "2030"}
    for year in (y - 1, y):
        codes |= {f"{year}-H1", f"{year}-H2"} | {f"{year}-Q{q}" for q in range(1, 5)}
    codes |= {periods.validate(c) for c in extra}
    return periods.sort_periods(codes)


def slug(text: str) -> str:
    out = re.sub(r"[^a-z0-9]+", "-", fold(text).lower()).strip("-")
    return out[:60] or "bieu-mau"


# --- choosing the rows ------------------------------------------------------------------------------

def _check_slots(slots: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for period, kind in slots:
        if kind not in VALUE_KINDS:
            raise ValidationFailed(f"Loại số liệu '{kind}' không hợp lệ.", f"Kind '{kind}' is not valid.")
        out.append((periods.validate(period), kind))
    if not out:
        raise ValidationFailed("Hãy chọn ít nhất một kỳ số liệu.", "Choose at least one period.")
    return list(dict.fromkeys(out))


def _indicators_for(session, *, role: str | None, unit_ids: list[int]) -> list[Indicator]:
    stmt = select(Indicator)
    if role is not None:
        stmt = stmt.where(Indicator.owner_role == role)
    else:  # one unit: every indicator someone is responsible for, and any it already has figures of
        having = select(IndicatorValue.indicator_code).where(IndicatorValue.unit_id.in_(unit_ids))
        stmt = stmt.where(or_(Indicator.owner_role.is_not(None), Indicator.code.in_(having)))
    return list(session.scalars(stmt.order_by(Indicator.sort_order, Indicator.code)))


def _latest(session, level: str, code: str) -> AdminUnitVersion | None:
    """The latest version of a code at a level (the province as it is, or was last)."""
    return session.scalars(select(AdminUnitVersion).where(AdminUnitVersion.level == level,
                                                          AdminUnitVersion.code == code)
                           .order_by(AdminUnitVersion.valid_to.is_(None).desc(),
                                     AdminUnitVersion.valid_to.desc())).first()


def _province_of(unit: AdminUnitVersion) -> AdminUnitVersion | None:
    while unit is not None and unit.level != "province":
        unit = unit.parent
    return unit


def _unit_then(session, code: str, period: str) -> AdminUnitVersion:
    """The district or commune ``code`` meant during ``period``; refused when none or two (a reused code in
    the year 2025), naming the unit(s) the code meant."""
    every = list(session.scalars(select(AdminUnitVersion).where(
        AdminUnitVersion.code == code, AdminUnitVersion.level.in_(GEOGRAPHIES))))
    if not every:
        raise NotFound(f"Không có đơn vị hành chính mã '{code}'.", f"There is no administrative unit '{code}'.")
    p = periods.parse(period)
    then = [u for u in every if unit_validity.overlaps(u.valid_from, u.valid_to, p.start, p.end)]
    if not then:
        raise versions.no_unit_then(code, period, sorted(every, key=lambda u: u.valid_from or dt.date.min))
    if len(then) > 1:
        raise versions.two_units_then(code, period, sorted(then, key=lambda u: u.valid_from or dt.date.min))
    return then[0]


def _units_then(session, province: str, period: str, geography: str | None) -> list[AdminUnitVersion]:
    """The province's units in force during ``period`` on the period's geography (districts before 1/7/2025,
    communes from then; for the year 2025 ``geography``, by default the one its figures are on)."""
    ranges = _rollup.district_ranges(session.connection(), province)
    levels = _rollup.geographies(ranges, period)
    level = geography if geography in levels else _rollup.geography_of(ranges, period)
    p = periods.parse(period)
    ids = code_versions(session.connection(), province, ("province",))
    found = session.scalars(select(AdminUnitVersion).where(AdminUnitVersion.level == level,
                                                           AdminUnitVersion.parent_id.in_(ids)))
    return sorted((u for u in found if unit_validity.overlaps(u.valid_from, u.valid_to, p.start, p.end)),
                  key=lambda u: u.code)


def slot_units(engine: Engine, province: str, period_codes: Sequence[str]) -> dict[str, list[dict]]:
    """{period: [{code, name, level}]}: the units an agency's template lists for each period (by code)."""
    with read_session(engine) as s:
        return {p: [{"code": u.code, "name": u.name, "level": u.level} for u in _units_then(s, province, p, None)]
                for p in dict.fromkeys(periods.validate(c) for c in period_codes)}


def unit_choices(engine: Engine, province: str, period_codes: Sequence[str]) -> list[dict]:
    """The units a one-unit template can be made for over ``period_codes``: the province's districts or
    communes that are one unit in every period (a district for 2024, a commune for 2026; none when the
    periods lie on both sides of 1/7/2025), named as in the last period, by code. [{code, name, level}]"""
    period_codes = list(dict.fromkeys(periods.validate(c) for c in period_codes))
    if not period_codes:
        return []
    with read_session(engine) as s:
        conn = s.connection()
        ranges = _rollup.district_ranges(conn, province)
        ids = code_versions(conn, province, ("province",))
        rows = list(s.execute(select(AdminUnitVersion.code, AdminUnitVersion.name, AdminUnitVersion.level,
                                     AdminUnitVersion.valid_from, AdminUnitVersion.valid_to)
                              .where(AdminUnitVersion.level.in_(GEOGRAPHIES), AdminUnitVersion.parent_id.in_(ids))))
    named: dict[str, dict] | None = None
    for code in period_codes:
        p = periods.parse(code)
        levels = _rollup.geographies(ranges, code)
        then: dict[str, list] = {}
        for r in rows:
            if r.level in levels and unit_validity.overlaps(r.valid_from, r.valid_to, p.start, p.end):
                then.setdefault(r.code, []).append(r)
        one = {c: {"code": c, "name": vs[0].name, "level": vs[0].level} for c, vs in then.items() if len(vs) == 1}
        named = one if named is None else {c: one[c] for c in named if c in one}
    return sorted((named or {}).values(), key=lambda u: u["code"])


def _current_values(session, indicator_codes, unit_ids, slots) -> dict[tuple, float | None]:
    if not indicator_codes or not unit_ids:
        return {}
    v = IndicatorValue
    stmt = select(v.indicator_code, v.unit_id, v.period, v.kind, v.value).where(
        v.superseded_at.is_(None), v.indicator_code.in_(indicator_codes), v.unit_id.in_(unit_ids),
        v.period.in_({p for p, _ in slots}), v.kind.in_({k for _, k in slots}))
    return {(r[0], r[1], r[2], r[3]): r[4] for r in session.execute(stmt)}


def _groups(units_of_slot: dict[tuple[str, str], list[AdminUnitVersion]]) -> list[tuple[list, list]]:
    """Slots on the same units together: [(units, slots)] in the order the slots came."""
    groups: dict[tuple[int, ...], tuple[list, list]] = {}
    for slot, units in units_of_slot.items():
        groups.setdefault(tuple(u.id for u in units), (units, []))[1].append(slot)
    return list(groups.values())


def template_rows(engine: Engine, *, agency: str | None = None, unit: str | None = None,
                  slots: Sequence[tuple[str, str]] | None = None, district: str | None = None,
                  geography: str | None = None) -> tuple[dict, list[dict]]:
    """The identity (meta) and the rows of a template for ``agency`` or for one ``unit`` (a commune, or a
    district for periods before 1/7/2025; ``district`` is the old name of the argument).

    Each slot (period, kind) is on the units in force in its period, named as they were then: an agency's
    template lists the province's districts for a period before 1/7/2025 and its communes from 2025-H2 on
    (the year 2025: ``geography``, by default the districts its figures are on); slots on different units
    give rows on each slot's own units."""
    unit = unit or district
    if bool(agency) == bool(unit):
        raise ValidationFailed("Hãy chọn một cơ quan hoặc một đơn vị hành chính.",
                               "Choose one agency or one administrative unit.")
    slots = _check_slots(slots or default_slots())
    with read_session(engine) as s:
        if agency:
            ag = s.get(Agency, agency)
            if ag is None:
                raise NotFound(f"Không có cơ quan '{agency}'.", f"Agency '{agency}' does not exist.")
            if ag.kind in UNIT_COMMITTEE_KINDS and ag.admin_unit_code:
                unit, role = ag.admin_unit_code, None
            else:
                role = ag.role
        if unit:
            units_of_slot = {slot: [_unit_then(s, unit, slot[0])] for slot in slots}
            last = units_of_slot[slots[-1]][0]
            province_unit = _province_of(last)
            scope, scope_code, scope_name = ("unit", last.code, last.name)
            if agency:
                scope, scope_code, scope_name = ("agency", ag.code, ag.name)
            indicators = _indicators_for(s, role=None, unit_ids=sorted({u[0].id for u in units_of_slot.values()}))
        else:
            province = ag.province_code
            units_of_slot = {slot: _units_then(s, province, slot[0], geography) for slot in slots}
            scope, scope_code, scope_name = ("agency", ag.code, ag.name)
            indicators = _indicators_for(s, role=role, unit_ids=[])
            if not indicators:
                raise ValidationFailed(
                    f"{ag.name} chưa được giao theo dõi chỉ tiêu nào, nên không có biểu mẫu số liệu.",
                    f"{ag.name} is not responsible for any indicator, so there is no figures template.")
            province_unit = _latest(s, "province", province) if province else None
        all_ids = sorted({u.id for units in units_of_slot.values() for u in units})
        current = _current_values(s, [i.code for i in indicators], all_ids, slots)
        groups = _groups(units_of_slot)
        rows = [
            {"indicator_code": ind.code, "indicator_name": ind.name_vi, "unit": ind.unit, "unit_code": u.code,
             "unit_name": u.name, "period": period, "kind": kind,
             "current": current.get((ind.code, u.id, period, kind)), "decimals": ind.decimals}
            for ind in indicators for units, group_slots in groups for u in units for period, kind in group_slots
        ]
        levels = sorted({u.level for units in units_of_slot.values() for u in units})
        meta = {"scope": scope, "scope_code": scope_code, "scope_name": scope_name,
                "province": province_unit.code if province_unit else "",
                "province_name": province_unit.name if province_unit else "", "levels": ",".join(levels)}
    return meta, rows


def values_template(engine: Engine, *, agency: str | None = None, unit: str | None = None,
                    slots: Sequence[tuple[str, str]] | None = None, generated_by: str = "",
                    today: dt.date | None = None, district: str | None = None,
                    geography: str | None = None) -> Template:
    """The figures template of an agency (its indicators × the province's units of each period) or of one
    unit (every indicator), one row per indicator, unit and (period, kind) of ``slots`` (``template_rows``)."""
    slots = _check_slots(slots or default_slots(today))
    meta, rows = template_rows(engine, agency=agency, unit=unit or district, slots=slots, geography=geography)
    data = write_values_workbook(rows, meta, generated_by=generated_by,
                                 period_list=period_choices(today, [p for p, _ in slots]))
    stamp = (today or clock.today()).strftime("%Y%m%d")
    return Template(data=data, file_name=f"bieu-so-lieu-{slug(meta['scope_name'])}-{stamp}.xlsx", rows=len(rows))


# --- writing the workbook ---------------------------------------------------------------------------

def _cell(ws, value, *, font=None, fill=None, protection=LOCKED, number_format=None, alignment=None,
          border=None):
    """A write-only cell with the given style attributes (each set through openpyxl's public setters)."""
    c = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith("="):
        c.data_type = "s"  # text from the store is never a formula
    if protection is not LOCKED:  # a cell is locked unless told otherwise: LOCKED is the default
        c.protection = protection
    if font is not None:
        c.font = font
    if fill is not None:
        c.fill = fill
    if number_format:
        c.number_format = number_format
    if alignment is not None:
        c.alignment = alignment
    if border is not None:
        c.border = border
    return c


def number_format(decimals: int | None) -> str:
    d = max(0, min(int(decimals or 0), 6))
    return "#,##0" + ("." + "0" * d if d else "")


def _setup_data_sheet(ws, columns: Sequence[Column], n_rows: int) -> None:
    # The sheet's size written in its head (a streamed sheet does not know it otherwise): readers then
    # need not scan the whole sheet to learn it.
    size = f"A1:{letter(len(columns))}{HEADER_ROW + max(n_rows, 0)}"
    ws.calculate_dimension = lambda: size
    for i, col in enumerate(columns, start=1):
        dim = ws.column_dimensions[letter(i)]
        dim.width = col.width
        if col.hidden:
            dim.hidden = True
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    last = FIRST_DATA_ROW + max(n_rows, 1) - 1
    ws.auto_filter.ref = f"A{HEADER_ROW}:{letter(len(columns))}{last}"
    p = ws.protection
    p.sheet = True
    p.formatColumns = p.formatRows = p.autoFilter = p.sort = False  # allowed while protected
    p.selectLockedCells = p.selectUnlockedCells = False


def _header_rows(ws, columns: Sequence[Column], title: str, hint: str) -> None:
    ws.append([_cell(ws, title, font=TITLE_FONT)])
    ws.append([_cell(ws, hint, font=HINT_FONT)])
    ws.append([_cell(ws, col.vi, font=BOLD, fill=OPEN_HEADER_FILL if col.editable else HEADER_FILL,
                     alignment=WRAP, border=BOX) for col in columns])


def _list_validation(ws, ref: str, source_col: str, n: int, prompt_vi: str) -> None:
    dv = DataValidation(type="list", formula1=f"'{LISTS_SHEET}'!${source_col}$1:${source_col}${max(n, 1)}",
                        allow_blank=True, showErrorMessage=True, showInputMessage=True,
                        errorTitle="Giá trị không hợp lệ", error="Hãy chọn một giá trị trong danh sách.",
                        promptTitle="Chọn trong danh sách", prompt=prompt_vi)
    dv.add(ref)
    ws.data_validations.append(dv)


def _meta_sheet(wb, items: dict) -> None:
    ws = wb.create_sheet(META_SHEET)
    ws.sheet_state = "veryHidden"
    for key, value in items.items():
        ws.append([_cell(ws, key), _cell(ws, "" if value is None else str(value))])


def _lists_sheet(wb, period_list: Sequence[str]) -> None:
    ws = wb.create_sheet(LISTS_SHEET)
    ws.sheet_state = "hidden"
    kinds = list(KIND_WORDS.values())
    statuses = list(STATUS_WORDS.values())
    for i in range(max(len(kinds), len(period_list), len(statuses))):
        ws.append([kinds[i] if i < len(kinds) else None, period_list[i] if i < len(period_list) else None,
                   statuses[i] if i < len(statuses) else None])


VALUES_INSTRUCTIONS = (
    ("BIỂU NHẬP SỐ LIỆU CHỈ TIÊU QUY HOẠCH TỈNH", TITLE_FONT),
    ("", None),
    (("1. Điền số liệu vào cột «Số liệu mới» (cột I) của trang «Số liệu». Mỗi dòng là một chỉ tiêu của một "
     "đơn vị hành chính trong một kỳ."), None),
    (("2. Có thể sửa «Kỳ số liệu» và «Loại số liệu» bằng danh sách chọn. Kỳ: năm (2025), 6 tháng (2026-H1, "
     "2026-H2), quý (2026-Q1 … 2026-Q4). Loại: Thực hiện, Ước thực hiện, Mục tiêu."), None),
    (("3. Số viết theo kiểu Việt Nam (1.234,5) hay kiểu quốc tế (1,234.5) đều được; có thể gõ ký hiệu % với "
     "chỉ tiêu tính bằng %. Không nhập công thức: hãy dán giá trị (Dán đặc biệt → Giá trị)."), None),
    ("4. Ô «Số liệu mới» để trống: giữ nguyên số liệu hiện có. Cột «Số liệu hiện có» chỉ để đối chiếu.", None),
    ("5. Không chèn, xóa, di chuyển hoặc gộp cột, dòng tiêu đề; không đổi tên các trang; không sửa trang ẩn.",
     None),
    (("6. Sau khi tải tệp lên, hệ thống kiểm tra từng ô và cho xem trước số liệu mới / thay đổi / giữ nguyên. "
     "Chỉ khi người nhập xác nhận, số liệu mới được ghi (mỗi số liệu thành một lần cập nhật mới, giữ nguyên "
     "lịch sử). Nếu có lỗi, không số liệu nào được ghi."), None),
    ("", None),
    (("English: fill in the «Số liệu mới» (new figure) column; Vietnamese or international number styles are "
     "both accepted; leave a cell empty to keep the current figure; do not add, move or merge columns."),
     HINT_FONT),
)


def _instructions(wb, lines, facts: Sequence[tuple[str, str]]) -> None:
    ws = wb.create_sheet(INSTRUCTIONS_SHEET)
    ws.column_dimensions["A"].width = 120
    for text, font in lines:
        ws.append([_cell(ws, text, font=font, alignment=Alignment(wrap_text=True, vertical="top"))])
    ws.append([])
    for label, value in facts:
        ws.append([_cell(ws, f"{label}: {value}")])


def write_values_workbook(rows: Iterable[dict], meta: dict, *, generated_by: str = "",
                          period_list: Sequence[str] | None = None, row_count: int | None = None) -> bytes:
    """The figures workbook for ``rows`` (dicts with the VALUE_COLUMNS keys and ``decimals``)."""
    rows = rows if row_count is not None else list(rows)
    n = row_count if row_count is not None else len(rows)  # type: ignore[arg-type]
    period_list = list(period_list or period_choices())
    now = clock.now()
    wb = Workbook(write_only=True)
    scope_label = meta.get("scope_name") or meta.get("scope_code") or ""
    _instructions(wb, VALUES_INSTRUCTIONS, [
        ("Biểu mẫu", f"{'Cơ quan' if meta.get('scope') == 'agency' else 'Đơn vị hành chính'} {scope_label}"),
        ("Tỉnh", meta.get("province_name") or meta.get("province") or ""),
        ("Số dòng", str(n)), ("Ngày lập", now.strftime("%d/%m/%Y %H:%M")),
        ("Phiên bản biểu mẫu", VALUES_VERSION)])
    ws = wb.create_sheet(VALUES_SHEET)
    _setup_data_sheet(ws, VALUE_COLUMNS, n)
    last = FIRST_DATA_ROW + max(n, 1) - 1
    col = {c.key: i for i, c in enumerate(VALUE_COLUMNS, start=1)}
    _list_validation(ws, f"{letter(col['kind'])}{FIRST_DATA_ROW}:{letter(col['kind'])}{last}", "A",
                     len(KIND_WORDS), "Thực hiện, Ước thực hiện hoặc Mục tiêu")
    _list_validation(ws, f"{letter(col['period'])}{FIRST_DATA_ROW}:{letter(col['period'])}{last}", "B",
                     len(period_list), "Năm (2025), 6 tháng (2026-H1) hoặc quý (2026-Q3)")
    title = f"BIỂU NHẬP SỐ LIỆU CHỈ TIÊU – {scope_label}"
    if meta.get("province_name"):
        title += f" – tỉnh {meta['province_name']}"
    _header_rows(ws, VALUE_COLUMNS, title,
                 "Chỉ điền các cột nền vàng. Không chèn, xóa hay di chuyển cột. Ô «Số liệu mới» để trống: giữ "
                 "nguyên số liệu hiện có.")
    for r in rows:
        fmt = number_format(r.get("decimals"))
        ws.append([
            _cell(ws, r["indicator_code"]), _cell(ws, r["indicator_name"]), _cell(ws, r["unit"]),
            _cell(ws, r["unit_code"]), _cell(ws, r["unit_name"]),
            _cell(ws, r["period"], protection=OPEN, fill=OPEN_FILL),
            _cell(ws, KIND_WORDS.get(r["kind"], r["kind"]), protection=OPEN, fill=OPEN_FILL),
            _cell(ws, r.get("current"), number_format=fmt),
            _cell(ws, r.get("value"), protection=OPEN, fill=OPEN_FILL, number_format=fmt),
            _cell(ws, r.get("note"), protection=OPEN, fill=OPEN_FILL),
        ])
    _lists_sheet(wb, period_list)
    _meta_sheet(wb, {"template": TEMPLATE_MARK, "kind": "values", "version": VALUES_VERSION,
                     "scope": meta.get("scope", ""), "scope_code": meta.get("scope_code", ""),
                     "scope_name": meta.get("scope_name", ""), "province": meta.get("province", ""),
                     "data_sheet": VALUES_SHEET, "header_row": HEADER_ROW, "rows": n,
                     "generated_at": now.isoformat(), "generated_by": generated_by})
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
