"""The senders' own workbooks (issue 16): recognise, propose a mapping, then exactly the template's path.

    proposal = foreign.propose(engine, actor, data, "bieu01.xlsx")           # mapping + problems, nothing written
    proposal.mapping.set_row("Biểu 01", 12, "poverty_rate")                # the user settles a row
    plan = foreign.dry_run(engine, actor, data, "bieu01.xlsx", proposal.mapping)
    intake.commit(engine, actor, plan)                                       # the template's commit, unchanged

``dry_run`` turns the confirmed mapping into the rows the template import reads (``value_rows.RawRow``: one
per figure cell, with its own sheet and column letters) and runs them through the same checks
(``value_checks.RowChecker``) and the same comparison with the store (``validate.settle``); the ``Plan`` it
returns is the template's, so the dry run table, the report and the all-or-nothing commit are shared.
Before that, at its cell: a formula without a cached value, a number in the other decimal style than the
file's (``10.8`` among ``1.234,5``), a ĐVT of another quantity than the indicator's, a unit that did not
exist in the period. Figures in another scale (triệu đồng for an indicator in tỷ đồng) are converted.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from openpyxl import load_workbook
from sqlalchemy import Engine

from .. import periods
from ..permissions import Actor, require
from ..units import versions
from . import numbers, reader
from .common import TEMPLATE_MARK, Report, shown
from .headings import context_year
from .lookups import load_lookups
from .mapping import ColumnChoice, Mapping, RowChoice, SheetChoice
from .match_rows import Matcher
from .measures import conversion
from .plan import Plan
from .profiles import apply, find_profile, fingerprint
from .recognise import Table, find_tables
from .senders import Directory, read_sender
from .validate import settle
from .value_checks import RowChecker
from .value_rows import RawRow

LEVELS = ("district", "province", "commune")
SKIP_WORDS = {"total": ("dòng tổng", "a total row"), "section": ("dòng tiêu đề mục", "a section heading"),
              "no_figures": ("dòng không có số liệu", "a row without figures"),
              "signature": ("phần ký tên: hết bảng", "the signature block: end of the table"),
              "numbering": ("dòng đánh số cột", "the column numbers row"),
              "no_name": ("dòng có số nhưng không có tên chỉ tiêu", "figures without an indicator name"),
              "hidden": ("dòng bị ẩn trong Excel", "a row hidden in Excel"),
              "blank": ("dòng trống", "a blank row")}
WARNED_SKIPS = ("no_name", "hidden")
# What senders type in a cell for "no figure" ("-", "x", "…"): read as blank, never as a problem.
NO_FIGURE = frozenset({"-", "–", "—", "x", "X", "...", "…", "*", "/", "k/c", "không"})  # skipped rows with figures: the dry run says so at the row


def skipped_text(sheet: SheetChoice, lang: str = "vi") -> str:
    """The rows a sheet's reading left out, with why: "dòng 12 (dòng tổng), dòng 15 (phần ký tên: …)"."""
    word = "dòng" if lang == "vi" else "row"
    return ", ".join(f"{word} {row} ({SKIP_WORDS.get(why, (why, why))[0 if lang == 'vi' else 1]})"
                     for row, why in sheet.skipped if why != "blank")


@dataclass
class Proposal:
    mapping: Mapping
    problems: list = field(default_factory=list)
    sheets_without_table: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def _actor_province(directory: Directory, actor: Actor) -> str | None:
    if not actor.agency_code:
        return None
    return next((a["province_code"] for a in directory.agencies if a["code"] == actor.agency_code), None)


def _sheet_choice(table: Table, matcher: Matcher, known: dict) -> SheetChoice:
    cols = [ColumnChoice(c.letter, c.heading, c.meaning.role, c.meaning.period, c.meaning.kind,
                         c.meaning.reason_vi, c.meaning.reason_en, asked=c.meaning.role == "unknown")
            for c in table.columns if c.meaning.role in ("value", "ignored", "unknown")]
    rows = []
    for r in table.rows:
        m = matcher.match(r.name, r.unit_text, known)
        rows.append(RowChoice(r.row, r.name, r.unit_text, m.code, m.score,
                              [(c.code, c.score) for c in m.candidates], m.source))
    name_col, unit_col = table.role_column("name"), table.role_column("unit")
    return SheetChoice(table.title, table.header_row, cols, rows, name_col.letter if name_col else None,
                       unit_col.letter if unit_col else None, list(table.skipped), include=not table.hidden,
                       hidden=table.hidden)


def _open(source, file_name) -> reader.Upload:
    return reader.load(source, file_name)


def propose(engine: Engine, actor: Actor, source: bytes | str | Path | BinaryIO, file_name: str | None = None,
            *, profile: dict | None = None) -> Proposal:
    """Recognise the tables and the sender, and propose a mapping (a saved profile applied when one fits,
    or ``profile`` when given). Refusals of the file itself are problems, as in the template's dry run."""
    require(actor, "values.submit")
    report = Report()
    try:
        upload = _open(source, file_name)
        with reader.Book(upload) as book:
            tables, without = find_tables(book)
    except reader.FileRefused as exc:
        report.error(exc.code, exc.message_vi, exc.message_en, sheet=exc.sheet)
        name = Path(str(file_name or getattr(source, "name", "") or "tep")).name
        return Proposal(Mapping(name, "", {}, None, None, []), report.problems)
    directory = Directory.load(engine)
    lines = [line for t in tables for line in t.title_lines]
    sender = read_sender(lines, directory, _actor_province(directory, actor), context_year(lines))
    lookups = load_lookups(engine, None, LEVELS)
    matcher = Matcher(lookups.indicators)
    fp = fingerprint([(c.heading, c.meaning.role) for c in t.columns] for t in tables) if tables else ""
    found = profile or (find_profile(engine, sender.key, fp) if sender.key else None)
    known = (found or {}).get("body", {}).get("rows", {})
    mapping = Mapping(upload.name, upload.sha256, sender.as_dict(), sender.unit_code, sender.agency_code,
                      [_sheet_choice(t, matcher, known) for t in tables], fp)
    if found is not None:
        apply(mapping, found)
        other = found.get("body", {}).get("unit_code")
        if other and mapping.unit_code and other != mapping.unit_code:
            report.warning("profile_of_another_sender",
                           f"Hồ sơ '{found['name']}' được lập cho đơn vị mã {other}, nhưng tệp {upload.name} ghi đơn vị "
                           f"gửi là '{shown(sender.text)}': số liệu được ghi cho đơn vị của tệp ({mapping.unit_code}).",
                           f"Profile '{found['name']}' was made for unit {other}, but file {upload.name} names its "
                           f"sender '{shown(sender.text)}': the figures go to the file's unit ({mapping.unit_code}).")
    if not tables:
        report.error("no_table",
                     f"Không tìm thấy bảng số liệu nào trong tệp {upload.name}: cần một dòng tiêu đề có cột 'Chỉ "
                     "tiêu' (hoặc 'Nội dung') và ít nhất một cột số liệu như 'Thực hiện 2024', 'Kế hoạch 2026'.",
                     f"No table of figures was found in file {upload.name}: a header row needs a 'Chỉ tiêu' (or "
                     "'Nội dung') column and at least one figures column such as 'Thực hiện 2024' or 'Kế hoạch "
                     "2026'.")
    if not mapping.unit_code:
        report.error("unknown_sender",
                     f"Không xác định được đơn vị gửi từ phần đầu tệp {upload.name} ('{shown(sender.text) or '—'}'): "
                     "hãy chọn đơn vị hành chính của số liệu.",
                     f"The sender cannot be told from the heading of file {upload.name} "
                     f"('{shown(sender.text) or '—'}'): choose the administrative unit of the figures.")
    return Proposal(mapping, report.problems, without)


# --- the dry run -------------------------------------------------------------------------------------

def _cached_values(upload: reader.Upload, wanted: dict[str, set[tuple[int, int]]]) -> dict:
    """{(sheet, row, col): cached value} of formula cells, read from the values Excel saved with them."""
    if not wanted:
        return {}
    out = {}
    wb = load_workbook(io.BytesIO(upload.data), read_only=True, data_only=True, keep_links=False)
    try:
        for title, cells in wanted.items():
            ws = wb[title]
            rows = {r for r, _ in cells}
            for r_idx, row in enumerate(ws.iter_rows(min_row=min(rows), max_row=max(rows)), start=min(rows)):
                for cell in row:
                    col = getattr(cell, "column", None)
                    if (r_idx, col) in cells:
                        out[(title, r_idx, col)] = cell.value
    finally:
        wb.close()
    return out


class _Builder:
    """Turns the mapped cells of the file into ``RawRow``s, reporting what only a sender's file can have."""

    def __init__(self, engine: Engine, mapping: Mapping, report: Report, lookups):
        self.engine, self.mapping, self.report, self.lookups = engine, mapping, report, lookups
        self.unit_periods: dict[tuple[str, str], bool] = {}

    def unit_exists(self, unit: str, period: str) -> bool | versions.AmbiguousUnitCode:
        """Whether the sender's unit code names a unit in the period; the refusal when it names two (a
        province whose version changed during the period: Thái Nguyên in 2025)."""
        key = (unit, period)
        if key not in self.unit_periods:
            p = periods.parse(period)
            level = self.lookups.units[unit].level if unit in self.lookups.units else None
            with self.engine.connect() as c:
                try:
                    self.unit_periods[key] = bool(versions.version_ids(c, [unit], p.start, p.end, level=level))
                except versions.AmbiguousUnitCode as exc:
                    self.unit_periods[key] = exc
        return self.unit_periods[key]

    def rows(self, table: Table, choice: SheetChoice, cached: dict, style: str | None) -> list[RawRow]:
        out: list[RawRow] = []
        unit = self.mapping.unit_code
        cols = [(c, next(x for x in table.columns if x.letter == c.letter)) for c in choice.columns
                if c.role == "value" and c.period and c.kind]
        by_row = {r.row: r for r in choice.rows}
        for data in table.rows:
            mapped = by_row.get(data.row)
            if mapped is None or mapped.code is None or mapped.code not in self.lookups.indicators:
                continue
            ind = self.lookups.indicators[mapped.code]
            conv = conversion(data.unit_text, ind.unit or "")
            where = {"sheet": table.title, "row": data.row}
            if not conv.ok:
                self.report.error("unit_mismatch", f"Đơn vị tính không khớp với chỉ tiêu '{ind.name_vi}': "
                                  f"{conv.reason_vi}.", f"The unit does not match indicator '{ind.name_en}': "
                                  f"{conv.reason_en}.", column=choice.unit_letter, value=data.unit_text, **where)
                continue
            letters = {"value": "", "indicator_code": choice.name_letter or "", "indicator_name": choice.name_letter
                       or "", "unit_code": choice.unit_letter or "", "unit_name": choice.unit_letter or ""}
            for col, tcol in cols:
                cell = data.cells.get(tcol.index)
                if cell is None:
                    continue
                cell_where = {**where, "column": col.letter, "value": cell.value}
                reading = self._reading(table.title, data.row, tcol.index, cell, cached, cell_where)
                if reading is None:
                    continue
                if numbers.clashes(reading, style):
                    self._clash(cell.value, style, cell_where)
                    continue
                if not reading.error and conv.factor != 1.0:
                    reading = _scaled(reading, conv.factor)
                found = self.unit_exists(unit, col.period) if unit else True
                if isinstance(found, versions.AmbiguousUnitCode):
                    self.report.error("unit_ambiguous", found.message_vi, found.message_en, **cell_where)
                    continue
                if not found:
                    self._no_unit(unit, col.period, cell_where)
                    continue
                out.append(RawRow(row=data.row, indicator=mapped.code, indicator_name="", unit_code=unit or "",
                                  unit_name="", period=col.period, kind=col.kind, reading=reading,
                                  raw_value=cell.value, note=data.note, sheet=table.title,
                                  letters={**letters, "value": col.letter, "period": col.letter,
                                           "kind": col.letter}))
        return out

    def _reading(self, title, row, col, cell, cached, where) -> numbers.Parsed | None:
        if isinstance(cell.value, str) and cell.value.strip() in NO_FIGURE:
            return None
        if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
            value = cached.get((title, row, col))
            if value is None:
                self.report.error(
                    "formula_no_value",
                    f"Ô chứa công thức ({shown(cell.value)}) nhưng tệp không lưu kết quả của nó (tệp không được mở "
                    "và lưu lại trong Excel). Hãy mở tệp trong Excel, lưu lại, hoặc thay công thức bằng giá trị.",
                    f"The cell holds a formula ({shown(cell.value)}) but the file keeps no result for it (it was "
                    "not opened and saved in Excel). Open and save the file in Excel, or replace the formula with "
                    "its value.", **where)
                return None
            return numbers.parse_cell(value, "n" if isinstance(value, (int, float)) else "s", cell.number_format)
        return numbers.parse_cell(cell.value, cell.data_type, cell.number_format)

    def _clash(self, value, style, where) -> None:
        mark, other = (",", ".") if style == "vi" else (".", ",")
        self.report.error(
            "ambiguous_style",
            f"Số '{shown(value)}' viết dấu '{other}' trong khi cả tệp dùng dấu '{mark}' làm dấu thập phân: không rõ "
            "là số thập phân hay gõ nhầm. Hãy ghi lại số theo cách viết của cả tệp.",
            f"'{shown(value)}' uses '{other}' while the whole file writes decimals with '{mark}': it may be a "
            "decimal or a typing slip. Write the number the way the rest of the file does.", **where)

    def _no_unit(self, unit, period, where) -> None:
        name = self.lookups.units[unit].name if unit in self.lookups.units else unit
        label = periods.parse(period)
        self.report.error(
            "unit_not_in_period",
            f"{name} không tồn tại trong kỳ {label.label_vi} (đơn vị hành chính thay đổi theo thời gian): số liệu "
            "kỳ này không ghi được cho đơn vị này.",
            f"{name} did not exist in {label.label_en} (administrative units change over time): a figure of that "
            "period cannot be recorded for it.", **where)


def _scaled(reading: numbers.Parsed, factor: float) -> numbers.Parsed:
    def sc(x):
        return None if x is None else round(x * factor, 10)

    amb = reading.ambiguous
    return dataclasses.replace(reading, value=sc(reading.value),
                               ambiguous=(sc(amb[0]), sc(amb[1])) if amb is not None else None)


def _report_sheets_left_out(report: Report, mapping: Mapping, without: list[str]) -> None:
    """Sheets not read: hidden ones the user did not include, and sheets with no table found."""
    for s in mapping.sheets:
        if not s.include:
            why_vi, why_en = ("trang bị ẩn trong Excel", "a sheet hidden in Excel") if s.hidden else \
                ("bạn đã chọn không nhập", "you chose not to import it")
            report.warning("sheet_left_out", f"Trang '{s.title}' không được đọc: {why_vi}.",
                           f"Sheet '{s.title}' was not read: {why_en}.", sheet=s.title)
    for title in without:
        report.warning("no_table_on_sheet",
                       f"Trang '{title}' không có bảng số liệu nhận ra được (dòng tiêu đề có cột 'Chỉ tiêu' và cột "
                       "số liệu như 'Thực hiện 2024'): trang này không được đọc.",
                       f"Sheet '{title}' has no recognisable table (a header row with a 'Chỉ tiêu' column and "
                       "figure columns such as 'Thực hiện 2024'): it was not read.", sheet=title)


def _source(mapping: Mapping, upload: reader.Upload) -> str:
    who = mapping.sender.get("agency_name") or mapping.sender.get("unit_name") or mapping.sender.get("text") or ""
    profile = f", hồ sơ '{mapping.profile['name']}'" if mapping.profile else ""
    return f"{who} (tệp của đơn vị {upload.name}, SHA-256 {upload.sha256}{profile})".strip()


def dry_run(engine: Engine, actor: Actor, source: bytes | str | Path | BinaryIO, file_name: str | None,
            mapping: Mapping) -> Plan:
    """Check a sender's workbook under a confirmed ``mapping``; nothing is written. The ``Plan`` is the
    template's: ``intake.commit`` writes it, all or nothing."""
    require(actor, "values.submit")
    report = Report()
    try:
        upload = _open(source, file_name)
        with reader.Book(upload) as book:
            found, without = find_tables(book)
            tables = {t.title: t for t in found}
    except reader.FileRefused as exc:
        report.error(exc.code, exc.message_vi, exc.message_en, sheet=exc.sheet)
        return Plan("unknown", Path(str(file_name or "tep")).name, None, 0, {}, report.problems,
                    checked_by=actor.username)
    if mapping.sha256 and mapping.sha256 != upload.sha256:
        report.error("mapping_of_another_file",
                     f"Cách đọc này được lập cho tệp {mapping.file_name}, không phải tệp {upload.name} (nội dung "
                     "khác). Hãy tải tệp lên lại để hệ thống đề xuất cách đọc cho chính tệp này.",
                     f"This reading was made for file {mapping.file_name}, not for {upload.name} (their contents "
                     "differ). Upload the file again to get a reading of this file.")
        return Plan("unknown", upload.name, upload.sha256, upload.size, {}, report.problems,
                    checked_by=actor.username)
    _report_sheets_left_out(report, mapping, without)
    who = mapping.sender.get("agency_name") or mapping.sender.get("unit_name") or mapping.sender.get("text") or ""
    meta = {"kind": "values", "foreign": "1", "scope_code": mapping.unit_code or "", "scope_name": who,
            "source": _source(mapping, upload)}
    plan = Plan("values", upload.name, upload.sha256, upload.size, meta, report.problems, checked_by=actor.username)
    lookups = load_lookups(engine, None, LEVELS)
    if not mapping.unit_code or mapping.unit_code not in lookups.units:
        report.error("unknown_sender", "Chưa chọn đơn vị hành chính của số liệu trong tệp.",
                     "The administrative unit of the file's figures has not been chosen.")
        plan.kind = "unknown"
        return plan
    chosen = [(tables[s.title], s) for s in mapping.sheets if s.include and s.title in tables]
    for table, _ in chosen:
        if table.merged_over_data:
            report.warning("merged_cells", f"Các vùng ô gộp trong phần số liệu: {', '.join(table.merged_over_data)}; "
                           "chỉ ô đầu của mỗi vùng được đọc.", "Merged cells in the figures: "
                           f"{', '.join(table.merged_over_data)}; only the first cell of each is read.",
                           sheet=table.title)
    formulas = {t.title: {(d.row, i) for d in t.rows for i, c in d.cells.items()
                          if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith("="))}
                for t, _ in chosen}
    cached = _cached_values(upload, {k: v for k, v in formulas.items() if v})
    readings = [numbers.parse_cell(c.value, c.data_type, c.number_format) for t, _ in chosen for d in t.rows
                for c in d.cells.values()]
    style = numbers.file_style(readings)
    builder = _Builder(engine, mapping, report, lookups)
    raws = [raw for table, choice in chosen for raw in builder.rows(table, choice, cached, style)]
    for table, choice in chosen:
        for number, why in choice.skipped:
            if why in WARNED_SKIPS:
                vi, en = SKIP_WORDS[why]
                report.warning(f"skipped_{why}",
                               f"Dòng {number} có số liệu nhưng không được đọc: {vi}. Nếu cần nhập, hãy "
                               "ghi tên chỉ tiêu hoặc bỏ ẩn dòng rồi gửi lại tệp.",
                               f"Row {number} holds figures but was not read: {en}. To import it, give it an "
                               "indicator name or unhide it, then send the file again.", sheet=table.title,
                               row=number)
    for title, number, name in mapping.unsettled():
        report.error("row_not_mapped",
                     f"Dòng '{shown(name)}' chưa được gắn với chỉ tiêu nào: hãy chọn chỉ tiêu hoặc chọn 'Không nhập "
                     "dòng này'.",
                     f"Row '{shown(name)}' is not matched to any indicator: choose one, or choose 'Do not import "
                     "this row'.", sheet=title, row=number, value=name)
    checker = RowChecker(actor, lookups, report, chosen[0][0].title if chosen else "", style)
    accepted = [a for raw in raws if (a := checker.check(raw)) is not None]
    plan.rows = settle(engine, lookups, report, accepted, "")
    plan.data_rows = sum(len(t.rows) for t, _ in chosen)
    if not raws and not report.errors:
        report.error("nothing_mapped", "Không có số liệu nào được gắn với chỉ tiêu và kỳ: chưa có gì để nhập.",
                     "No figure is matched to an indicator and a period: there is nothing to import.")
    return plan


def is_template(source: bytes | str | Path | BinaryIO, file_name: str | None = None) -> bool:
    """True for the system's own template (its hidden identity sheet), and for a file that cannot be read at
    all (the template's dry run names the refusal)."""
    try:
        upload = _open(source, file_name)
        with reader.Book(upload) as book:
            meta = book.meta()
    except reader.FileRefused:
        return True
    return meta is not None and meta.get("template") == TEMPLATE_MARK


def as_json(plan: Plan, mapping: Mapping | None = None) -> dict:
    """``qh import FILE --dry-run --json``: the mapping, the figures found and the problems, one document."""
    return {
        "file": {"name": plan.file_name, "sha256": plan.sha256, "kind": plan.kind},
        "mapping": mapping.as_dict() if mapping is not None else {"template": True},
        "rows": [{"sheet": r.sheet, "cell": r.cell, "indicator_code": r.indicator, "unit_code": r.unit_code,
                  "period": r.period, "kind": r.kind, "value": r.value, "status": r.outcome}
                 for r in plan.rows if hasattr(r, "indicator")],
        "problems": [{"severity": p.severity, "code": p.code, "sheet": p.sheet or "", "cell": p.cell,
                      "value": p.value, "message_vi": p.message_vi, "message_en": p.message_en}
                     for p in plan.sorted_problems()],
        "counts": plan.counts,
    }
