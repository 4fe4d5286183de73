"""The two CSV layouts of a rearrangement of communes: the list of new communes and the crosswalk.

``data/reference/communes_2025.csv`` and ``commune_crosswalk_2025.csv`` are the 2025 reform in these
layouts; a province loads its own rearrangement in the same ones. Both readers check every row before
they return anything: either every row is good and the whole file comes back as frozen rows, or one
:class:`LineageFileInvalid` (a ``ValidationFailed``) names each problem by file, row and column, in
Vietnamese and English. Nothing is half-read.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row is row 2.
Text is NFC with invisible characters removed (``text.clean_text``); codes are zero-padded strings
(2 digits for a province, 3 for a district, 5 for a commune), never numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ValidationFailed
from ..text import clean_text, fold, nfc

RELATIONS = ("whole", "part", "unchanged")
CODE_DIGITS = {"province": 2, "district": 3, "commune": 5}
COMMUNE_COLUMNS = ("province_code", "code", "name", "type", "area_km2", "valid_from", "legal_basis")
CROSSWALK_COLUMNS = ("new_province_code", "new_code", "new_name", "relation", "old_code", "old_name",
                     "old_district_code", "old_district_name", "old_province_code", "old_province_name")
# Columns that may be empty: the area (not always known) and the old district (none after 2025).
OPTIONAL = {"area_km2", "old_district_code", "old_district_name"}
CODE_LEVEL = {"province_code": "province", "code": "commune", "new_province_code": "province",
              "new_code": "commune", "old_code": "commune", "old_district_code": "district",
              "old_province_code": "province"}
MAX_LISTED = 20  # problems spelled out in one message; the rest are counted


@dataclass(frozen=True, slots=True)
class Problem:
    row: int | None  # None: the file as a whole
    column: str | None
    message_vi: str
    message_en: str


class LineageFileInvalid(ValidationFailed):
    """A communes list or crosswalk with at least one bad cell; ``problems`` lists them all."""

    def __init__(self, file_name: str, problems: Sequence[Problem]):
        self.file_name = file_name
        self.problems = tuple(problems)
        shown = self.problems[:MAX_LISTED]
        more = len(self.problems) - len(shown)
        vi = "; ".join(_where(file_name, p, ("Tệp", "dòng", "cột")) + p.message_vi for p in shown)
        en = "; ".join(_where(file_name, p, ("File", "row", "column")) + p.message_en for p in shown)
        if more:
            vi += f"; và {more} lỗi khác"
            en += f"; and {more} more"
        super().__init__(f"{vi}. Không có dòng nào của tệp {file_name} được nạp.",
                         f"{en}. Nothing from {file_name} was loaded.")


def _where(file_name: str, p: Problem, words: tuple[str, str, str]) -> str:
    """'Tệp x.csv, dòng 5, cột relation: ' / 'File x.csv, row 5, column relation: '."""
    parts = [f"{words[0]} {file_name}"]
    if p.row:
        parts.append(f"{words[1]} {p.row}")
    if p.column:
        parts.append(f"{words[2]} {p.column}")
    return ", ".join(parts) + ": "


@dataclass(frozen=True, slots=True)
class CommuneRow:
    row: int
    province_code: str
    code: str
    name: str
    type: str
    area_km2: float | None
    valid_from: dt.date
    legal_basis: str


@dataclass(frozen=True, slots=True)
class CrosswalkRow:
    row: int
    new_province_code: str
    new_code: str
    new_name: str
    relation: str
    old_code: str
    old_name: str
    old_district_code: str | None
    old_district_name: str | None
    old_province_code: str
    old_province_name: str


class Cells:
    """Reads the cells of one file, collecting problems instead of stopping at the first (also the agency
    succession file's reader, ``agencies.succession_csv``)."""

    def __init__(self, optional: frozenset[str] | set[str], max_len: int) -> None:
        self.problems: list[Problem] = []
        self.optional, self.max_len = optional, max_len

    def add(self, row: int | None, column: str | None, vi: str, en: str) -> None:
        self.problems.append(Problem(row, column, vi, en))

    def text(self, record: dict[str, str], row: int, column: str) -> str | None:
        try:
            value = clean_text(record.get(column), field=column, max_len=self.max_len)
        except ValidationFailed as err:
            self.add(row, column, _lower_first(err.message_vi), _lower_first(err.message_en))
            return None
        if value is None and column not in self.optional:
            self.add(row, column, "ô này không được để trống", "this cell must not be empty")
        return value

    def date(self, raw: str | None, row: int, column: str, example: str) -> dt.date | None:
        """A YYYY-MM-DD date (fromisoformat alone would also take 20250701), else a problem naming ``example``."""
        if raw is None:
            return None
        if len(raw) == 10:
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                pass
        self.add(row, column, f"ngày '{raw}' phải viết dạng năm-tháng-ngày (ví dụ {example})",
                 f"date '{raw}' must be written year-month-day (e.g. {example})")
        return None


class _Cells(Cells):
    def __init__(self) -> None:
        super().__init__(OPTIONAL, 500)

    def code(self, record: dict[str, str], row: int, column: str) -> str | None:
        value = self.text(record, row, column)
        if value is None:
            return None
        digits = CODE_DIGITS[CODE_LEVEL[column]]
        if not (value.isascii() and value.isdigit()):
            self.add(row, column, f"mã '{value}' phải gồm {digits} chữ số",
                     f"code '{value}' must be {digits} digits")
            return None
        if len(value) != digits:
            self.add(row, column,
                     f"mã '{value}' phải có đúng {digits} chữ số, kể cả số 0 ở đầu (định dạng cột là Văn bản "
                     f"để bảng tính không bỏ số 0)",
                     f"code '{value}' must have exactly {digits} digits, leading zeros included (format the "
                     f"column as Text so the spreadsheet keeps them)")
            return None
        return value


def _lower_first(sentence: str) -> str:
    return sentence[:1].lower() + sentence[1:].rstrip(".")


def _records(path: Path, columns: Sequence[str], cells: Cells) -> list[tuple[int, dict[str, str]]]:
    """The data rows as (row number, {column: raw text}); header problems are added to ``cells``."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except UnicodeDecodeError:
        cells.add(None, None, "tệp không phải văn bản UTF-8; hãy lưu lại dưới dạng CSV UTF-8",
                  "the file is not UTF-8 text; save it again as CSV UTF-8")
        return []
    except (OSError, csv.Error) as exc:
        cells.add(None, None, f"không đọc được tệp ({exc})", f"cannot read the file ({exc})")
        return []
    if not rows:
        cells.add(None, None, "tệp trống", "the file is empty")
        return []
    header = [nfc(h).strip() for h in rows[0]]
    for column in columns:
        if column not in header:
            cells.add(1, column, "thiếu cột này ở dòng tiêu đề", "this column is missing from the header row")
    for column in {h for h in header if header.count(h) > 1}:
        cells.add(1, column, "cột này xuất hiện hai lần ở dòng tiêu đề", "this column appears twice in the header row")
    if cells.problems:
        return []
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # a blank line, as spreadsheets leave at the end
        if len(row) != len(header):
            cells.add(number, None, f"dòng có {len(row)} ô, dòng tiêu đề có {len(header)}",
                      f"the row has {len(row)} cells, the header has {len(header)}")
            continue
        out.append((number, dict(zip(header, row, strict=True))))
    if not out and not cells.problems:
        cells.add(None, None, "tệp không có dòng dữ liệu nào", "the file has no data rows")
    return out


def read_communes(path: str | Path) -> tuple[CommuneRow, ...]:
    """The new communes of a rearrangement, every row checked; ``LineageFileInvalid`` otherwise."""
    path = Path(path)
    cells = _Cells()
    rows: list[CommuneRow] = []
    seen: dict[str, int] = {}
    for number, rec in _records(path, COMMUNE_COLUMNS, cells):
        values = {c: cells.code(rec, number, c) for c in ("province_code", "code")}
        values |= {c: cells.text(rec, number, c) for c in ("name", "type", "legal_basis")}
        area = _area(cells, rec, number)
        valid_from = _date(cells, rec, number, "valid_from")
        code, name, kind = values["code"], values["name"], values["type"]
        if code is not None:
            if code in seen:
                cells.add(number, "code", f"mã xã {code} đã có ở dòng {seen[code]}",
                          f"commune code {code} is already on row {seen[code]}")
            seen.setdefault(code, number)
        if name and kind and not name.startswith(kind + " "):
            cells.add(number, "name", f"tên '{name}' phải bắt đầu bằng loại đơn vị '{kind}' (cột type)",
                      f"name '{name}' must begin with its unit type '{kind}' (column type)")
        if None in values.values() or valid_from is None:
            continue
        rows.append(CommuneRow(number, values["province_code"], code, name, kind, area, valid_from,
                               values["legal_basis"]))
    _raise_if_any(path, cells)
    return tuple(rows)


def _area(cells: _Cells, rec: dict[str, str], row: int) -> float | None:
    raw = cells.text(rec, row, "area_km2")
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also refuses nan
        cells.add(row, "area_km2", f"diện tích '{raw}' phải là số không âm, dấu chấm thập phân (ví dụ 34.46)",
                  f"area '{raw}' must be a non-negative number with a decimal point (e.g. 34.46)")
        return None
    return value


def _date(cells: _Cells, rec: dict[str, str], row: int, column: str) -> dt.date | None:
    return cells.date(cells.text(rec, row, column), row, column, "2025-07-01")


def read_crosswalk(path: str | Path, communes: Iterable[CommuneRow]) -> tuple[CrosswalkRow, ...]:
    """Old commune -> new commune links, every row checked against itself, its siblings and ``communes``.

    Refused, with file, row and column: a relation other than whole/part/unchanged; a code that is not a
    zero-padded string; a new code missing from ``communes`` for its province (or named differently
    there, ignoring diacritics and case); an old commune whose rows disagree on its name, district or
    province; a ``whole`` or ``unchanged`` old commune with more than one new commune; a ``part`` old
    commune with fewer than two; an ``unchanged`` new commune that absorbed others; a new commune of a
    listed province that no row reaches; an old commune whose new communes start on different days.
    """
    path = Path(path)
    communes = {c.code: c for c in communes}
    cells = _Cells()
    rows: list[CrosswalkRow] = []
    for number, rec in _records(path, CROSSWALK_COLUMNS, cells):
        codes = {c: cells.code(rec, number, c) for c in
                 ("new_province_code", "new_code", "old_code", "old_province_code")}
        texts = {c: cells.text(rec, number, c) for c in ("new_name", "old_name", "old_province_name")}
        district = _district(cells, rec, number)
        relation = _relation(cells, rec, number)
        if None in codes.values() or None in texts.values() or district is None or relation is None:
            continue
        row = CrosswalkRow(number, codes["new_province_code"], codes["new_code"], texts["new_name"], relation,
                           codes["old_code"], texts["old_name"], district[0], district[1],
                           codes["old_province_code"], texts["old_province_name"])
        if _new_unit_known(cells, row, communes):
            rows.append(row)
    if not cells.problems:
        _check_links(cells, rows, communes)
    _raise_if_any(path, cells)
    return tuple(rows)


def _district(cells: _Cells, rec: dict[str, str], row: int) -> tuple[str | None, str | None] | None:
    """(code, name), both empty when the old commune sat directly under its province; None if bad."""
    code_raw = (rec.get("old_district_code") or "").strip()
    name = cells.text(rec, row, "old_district_name")
    code = cells.code(rec, row, "old_district_code") if code_raw else None
    if code_raw and code is None:
        return None
    if (code is None) != (name is None):
        cells.add(row, "old_district_name" if code else "old_district_code",
                  "mã và tên huyện cũ phải cùng có hoặc cùng để trống",
                  "the old district's code and name must both be given or both be empty")
        return None
    return code, name


def _relation(cells: _Cells, rec: dict[str, str], row: int) -> str | None:
    value = cells.text(rec, row, "relation")
    if value is None:
        return None
    if value.lower() not in RELATIONS:
        cells.add(row, "relation", f"quan hệ '{value}' không hợp lệ; chỉ nhận whole, part hoặc unchanged",
                  f"relation '{value}' is not valid; use whole, part or unchanged")
        return None
    return value.lower()


def _new_unit_known(cells: _Cells, row: CrosswalkRow, communes: dict[str, CommuneRow]) -> bool:
    new = communes.get(row.new_code)
    if new is None or new.province_code != row.new_province_code:
        where = (f"; mã này thuộc tỉnh {new.province_code}" if new else "")
        where_en = (f"; that code belongs to province {new.province_code}" if new else "")
        cells.add(row.row, "new_code",
                  f"mã xã mới {row.new_code} không có trong danh sách xã mới của tỉnh {row.new_province_code}{where}",
                  f"new commune code {row.new_code} is not in the list of new communes of province "
                  f"{row.new_province_code}{where_en}")
        return False
    if fold(new.name) != fold(row.new_name):
        cells.add(row.row, "new_name",
                  f"tên '{row.new_name}' không khớp với mã {row.new_code} trong danh sách xã mới ('{new.name}')",
                  f"name '{row.new_name}' does not match code {row.new_code} in the list of new communes "
                  f"('{new.name}')")
        return False
    return True


def _check_links(cells: _Cells, rows: list[CrosswalkRow], communes: dict[str, CommuneRow]) -> None:
    """The rules between rows: each old commune's links, unchanged units, districts, coverage."""
    by_old: dict[str, list[CrosswalkRow]] = defaultdict(list)
    by_new: dict[str, list[CrosswalkRow]] = defaultdict(list)
    district_of: dict[str, CrosswalkRow] = {}
    for r in rows:
        by_old[r.old_code].append(r)
        by_new[r.new_code].append(r)
        if r.old_district_code is not None:
            first = district_of.setdefault(r.old_district_code, r)
            if (first.old_district_name, first.old_province_code) != (r.old_district_name, r.old_province_code):
                cells.add(r.row, "old_district_name",
                          f"huyện cũ {r.old_district_code} đã được ghi khác ở dòng {first.row} "
                          f"('{first.old_district_name}', tỉnh {first.old_province_code})",
                          f"old district {r.old_district_code} is written differently on row {first.row} "
                          f"('{first.old_district_name}', province {first.old_province_code})")
    for old_code, links in by_old.items():
        _check_old_commune(cells, old_code, links, communes)
    for new_code, links in by_new.items():
        unchanged = [r for r in links if r.relation == "unchanged"]
        if unchanged and len(links) > 1:
            other = next(r for r in links if r is not unchanged[0])
            cells.add(unchanged[0].row, "relation",
                      f"xã cũ {unchanged[0].old_code} được ghi 'unchanged' nhưng xã mới {new_code} còn nhận "
                      f"xã cũ {other.old_code} (dòng {other.row}); hãy ghi 'whole'",
                      f"old commune {unchanged[0].old_code} is marked 'unchanged' but new commune {new_code} "
                      f"also takes old commune {other.old_code} (row {other.row}); use 'whole'")
    provinces = {r.new_province_code for r in rows}
    for c in communes.values():
        if c.province_code in provinces and c.code not in by_new:
            cells.add(None, "new_code",
                      f"xã mới {c.code} ({c.name}, tỉnh {c.province_code}) không có dòng nào trong bảng chuyển đổi",
                      f"new commune {c.code} ({c.name}, province {c.province_code}) has no row in the crosswalk")


def _check_old_commune(cells: _Cells, old_code: str, links: list[CrosswalkRow],
                       communes: dict[str, CommuneRow]) -> None:
    first = links[0]
    for r in links[1:]:
        for column in ("old_name", "old_district_code", "old_province_code"):
            if getattr(r, column) != getattr(first, column):
                cells.add(r.row, column,
                          f"xã cũ {old_code} đã được ghi '{getattr(first, column) or ''}' ở dòng {first.row}",
                          f"old commune {old_code} is written '{getattr(first, column) or ''}' on row {first.row}")
        if r.new_code == first.new_code:
            cells.add(r.row, "new_code", f"dòng lặp lại dòng {first.row} (xã cũ {old_code} → xã mới {r.new_code})",
                      f"the row repeats row {first.row} (old commune {old_code} → new commune {r.new_code})")
        if r.relation != first.relation:
            cells.add(r.row, "relation",
                      f"xã cũ {old_code} được ghi '{first.relation}' ở dòng {first.row} và '{r.relation}' ở dòng này",
                      f"old commune {old_code} is marked '{first.relation}' on row {first.row} and "
                      f"'{r.relation}' on this row")
        elif r.relation in ("whole", "unchanged"):
            cells.add(r.row, "relation",
                      f"xã cũ {old_code} ({first.old_name}) được ghi '{r.relation}' nhưng có hai xã mới "
                      f"({first.new_code} ở dòng {first.row}, {r.new_code} ở dòng này); xã nhập nguyên vẹn chỉ "
                      f"có một xã mới, xã bị chia thì ghi 'part' ở mọi dòng",
                      f"old commune {old_code} ({first.old_name}) is marked '{r.relation}' but has two new "
                      f"communes ({first.new_code} on row {first.row}, {r.new_code} on this row); a commune "
                      f"taken whole has one new commune, a split one is 'part' on every row")
        if communes[r.new_code].valid_from != communes[first.new_code].valid_from:
            cells.add(r.row, "new_code",
                      f"các xã mới của xã cũ {old_code} phải có cùng ngày hiệu lực ({first.new_code}: "
                      f"{communes[first.new_code].valid_from:%d/%m/%Y}, {r.new_code}: "
                      f"{communes[r.new_code].valid_from:%d/%m/%Y})",
                      f"the new communes of old commune {old_code} must start on the same day "
                      f"({first.new_code}: {communes[first.new_code].valid_from}, {r.new_code}: "
                      f"{communes[r.new_code].valid_from})")
    if first.relation == "part" and len(links) == 1:
        cells.add(first.row, "relation",
                  f"xã cũ {old_code} ({first.old_name}) được ghi 'part' nhưng chỉ có một xã mới; xã bị chia "
                  f"phải có ít nhất hai dòng, xã nhập nguyên vẹn thì ghi 'whole'",
                  f"old commune {old_code} ({first.old_name}) is marked 'part' but has only one new commune; "
                  f"a split commune needs two rows or more, one taken whole is 'whole'")


def _raise_if_any(path: Path, cells: _Cells) -> None:
    if cells.problems:
        raise LineageFileInvalid(path.name, cells.problems)
