"""Checking a figures workbook cell by cell, and sorting its rows into new / changed / unchanged.

Every problem names the sheet, the row, the column (Excel letter), the value found and says, in
Vietnamese and in English, what is expected. Errors refuse the whole file; warnings (a figure far from
the district's previous ones, a number that could be read two ways, a name that differs from the
catalogue's) are shown and the file can still be imported.

The checks, in order: the template's identity and version (hidden sheet), the data sheet, merged
cells, the header row (a shifted or renamed column is one clear error naming the expected header),
then every row: indicator, area, period and kind known; the figure a number (decimal comma or point,
thousands separators, percent sign, spaces), not a formula, within the indicator's bounds; the note
clean; no two rows for the same figure; the actor allowed to submit it.
"""

from __future__ import annotations

import bisect
import functools
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from .. import periods
from ..db import read_session
from ..errors import ValidationFailed
from ..models import VALUE_KINDS, AdminUnit, Agency, Indicator, IndicatorValue
from ..permissions import Actor, allowed
from ..text import clean_text
from . import numbers
from .common import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    KIND_WORDS,
    TEMPLATE_MARK,
    VALUE_COLUMNS,
    VALUES_SHEET,
    VALUES_VERSION,
    Column,
    Report,
    kind_code,
    letter,
    norm_key,
    norm_text,
    shown,
)
from .reader import Book

Progress = Callable[[int, int, str], None]
OUTLIER_RATIO = 3.0
OUTLIER_HISTORY = 5
PROGRESS_EVERY = 2000
CHUNK = 900  # values per IN (...) list


def _noop(done: int, total: int, stage: str) -> None:
    return None


@dataclass
class ValueRow:
    """One accepted figure of the file, with what the store holds for it now."""

    row: int
    indicator: str
    unit_code: str
    period: str
    kind: str
    value: float
    note: str | None = None
    status: str = "new"  # new | changed | unchanged
    old_value: float | None = None
    old_revision: int | None = None
    old_id: int | None = None

    @property
    def outcome(self) -> str:
        return self.status


@dataclass
class _Raw:
    row: int
    indicator: str
    indicator_name: str
    unit_code: str
    unit_name: str
    period: str | None
    kind: str | None
    reading: numbers.Parsed
    raw_value: object
    note: str | None


@dataclass
class Lookups:
    indicators: dict[str, Indicator]
    indicator_by_lower: dict[str, str]
    indicator_by_name: dict[str, str | None]
    units: dict[str, AdminUnit]
    unit_by_name: dict[str, str | None]
    province_name: str
    agencies_by_role: dict[str, list[str]]
    agency_names: dict[str, str]
    ubnd_by_unit: dict[str, str]
    current: dict[tuple[str, str, str, str], tuple[int, int, float | None]] = field(default_factory=dict)
    history: dict[tuple[str, str, str], list[tuple[tuple, float]]] = field(default_factory=dict)


# --- the template's identity and the header row --------------------------------------------------

def check_identity(meta: dict | None, report: Report, *, kind: str, version: str) -> bool:
    if meta is None or meta.get("template") != TEMPLATE_MARK:
        report.error(
            "not_template",
            "Tệp không phải biểu mẫu của hệ thống (thiếu trang định danh ẩn của biểu mẫu). Hãy tải biểu mẫu mới "
            "trên trang Nhập số liệu, chép số liệu vào đó rồi gửi lại.",
            "The file is not a template of this system (the template's hidden identity sheet is missing). "
            "Download a new template on the Data intake page, copy the figures into it and send it again.")
        return False
    if meta.get("kind") != kind or meta.get("version") != version:
        found = meta.get("version") or "?"
        report.error(
            "wrong_version",
            f"Biểu mẫu phiên bản '{found}' không dùng được để nhập lần này (phiên bản hiện hành: '{version}'). "
            "Hãy tải biểu mẫu mới, chép số liệu vào đó rồi gửi lại.",
            f"Template version '{found}' cannot be imported here (current version: '{version}'). Download a "
            "new template, copy the figures into it and send it again.", value=found)
        return False
    return True


def check_sheet_and_headers(book: Book, report: Report, sheet_name: str, columns: tuple[Column, ...]):
    """The data sheet if it is there with the expected headers, else None (one error reported)."""
    ws = book.sheet(sheet_name)
    if ws is None:
        report.error(
            "missing_sheet",
            f"Không tìm thấy trang '{sheet_name}' trong tệp (tệp có các trang: {', '.join(book.sheet_names)}). "
            "Đừng đổi tên hay xóa trang của biểu mẫu.",
            f"Sheet '{sheet_name}' is missing (the file has: {', '.join(book.sheet_names)}). Do not rename or "
            "delete the template's sheets.", sheet=sheet_name)
        return None
    title = ws.title
    width = len(columns)
    top = [tuple(r) for r in ws.iter_rows(min_row=1, max_row=HEADER_ROW + 7, max_col=width + 6, values_only=True)]
    if not any(v not in (None, "") for r in top for v in r):
        report.error("empty_sheet", f"Trang '{title}' trống: không có tiêu đề cũng như số liệu.",
                     f"Sheet '{title}' is empty: no headers and no figures.", sheet=title)
        return None
    expected = [{norm_key(c.vi), norm_key(c.en)} for c in columns]
    header = list(top[HEADER_ROW - 1]) if len(top) >= HEADER_ROW else []
    header += [None] * (width - len(header))
    if all(norm_key(header[i]) in expected[i] for i in range(width)):
        return ws
    first = columns[0]
    for r_idx, row in enumerate(top, start=1):
        for c_idx, value in enumerate(row, start=1):
            if norm_key(value) in expected[0] and (r_idx, c_idx) != (HEADER_ROW, 1):
                report.error(
                    "shifted_columns",
                    f"Các cột bị lệch: tiêu đề '{first.vi}' phải ở ô A{HEADER_ROW} nhưng lại ở ô "
                    f"{letter(c_idx)}{r_idx}. Đừng chèn hay xóa dòng, cột; hãy chép số liệu vào biểu mẫu mới.",
                    f"The columns are shifted: the header '{first.en}' ('{first.vi}') belongs in cell "
                    f"A{HEADER_ROW} but is in cell {letter(c_idx)}{r_idx}. Do not insert or delete rows or "
                    "columns; copy the figures into a new template.",
                    sheet=title, row=r_idx, column=letter(c_idx), value=value)
                return None
    for i, col in enumerate(columns):
        if norm_key(header[i]) not in expected[i]:
            report.error(
                "wrong_header",
                f"Tiêu đề cột {letter(i + 1)} phải là '{col.vi}', tìm thấy '{shown(header[i])}'. Đừng đổi tên, "
                "chèn hay xóa cột; hãy chép số liệu vào biểu mẫu mới.",
                f"The header of column {letter(i + 1)} must be '{col.vi}' ({col.en}), found "
                f"'{shown(header[i])}'. Do not rename, insert or delete columns; copy the figures into a new "
                "template.", sheet=title, row=HEADER_ROW, column=letter(i + 1), value=header[i])
            return None
    return ws  # pragma: no cover - one of the loops above reports


def check_merged(book: Book, ws, report: Report) -> None:
    for ref in book.merged_ranges(ws):
        start = ref.split(":")[0]
        col = "".join(ch for ch in start if ch.isalpha())
        row = int("".join(ch for ch in start if ch.isdigit()))
        last_row = int("".join(ch for ch in ref.split(":")[-1] if ch.isdigit()))
        if last_row < HEADER_ROW:
            continue  # the title lines may be merged
        report.error(
            "merged_cells",
            f"Vùng ô {ref} bị gộp. Trong vùng tiêu đề và số liệu không được gộp ô: hãy bỏ gộp ô (Merge & "
            "Center → Unmerge Cells) và ghi đủ nội dung vào từng ô.",
            f"Cells {ref} are merged. Cells must not be merged in the header and data area: unmerge them "
            "(Merge & Center → Unmerge Cells) and fill each cell.",
            sheet=ws.title, row=row, column=col, value=ref)


# --- reading the rows ------------------------------------------------------------------------------

def _code_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return norm_text(value)


def _read_rows(book: Book, ws, report: Report, progress: Progress, expected_rows: int) -> tuple[list[_Raw], int]:
    col = {c.key: i for i, c in enumerate(VALUE_COLUMNS)}
    title = ws.title
    out: list[_Raw] = []
    data_rows = 0
    L = {k: letter(i + 1) for k, i in col.items()}
    for row_idx, cells in book.rows(ws, min_row=FIRST_DATA_ROW, max_col=len(VALUE_COLUMNS)):
        if row_idx % PROGRESS_EVERY == 0:
            progress(row_idx - HEADER_ROW, max(expected_rows, row_idx - HEADER_ROW), "read")
        values = [c.value for c in cells]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        data_rows += 1
        vcell = cells[col["value"]]
        reading = numbers.parse_cell(vcell.value, vcell.data_type, vcell.number_format)
        for key in ("indicator_code", "unit_code", "period", "kind", "note"):
            c = cells[col[key]]
            if c.data_type == "f":
                report.error("formula",
                             f"Ô chứa công thức ({shown(c.value)}). Hãy thay bằng giá trị (Dán đặc biệt → Giá trị).",
                             f"The cell holds a formula ({shown(c.value)}). Replace it with its value (Paste "
                             "Special → Values).", sheet=title, row=row_idx, column=L[key], value=c.value)
        if reading.blank:
            continue  # nothing to import on this row: the figure in force stays
        note = None
        raw_note = cells[col["note"]].value
        if raw_note not in (None, "") and cells[col["note"]].data_type != "f":
            try:
                note = clean_text(str(raw_note), field="ghi chú / note", max_len=2000)
            except ValidationFailed as exc:
                report.error("bad_note", exc.message_vi, exc.message_en, sheet=title, row=row_idx,
                             column=L["note"], value=raw_note)
        kind_raw = cells[col["kind"]].value
        period_raw = cells[col["period"]].value
        out.append(_Raw(
            row=row_idx,
            indicator=_code_text(cells[col["indicator_code"]].value),
            indicator_name=norm_text(cells[col["indicator_name"]].value),
            unit_code=_code_text(cells[col["unit_code"]].value),
            unit_name=norm_text(cells[col["unit_name"]].value),
            period=_code_text(period_raw) if period_raw is not None else None,
            kind=norm_text(kind_raw) if kind_raw is not None else None,
            reading=reading, raw_value=vcell.value, note=note))
    return out, data_rows


# --- what the store knows ---------------------------------------------------------------------------

def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def load_lookups(engine: Engine, province: str | None, raws: list[_Raw] | None = None) -> Lookups:
    with read_session(engine) as s:
        indicators = {i.code: i for i in s.scalars(select(Indicator))}
        stmt = select(AdminUnit).where(AdminUnit.level.in_(("district", "province")))
        units_all = list(s.scalars(stmt))
        if province:
            units = {u.code: u for u in units_all if u.code == province or u.parent_code == province}
        else:
            units = {u.code: u for u in units_all}
        agencies = list(s.scalars(select(Agency).where(Agency.province_code == province))) if province else \
            list(s.scalars(select(Agency)))
        for obj in (*indicators.values(), *units.values(), *agencies):
            s.expunge(obj)
    by_name: dict[str, str | None] = {}
    for code, ind in indicators.items():
        key = norm_key(ind.name_vi)
        by_name[key] = None if key in by_name else code  # ambiguous names identify nothing
    unit_by_name: dict[str, str | None] = {}
    for code, u in units.items():
        key = norm_key(u.name)
        unit_by_name[key] = None if key in unit_by_name else code
    roles: dict[str, list[str]] = defaultdict(list)
    ubnd: dict[str, str] = {}
    for a in agencies:
        if a.role:
            roles[a.role].append(a.code)
        if a.kind == "ubnd_huyen" and a.admin_unit_code:
            ubnd[a.admin_unit_code] = a.code
    province_unit = units.get(province) if province else None
    return Lookups(indicators=indicators, indicator_by_lower={c.lower(): c for c in indicators},
                   indicator_by_name=by_name, units=units, unit_by_name=unit_by_name,
                   province_name=province_unit.name if province_unit else (province or ""),
                   agencies_by_role=dict(roles), agency_names={a.code: a.name for a in agencies},
                   ubnd_by_unit=ubnd)


def load_current(engine: Engine, lookups: Lookups, pairs: set[tuple[str, str]]) -> None:
    """Figures in force for the (indicator, area) pairs of the file: exact keys (new/changed/unchanged)
    and the series the outlier check compares with."""
    if not pairs:
        return
    indicator_codes = sorted({i for i, _ in pairs})
    unit_codes = sorted({u for _, u in pairs})
    v = IndicatorValue
    current: dict = {}
    history: dict[tuple[str, str, str], dict[str, tuple[int, float]]] = defaultdict(dict)
    with read_session(engine) as s:
        for ind_chunk in _chunks(indicator_codes):
            for unit_chunk in _chunks(unit_codes):
                stmt = select(v.id, v.indicator_code, v.admin_unit_code, v.period, v.kind, v.revision,
                              v.value).where(v.superseded_at.is_(None), v.indicator_code.in_(ind_chunk),
                                             v.admin_unit_code.in_(unit_chunk))
                for rid, ind, unit, period, kind, revision, value in s.execute(stmt):
                    if (ind, unit) not in pairs:
                        continue
                    current[(ind, unit, period, kind)] = (rid, revision, value)
                    if kind in ("actual", "estimate") and value is not None and periods.is_valid(period):
                        p = periods.parse(period)
                        slot = history[(ind, unit, p.type)]
                        rank = 0 if kind == "actual" else 1  # an actual beats an estimate of the same period
                        if period not in slot or rank < slot[period][0]:
                            slot[period] = (rank, float(value))
    lookups.current = current
    lookups.history = {key: sorted((periods.sort_key(period), val) for period, (_, val) in slot.items())
                       for key, slot in history.items()}


def owners(lookups: Lookups, indicator: Indicator, unit_code: str) -> list[str]:
    """Agencies that may submit this figure: the department owning the indicator in the province, and
    the district's People's Committee for its own district."""
    codes = list(lookups.agencies_by_role.get(indicator.owner_role or "", []))
    if unit_code in lookups.ubnd_by_unit:
        codes.append(lookups.ubnd_by_unit[unit_code])
    return codes


_parse_period = functools.lru_cache(maxsize=4096)(periods.parse)


def _previous(series: list[tuple[tuple, float]] | None, before: tuple) -> list[float]:
    if not series:
        return []
    end = bisect.bisect_left(series, (before, float("-inf")))
    return [val for _, val in series[max(0, end - OUTLIER_HISTORY):end]]


def _outlier(lookups: Lookups, ind: Indicator, unit: str, period: str, kind: str,
             value: float) -> tuple[float, int, str] | None:
    """(median, how many previous figures, "ratio"|"spread") when ``value`` is far from the area's
    last figures of the same period type, else None."""
    if kind == "target":
        return None
    p = _parse_period(period)
    last = _previous(lookups.history.get((ind.code, unit, p.type)), p.sort_key)
    if len(last) < 2 and p.type != "year":
        # few half-year or quarter figures yet: compare with the yearly ones (a share of them for sums)
        share = (0.5 if p.type == "half" else 0.25) if ind.aggregation == "sum" else 1.0
        last = [x * share for x in _previous(lookups.history.get((ind.code, unit, "year")), p.sort_key)]
    if len(last) < 2:
        return None
    median = statistics.median(last)
    if median > 0 and value >= 0 and not ind.is_rate:
        if value > OUTLIER_RATIO * median or value < median / OUTLIER_RATIO:
            return median, len(last), "ratio"
        return None
    mad = statistics.median(abs(x - median) for x in last)
    spread = max(4 * 1.4826 * mad, 0.5 * abs(median), 1.0)
    if abs(value - median) > spread:
        return median, len(last), "spread"
    return None


# --- the whole check --------------------------------------------------------------------------------

def _resolve_indicator(lookups: Lookups, raw: _Raw) -> str | None:
    if raw.indicator:
        return lookups.indicator_by_lower.get(raw.indicator.lower())
    if raw.indicator_name:
        return lookups.indicator_by_name.get(norm_key(raw.indicator_name))
    return None


def _resolve_unit(lookups: Lookups, raw: _Raw) -> str | None:
    code = raw.unit_code
    if code:
        if code in lookups.units:
            return code
        if code.isdigit():  # a code typed as a number loses its leading zeros: 8 -> 008
            for width in (3, 2, 5):
                if code.zfill(width) in lookups.units:
                    return code.zfill(width)
        return None
    if raw.unit_name:
        return lookups.unit_by_name.get(norm_key(raw.unit_name))
    return None


def check_values(engine: Engine, actor: Actor, book: Book, meta: dict, report: Report,
                 progress: Progress = _noop) -> tuple[list[ValueRow], int]:
    """Every cell of the figures sheet. Returns the accepted figures (with their status against the
    store) and how many data rows the sheet had."""
    if not check_identity(meta, report, kind="values", version=VALUES_VERSION):
        return [], 0
    ws = check_sheet_and_headers(book, report, meta.get("data_sheet") or VALUES_SHEET, VALUE_COLUMNS)
    if ws is None:
        return [], 0
    check_merged(book, ws, report)
    title = ws.title
    try:
        expected = int(meta.get("rows") or 0)
    except ValueError:
        expected = 0
    expected = max(expected, (book.declared_rows(ws) or 0) - HEADER_ROW)
    raws, data_rows = _read_rows(book, ws, report, progress, expected)
    total = len(raws)
    if data_rows == 0:
        report.error("no_rows", f"Trang '{title}' không có dòng số liệu nào dưới dòng tiêu đề.",
                     f"Sheet '{title}' has no data rows below the header row.", sheet=title, row=FIRST_DATA_ROW)
        return [], 0
    if total == 0 and not report.errors:
        n_col, value_col = next((i, c) for i, c in enumerate(VALUE_COLUMNS, 1) if c.key == "value")
        col = letter(n_col)
        report.error("nothing_filled",
                     f"Chưa có số liệu mới nào: cột '{value_col.vi}' (cột {col}) để trống ở mọi dòng.",
                     f"No new figure: column '{value_col.vi}' ({value_col.en}, column {col}) is empty on every "
                     "row.",
                     sheet=title, row=FIRST_DATA_ROW, column=col)
        return [], data_rows

    lookups = load_lookups(engine, meta.get("province") or None)
    L = {c.key: letter(i) for i, c in enumerate(VALUE_COLUMNS, start=1)}
    style = numbers.file_style(r.reading for r in raws)
    resolved: list[tuple[_Raw, Indicator, str, str, str, float]] = []
    pairs: set[tuple[str, str]] = set()
    first_row: dict[tuple, int] = {}
    may_any = allowed(actor, "values.import_any")
    permitted: dict[tuple[str, str], bool] = {}
    kinds_vi = ", ".join(KIND_WORDS.values())
    period_codes: dict[str, str] = {}
    for n, raw in enumerate(raws, start=1):
        if n % PROGRESS_EVERY == 0:
            progress(n, total, "check")
        where = {"sheet": title, "row": raw.row}
        ok = True
        code = _resolve_indicator(lookups, raw)
        if code is None:
            ok = False
            if raw.indicator or raw.indicator_name:
                report.error("unknown_indicator",
                             f"Mã chỉ tiêu '{shown(raw.indicator or raw.indicator_name)}' không có trong danh mục "
                             "chỉ tiêu. Hãy dùng đúng mã trong biểu mẫu tải từ hệ thống.",
                             f"Indicator code '{shown(raw.indicator or raw.indicator_name)}' is not in the "
                             "catalogue. Use the codes of the template downloaded from the system.",
                             column=L["indicator_code"], value=raw.indicator or raw.indicator_name, **where)
            else:
                report.error("missing_indicator", "Dòng có số liệu nhưng thiếu mã chỉ tiêu.",
                             "The row has a figure but no indicator code.", column=L["indicator_code"], **where)
        unit = _resolve_unit(lookups, raw)
        if unit is None:
            ok = False
            if raw.unit_code or raw.unit_name:
                report.error("unknown_unit",
                             f"Mã đơn vị hành chính '{shown(raw.unit_code or raw.unit_name)}' không phải một huyện, "
                             f"thành phố (hay tỉnh) {lookups.province_name}. Hãy dùng mã trong biểu mẫu.",
                             f"Area code '{shown(raw.unit_code or raw.unit_name)}' is not a district (or the "
                             f"province) of {lookups.province_name}. Use the codes of the template.",
                             column=L["unit_code"], value=raw.unit_code or raw.unit_name, **where)
            else:
                report.error("missing_unit", "Dòng có số liệu nhưng thiếu mã đơn vị hành chính.",
                             "The row has a figure but no area code.", column=L["unit_code"], **where)
        period = None
        if not raw.period:
            ok = False
            report.error("missing_period", "Dòng có số liệu nhưng thiếu kỳ số liệu (ví dụ 2025, 2026-H1, 2026-Q3).",
                         "The row has a figure but no period (e.g. 2025, 2026-H1, 2026-Q3).",
                         column=L["period"], **where)
        else:
            period = period_codes.get(raw.period)
            if period is None:
                try:
                    period = period_codes[raw.period] = periods.validate(raw.period)
                except ValidationFailed as exc:
                    ok = False
                    report.error("unknown_period", exc.message_vi, exc.message_en, column=L["period"],
                                 value=raw.period, **where)
        kind = kind_code(raw.kind) if raw.kind else None
        if kind not in VALUE_KINDS:
            ok = False
            report.error("bad_kind",
                         f"Loại số liệu '{shown(raw.kind)}' không hợp lệ: hãy chọn {kinds_vi}.",
                         f"Kind '{shown(raw.kind)}' is not valid: choose Thực hiện (actual), Ước thực hiện "
                         "(estimate) or Mục tiêu (target).", column=L["kind"], value=raw.kind, **where)
        reading = raw.reading
        value_where = {"column": L["value"], "value": raw.raw_value, **where}
        if reading.error:
            ok = False
            _number_error(report, reading.error, raw.raw_value, value_where)
            continue
        value = reading.resolved(style)
        ind = lookups.indicators.get(code) if code else None
        if ind is not None:
            if reading.percent and "%" not in (ind.unit or ""):
                ok = False
                report.error("percent_unit",
                             f"Chỉ tiêu '{ind.name_vi}' tính bằng '{ind.unit}', không phải %, nhưng ô ghi "
                             f"'{shown(raw.raw_value)}'. Hãy ghi số theo đơn vị {ind.unit}.",
                             f"Indicator '{ind.name_en}' is measured in '{ind.unit_en or ind.unit}', not percent, "
                             f"but the cell reads '{shown(raw.raw_value)}'. Write the figure in that unit.",
                             **value_where)
            elif ind.min_value is not None and value < ind.min_value:
                ok = False
                if ind.min_value == 0:
                    vi, en = "không thể là số âm", "cannot be negative"
                else:
                    vi = f"không thể nhỏ hơn {numbers.fmt_num(ind.min_value)}"
                    en = f"cannot be below {numbers.fmt_num(ind.min_value, 'en')}"
                report.error("below_min",
                             f"Chỉ tiêu '{ind.name_vi}' {vi}; tìm thấy {numbers.fmt_num(value)}.",
                             f"Indicator '{ind.name_en}' {en}; found {numbers.fmt_num(value, 'en')}.", **value_where)
            elif ind.max_value is not None and value > ind.max_value:
                ok = False
                report.error("above_max",
                             f"Chỉ tiêu '{ind.name_vi}' không thể lớn hơn {numbers.fmt_num(ind.max_value)} "
                             f"({ind.unit}); tìm thấy {numbers.fmt_num(value)}.",
                             f"Indicator '{ind.name_en}' cannot exceed {numbers.fmt_num(ind.max_value, 'en')} "
                             f"({ind.unit_en or ind.unit}); found {numbers.fmt_num(value, 'en')}.", **value_where)
            if raw.indicator and raw.indicator_name and norm_key(raw.indicator_name) != norm_key(ind.name_vi):
                report.warning("name_mismatch",
                               f"Tên chỉ tiêu '{shown(raw.indicator_name)}' khác tên trong danh mục của mã "
                               f"'{ind.code}' ('{ind.name_vi}'); số liệu được ghi theo mã.",
                               f"Indicator name '{shown(raw.indicator_name)}' differs from the catalogue's name for "
                               f"code '{ind.code}' ('{ind.name_en}'); the figure is recorded by its code.",
                               sheet=title, row=raw.row, column=L["indicator_name"], value=raw.indicator_name)
        if unit is not None and raw.unit_code and raw.unit_name \
                and norm_key(raw.unit_name) != norm_key(lookups.units[unit].name):
            report.warning("name_mismatch",
                           f"Tên đơn vị '{shown(raw.unit_name)}' khác tên của mã '{unit}' "
                           f"('{lookups.units[unit].name}'); số liệu được ghi theo mã.",
                           f"Area name '{shown(raw.unit_name)}' differs from the name of code '{unit}' "
                           f"('{lookups.units[unit].name}'); the figure is recorded by its code.",
                           sheet=title, row=raw.row, column=L["unit_name"], value=raw.unit_name)
        if reading.ambiguous is not None:
            sep = "," if "," in str(raw.raw_value) else "."
            thousands = abs(value) >= 1000  # the thousands reading is the larger one
            way_vi = f"dấu '{sep}' " + ("ngăn cách hàng nghìn" if thousands else "là dấu thập phân")
            way_en = f"'{sep}' " + ("separating thousands" if thousands else "as the decimal mark")
            report.warning("ambiguous_number",
                           f"Số '{shown(raw.raw_value)}' có thể hiểu hai cách; đã hiểu là {numbers.fmt_num(value)} "
                           f"({way_vi}, theo cách viết số của cả tệp). Nếu không đúng, hãy sửa ô này.",
                           f"'{shown(raw.raw_value)}' can be read two ways; it was read as "
                           f"{numbers.fmt_num(value, 'en')} ({way_en}, following the number style of the whole file). If "
                           "that is wrong, correct the cell.", **value_where)
        if not ok or ind is None or unit is None or period is None or kind is None:
            continue
        key = (ind.code, unit, period, kind)
        if key in first_row:
            report.error("duplicate",
                         f"Dòng này trùng với dòng {first_row[key]}: cùng chỉ tiêu, đơn vị hành chính, kỳ và loại "
                         "số liệu. Hãy giữ lại một dòng.",
                         f"This row repeats row {first_row[key]}: same indicator, area, period and kind. Keep "
                         "one of them.", column=L["indicator_code"], value=ind.code, **where)
            continue
        first_row[key] = raw.row
        if not may_any:
            pair = (ind.code, unit)
            if pair not in permitted:
                permitted[pair] = allowed(actor, "values.submit", owners(lookups, ind, unit))
            if not permitted[pair]:
                who = ", ".join(lookups.agency_names.get(c, c) for c in owners(lookups, ind, unit)) or "Sở KH&ĐT"
                own = lookups.agency_names.get(actor.agency_code or "", actor.agency_code or "")
                report.error("not_permitted",
                             f"Tài khoản {actor.username} ({own}) không được gửi số liệu chỉ tiêu '{ind.name_vi}' "
                             f"của {lookups.units[unit].name}: chỉ tiêu này do {who} gửi.",
                             f"Account {actor.username} ({own}) may not submit '{ind.name_en}' for "
                             f"{lookups.units[unit].name}: it is sent by {who}.",
                             column=L["indicator_code"], value=ind.code, **where)
                continue
        pairs.add((ind.code, unit))
        resolved.append((raw, ind, unit, period, kind, value))

    progress(total, total, "check")
    load_current(engine, lookups, pairs)
    out: list[ValueRow] = []
    for raw, ind, unit, period, kind, value in resolved:
        far = _outlier(lookups, ind, unit, period, kind, value)
        if far is not None:
            median, n_prev, _how = far
            report.warning("far_from_previous",
                           f"Số liệu {numbers.fmt_num(value)} khác xa các kỳ trước của "
                           f"{lookups.units[unit].name} (trung vị {numbers.fmt_num(round(median, 4))} của {n_prev} "
                           "kỳ gần nhất). Hãy kiểm tra lại đơn vị tính và số liệu; số liệu vẫn có thể nhập.",
                           f"Figure {numbers.fmt_num(value, 'en')} is far from {lookups.units[unit].name}'s "
                           f"previous figures (median {numbers.fmt_num(round(median, 4), 'en')} of the last "
                           f"{n_prev}). Check the unit and the figure; it can still be imported.",
                           sheet=title, row=raw.row, column=L["value"], value=raw.raw_value)
        cur = lookups.current.get((ind.code, unit, period, kind))
        row = ValueRow(row=raw.row, indicator=ind.code, unit_code=unit, period=period, kind=kind, value=value,
                       note=raw.note)
        if cur is None:
            row.status = "new"
        else:
            row.old_id, row.old_revision, row.old_value = cur
            same = row.old_value is not None and abs(row.old_value - value) <= 1e-9 * max(1.0, abs(value))
            row.status = "unchanged" if same else "changed"
        out.append(row)
    return out, data_rows


def _number_error(report: Report, error: str, raw, where: dict) -> None:
    text = shown(raw)
    if error == "formula":
        report.error("formula",
                     f"Ô chứa công thức ({text}). Hãy thay bằng giá trị: sao chép rồi Dán đặc biệt → Giá trị.",
                     f"The cell holds a formula ({text}). Replace it with its value: copy, then Paste Special → "
                     "Values.", **where)
    elif error == "date":
        report.error("date_not_number",
                     "Ô chứa ngày tháng chứ không phải số. Hãy định dạng ô là Số (Number) rồi ghi lại số liệu.",
                     "The cell holds a date, not a number. Format the cell as Number and type the figure again.",
                     **where)
    elif error == "error_value":
        report.error("excel_error",
                     f"Ô chứa lỗi của Excel ({text}). Hãy ghi số liệu thay cho lỗi.",
                     f"The cell holds an Excel error ({text}). Type the figure instead.", **where)
    else:
        report.error("not_number",
                     f"'{text}' không phải là số. Hãy ghi một số, ví dụ 1.234,5 hoặc 1234.5 (không kèm chữ hay "
                     "đơn vị tính).",
                     f"'{text}' is not a number. Write a number, e.g. 1.234,5 or 1234.5 (no words or units).",
                     **where)
