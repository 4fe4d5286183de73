"""The checks of one figures row, one function each, in the order their problems are reported:

1. the identifying cells, each resolved against the store or reported (``FIELD_CHECKS``): indicator
   (by code, else by its name), area (a code that lost its leading zeros is found), period, kind;
2. the figure: a number (``NUMBER_ERRORS`` says why not), then the first bound it breaks
   (``BOUND_CHECKS``: a percent for an indicator not in %, below the minimum, above the maximum);
3. warnings that do not refuse the row (``WARNING_CHECKS``): names differing from the catalogue's, a
   number that reads two ways;
4. for a row that passed: not a second row for the same figure, and the actor may submit it.

``RowChecker.check`` runs them and returns an ``Accepted`` row, or None when the row has an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .. import periods
from ..errors import ValidationFailed
from ..models import VALUE_KINDS, AdminUnitVersion, Indicator
from ..permissions import Actor, allowed
from ..units import versions
from . import numbers
from .common import KIND_WORDS, Report, kind_code, norm_key, shown
from .lookups import Lookups, owners, versions_then
from .value_rows import RawRow

KINDS_VI = ", ".join(KIND_WORDS.values())
UNIT_CODE_WIDTHS = (3, 2, 5)  # a code typed as a number loses its leading zeros: 8 -> 008


@dataclass
class Accepted:
    """A row that passed every check, with its codes resolved and its figure read."""

    raw: RawRow
    ind: Indicator
    unit: str
    period: str
    kind: str
    value: float
    unit_id: int | None = None  # the version the code meant in the period


@dataclass
class _Row:
    """One row while it is being checked."""

    raw: RawRow
    where: dict
    code: str | None = None
    unit: str | None = None
    period: str | None = None
    kind: str | None = None
    value: float | None = None
    ind: Indicator | None = None
    version: AdminUnitVersion | None = None  # the unit the code meant in the row's period
    value_where: dict = field(default_factory=dict)


# --- 1. the identifying cells ------------------------------------------------------------------------

def resolve_indicator(lookups: Lookups, raw: RawRow) -> str | None:
    if raw.indicator:
        return lookups.indicator_by_lower.get(raw.indicator.lower())
    if raw.indicator_name:
        return lookups.indicator_by_name.get(norm_key(raw.indicator_name))
    return None


def resolve_unit(lookups: Lookups, raw: RawRow) -> str | None:
    code = raw.unit_code
    if code:
        if code in lookups.units:
            return code
        if code.isdigit():
            return next((code.zfill(w) for w in UNIT_CODE_WIDTHS if code.zfill(w) in lookups.units), None)
        return None
    if raw.unit_name:
        return lookups.unit_by_name.get(norm_key(raw.unit_name))
    return None


def _check_indicator(checker: RowChecker, row: _Row) -> None:
    raw = row.raw
    row.code = resolve_indicator(checker.lookups, raw)
    if row.code is not None:
        return
    typed = raw.indicator or raw.indicator_name
    if typed:
        checker.report.error(
            "unknown_indicator",
            f"Mã chỉ tiêu '{shown(typed)}' không có trong danh mục chỉ tiêu. Hãy dùng đúng mã trong biểu mẫu tải "
            "từ hệ thống.",
            f"Indicator code '{shown(typed)}' is not in the catalogue. Use the codes of the template downloaded "
            "from the system.", column=row.raw.letter("indicator_code"), value=typed, **row.where)
    else:
        checker.report.error("missing_indicator", "Dòng có số liệu nhưng thiếu mã chỉ tiêu.",
                             "The row has a figure but no indicator code.",
                             column=row.raw.letter("indicator_code"),
                             **row.where)


def _check_unit(checker: RowChecker, row: _Row) -> None:
    raw = row.raw
    row.unit = resolve_unit(checker.lookups, raw)
    if row.unit is not None:
        return
    typed = raw.unit_code or raw.unit_name
    province = checker.lookups.province_name
    if typed:
        checker.report.error(
            "unknown_unit",
            f"Mã đơn vị hành chính '{shown(typed)}' không phải một đơn vị (xã, phường, huyện hay tỉnh) của "
            f"{province}. Hãy dùng mã trong biểu mẫu.",
            f"Area code '{shown(typed)}' is not a unit (commune, district or the province) of {province}. Use the "
            "codes of the template.", column=row.raw.letter("unit_code"), value=typed, **row.where)
    else:
        checker.report.error("missing_unit", "Dòng có số liệu nhưng thiếu mã đơn vị hành chính.",
                             "The row has a figure but no area code.", column=row.raw.letter("unit_code"),
                             **row.where)


def _check_period(checker: RowChecker, row: _Row) -> None:
    typed = row.raw.period
    if not typed:
        checker.report.error("missing_period",
                             "Dòng có số liệu nhưng thiếu kỳ số liệu (ví dụ 2025, 2026-H1, 2026-Q3).",
                             "The row has a figure but no period (e.g. 2025, 2026-H1, 2026-Q3).",
                             column=row.raw.letter("period"), **row.where)
        return
    row.period = checker.period_codes.get(typed)
    if row.period is not None:
        return
    try:
        row.period = checker.period_codes[typed] = periods.validate(typed)
    except ValidationFailed as exc:
        checker.report.error("unknown_period", exc.message_vi, exc.message_en, column=row.raw.letter("period"),
                             value=typed, **row.where)


def _check_kind(checker: RowChecker, row: _Row) -> None:
    typed = row.raw.kind
    kind = kind_code(typed) if typed else None
    if kind in VALUE_KINDS:
        row.kind = kind
        return
    checker.report.error(
        "bad_kind", f"Loại số liệu '{shown(typed)}' không hợp lệ: hãy chọn {KINDS_VI}.",
        f"Kind '{shown(typed)}' is not valid: choose Thực hiện (actual), Ước thực hiện (estimate) or Mục tiêu "
        "(target).", column=row.raw.letter("kind"), value=typed, **row.where)


def _name_is(typed: str, unit: AdminUnitVersion) -> bool:
    return norm_key(typed) == norm_key(unit.name)


def _check_unit_then(checker: RowChecker, row: _Row) -> None:
    """The code meant one unit in the row's period, and the row's name (if any) is that unit: a code that
    meant another unit then, or a name of a unit that did not exist then, is refused naming both."""
    if row.unit is None or row.period is None:
        return
    raw, code, period = row.raw, row.unit, row.period
    then = versions_then(checker.lookups, code, period)
    where = {"column": raw.letter("unit_code"), "value": raw.unit_code or code, **row.where}
    if not then:
        exc = versions.no_unit_then(code, period, checker.lookups.versions.get(code, ()))
    elif len(then) > 1:
        exc = versions.two_units_then(code, period, then)
    elif raw.unit_name and not _name_is(raw.unit_name, then[0]) and _existed_otherwise(checker, raw.unit_name,
                                                                                        code, period):
        exc = versions.other_unit_then(code, period, then[0], shown(raw.unit_name))
        where = {**where, "column": raw.letter("unit_name"), "value": raw.unit_name}
    else:
        row.version = then[0]
        return
    row.unit = None
    checker.report.error("unit_not_then", exc.message_vi, exc.message_en, **where)


def _existed_otherwise(checker: RowChecker, typed: str, code: str, period: str) -> bool:
    """``typed`` names another version of ``code``, or a unit of the province only outside ``period``."""
    if any(_name_is(typed, v) for v in checker.lookups.versions.get(code, ())):
        return True
    named = [v for vs in checker.lookups.versions.values() for v in vs if _name_is(typed, v)]
    return bool(named) and not any(v in versions_then(checker.lookups, v.code, period) for v in named)


FIELD_CHECKS: tuple[Callable[[RowChecker, _Row], None], ...] = (
    _check_indicator, _check_unit, _check_period, _check_kind, _check_unit_then)


# --- 2. the figure ------------------------------------------------------------------------------------

# why a cell is not a number -> (problem code, Vietnamese, English); ``{text}`` is the cell as typed
NUMBER_ERRORS: dict[str, tuple[str, str, str]] = {
    "formula": ("formula",
                "Ô chứa công thức ({text}). Hãy thay bằng giá trị: sao chép rồi Dán đặc biệt → Giá trị.",
                "The cell holds a formula ({text}). Replace it with its value: copy, then Paste Special → Values."),
    "date": ("date_not_number",
             "Ô chứa ngày tháng chứ không phải số. Hãy định dạng ô là Số (Number) rồi ghi lại số liệu.",
             "The cell holds a date, not a number. Format the cell as Number and type the figure again."),
    "error_value": ("excel_error",
                    "Ô chứa lỗi của Excel ({text}). Hãy ghi số liệu thay cho lỗi.",
                    "The cell holds an Excel error ({text}). Type the figure instead."),
}
NOT_A_NUMBER = ("not_number",
                ("'{text}' không phải là số. Hãy ghi một số, ví dụ 1.234,5 hoặc 1234.5 (không kèm chữ hay đơn vị "
                 "tính)."),
                "'{text}' is not a number. Write a number, e.g. 1.234,5 or 1234.5 (no words or units).")


def report_number_error(report: Report, error: str, raw, where: dict) -> None:
    code, vi, en = NUMBER_ERRORS.get(error, NOT_A_NUMBER)
    text = shown(raw)
    report.error(code, vi.format(text=text), en.format(text=text), **where)


Problem = tuple[str, str, str] | None  # (code, Vietnamese, English)


def _percent_in_other_unit(ind: Indicator, raw: RawRow, value: float) -> Problem:
    if not raw.reading.percent or "%" in (ind.unit or ""):
        return None
    typed = shown(raw.raw_value)
    return ("percent_unit",
            (f"Chỉ tiêu '{ind.name_vi}' tính bằng '{ind.unit}', không phải %, nhưng ô ghi '{typed}'. Hãy ghi số "
             f"theo đơn vị {ind.unit}."),
            (f"Indicator '{ind.name_en}' is measured in '{ind.unit_en or ind.unit}', not percent, but the cell "
             f"reads '{typed}'. Write the figure in that unit."))


def _below_min(ind: Indicator, raw: RawRow, value: float) -> Problem:
    if ind.min_value is None or not value < ind.min_value:
        return None
    if ind.min_value == 0:
        vi, en = "không thể là số âm", "cannot be negative"
    else:
        vi = f"không thể nhỏ hơn {numbers.fmt_num(ind.min_value)}"
        en = f"cannot be below {numbers.fmt_num(ind.min_value, 'en')}"
    return ("below_min", f"Chỉ tiêu '{ind.name_vi}' {vi}; tìm thấy {numbers.fmt_num(value)}.",
            f"Indicator '{ind.name_en}' {en}; found {numbers.fmt_num(value, 'en')}.")


def _above_max(ind: Indicator, raw: RawRow, value: float) -> Problem:
    if ind.max_value is None or not value > ind.max_value:
        return None
    return ("above_max",
            (f"Chỉ tiêu '{ind.name_vi}' không thể lớn hơn {numbers.fmt_num(ind.max_value)} ({ind.unit}); tìm thấy "
             f"{numbers.fmt_num(value)}."),
            (f"Indicator '{ind.name_en}' cannot exceed {numbers.fmt_num(ind.max_value, 'en')} "
             f"({ind.unit_en or ind.unit}); found {numbers.fmt_num(value, 'en')}."))


# the first bound a figure breaks is reported (one error per cell)
BOUND_CHECKS: tuple[Callable[[Indicator, RawRow, float], Problem], ...] = (
    _percent_in_other_unit, _below_min, _above_max)


def bound_problem(ind: Indicator, raw: RawRow, value: float) -> Problem:
    return next((p for check in BOUND_CHECKS if (p := check(ind, raw, value)) is not None), None)


# --- 3. warnings ----------------------------------------------------------------------------------------

def _indicator_name_differs(checker: RowChecker, row: _Row) -> None:
    raw, ind = row.raw, row.ind
    if ind is None or not (raw.indicator and raw.indicator_name) \
            or norm_key(raw.indicator_name) == norm_key(ind.name_vi):
        return
    checker.report.warning(
        "name_mismatch",
        f"Tên chỉ tiêu '{shown(raw.indicator_name)}' khác tên trong danh mục của mã '{ind.code}' "
        f"('{ind.name_vi}'); số liệu được ghi theo mã.",
        f"Indicator name '{shown(raw.indicator_name)}' differs from the catalogue's name for code '{ind.code}' "
        f"('{ind.name_en}'); the figure is recorded by its code.",
        column=row.raw.letter("indicator_name"), value=raw.indicator_name, **row.where)


def _unit_name_differs(checker: RowChecker, row: _Row) -> None:
    raw = row.raw
    if row.version is None or not (raw.unit_code and raw.unit_name):
        return
    name = row.version.name
    if norm_key(raw.unit_name) == norm_key(name):
        return
    checker.report.warning(
        "name_mismatch",
        f"Tên đơn vị '{shown(raw.unit_name)}' khác tên của mã '{row.unit}' ('{name}'); số liệu được ghi theo mã.",
        f"Area name '{shown(raw.unit_name)}' differs from the name of code '{row.unit}' ('{name}'); the figure "
        "is recorded by its code.", column=row.raw.letter("unit_name"), value=raw.unit_name, **row.where)


def _number_reads_two_ways(checker: RowChecker, row: _Row) -> None:
    raw, value = row.raw, row.value
    if raw.reading.ambiguous is None:
        return
    typed = shown(raw.raw_value)
    sep = "," if "," in str(raw.raw_value) else "."
    thousands = abs(value) >= 1000  # the thousands reading is the larger one
    way_vi = f"dấu '{sep}' " + ("ngăn cách hàng nghìn" if thousands else "là dấu thập phân")
    way_en = f"'{sep}' " + ("separating thousands" if thousands else "as the decimal mark")
    checker.report.warning(
        "ambiguous_number",
        f"Số '{typed}' có thể hiểu hai cách; đã hiểu là {numbers.fmt_num(value)} ({way_vi}, theo cách viết số "
        "của cả tệp). Nếu không đúng, hãy sửa ô này.",
        f"'{typed}' can be read two ways; it was read as {numbers.fmt_num(value, 'en')} ({way_en}, following "
        "the number style of the whole file). If that is wrong, correct the cell.", **row.value_where)


WARNING_CHECKS: tuple[Callable[[RowChecker, _Row], None], ...] = (
    _indicator_name_differs, _unit_name_differs, _number_reads_two_ways)


# --- the whole row --------------------------------------------------------------------------------------

class RowChecker:
    """Checks the rows of one file in order (a figure seen on an earlier row is a duplicate)."""

    def __init__(self, actor: Actor, lookups: Lookups, report: Report, sheet: str, style: str | None):
        self.actor, self.lookups, self.report, self.sheet, self.style = actor, lookups, report, sheet, style
        self.period_codes: dict[str, str] = {}
        self.first_row: dict[tuple, int | str] = {}
        self.may_any = allowed(actor, "values.import_any")
        self.permitted: dict[tuple[str, str], bool] = {}

    def check(self, raw: RawRow) -> Accepted | None:
        row = _Row(raw=raw, where={"sheet": raw.sheet or self.sheet, "row": raw.row})
        for field_check in FIELD_CHECKS:
            field_check(self, row)
        row.value_where = {"column": raw.letter("value"), "value": raw.raw_value, **row.where}
        if raw.reading.error:
            report_number_error(self.report, raw.reading.error, raw.raw_value, row.value_where)
            return None
        row.value = raw.reading.resolved(self.style)
        row.ind = self.lookups.indicators.get(row.code) if row.code else None
        problem = bound_problem(row.ind, raw, row.value) if row.ind is not None else None
        if problem is not None:
            self.report.error(*problem, **row.value_where)
        for warning_check in WARNING_CHECKS:
            warning_check(self, row)
        if problem is not None or None in (row.ind, row.unit, row.version, row.period, row.kind):
            return None
        if self._duplicate(row) or not self._permitted(row):
            return None
        return Accepted(raw, row.ind, row.unit, row.period, row.kind, row.value, row.version.id)

    def _duplicate(self, row: _Row) -> bool:
        key = (row.ind.code, row.unit, row.period, row.kind)
        first = self.first_row.get(key)
        if first is None:
            raw = row.raw  # a sender's workbook has several sheets: the first row is named with its sheet
            self.first_row[key] = f"{raw.row} ('{raw.sheet}')" if raw.sheet else raw.row
            return False
        self.report.error(
            "duplicate",
            f"Dòng này trùng với dòng {first}: cùng chỉ tiêu, đơn vị hành chính, kỳ và loại số liệu. Hãy giữ lại "
            "một dòng.",
            f"This row repeats row {first}: same indicator, area, period and kind. Keep one of them.",
            column=row.raw.letter("indicator_code"), value=row.ind.code, **row.where)
        return True

    def _permitted(self, row: _Row) -> bool:
        if self.may_any:
            return True
        ind, unit = row.ind, row.version.id
        pair = (ind.code, unit)
        if pair not in self.permitted:
            self.permitted[pair] = allowed(self.actor, "values.submit", owners(self.lookups, ind, unit))
        if self.permitted[pair]:
            return True
        names = self.lookups.agency_names
        who = ", ".join(names.get(c, c) for c in owners(self.lookups, ind, unit)) or "Sở KH&ĐT"
        own = names.get(self.actor.agency_code or "", self.actor.agency_code or "")
        area = row.version.name
        self.report.error(
            "not_permitted",
            f"Tài khoản {self.actor.username} ({own}) không được gửi số liệu chỉ tiêu '{ind.name_vi}' của {area}: "
            f"chỉ tiêu này do {who} gửi.",
            f"Account {self.actor.username} ({own}) may not submit '{ind.name_en}' for {area}: it is sent by "
            f"{who}.", column=row.raw.letter("indicator_code"), value=ind.code, **row.where)
        return False
