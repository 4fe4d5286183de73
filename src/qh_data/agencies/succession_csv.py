"""The CSV layout of an agency succession: ``data/reference/agency_succession_2025.csv``.

One row per (old agency -> new agency) at a reorganisation: ``merged_into`` and ``split`` name the new agency
(``new_code``, created by the load when the store lacks it, e.g. Sở Nông nghiệp và Môi trường);
``abolished`` leaves ``new_code`` empty and says in ``new_name`` who answers instead (the People's
Committees of the communes of a former district). A row without ``old_code`` describes a whole set the
store does not hold agency by agency ("Tỉnh Bắc Kạn (06): all provincial agencies"): it is kept out of the
load and counted (``SuccessionFile.skipped``).

Every row is checked before anything comes back: either the whole file comes back as frozen rows, or one
:class:`SuccessionFileInvalid` names each problem by file, row and column, in Vietnamese and English (the
communes files' form, ``units.lineage_csv``). Rows are numbered as a spreadsheet shows them (header = 1).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..models import SUCCESSION_RELATIONS
from ..units.lineage_csv import Cells, LineageFileInvalid, _records

COLUMNS = ("province_code", "old_code", "old_name", "new_code", "new_name", "effective", "relation",
           "legal_basis", "confidence", "note")
OPTIONAL = {"old_code", "new_code", "confidence", "note"}
CONFIDENCE = ("high", "medium", "low")
CODE_MAX = 40  # agency.code


class SuccessionFileInvalid(LineageFileInvalid):
    """An agency succession file with at least one bad cell; ``problems`` lists them all."""


@dataclass(frozen=True, slots=True)
class SuccessionRow:
    row: int
    province_code: str
    old_code: str
    old_name: str
    new_code: str | None
    new_name: str
    effective: dt.date
    relation: str
    legal_basis: str
    confidence: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class SuccessionFile:
    name: str
    rows: tuple[SuccessionRow, ...]
    skipped: tuple[int, ...]  # rows without an old agency code (a whole set, not loaded agency by agency)


def read(path: str | Path) -> SuccessionFile:
    """The rows of an agency succession file, every cell checked; ``SuccessionFileInvalid`` otherwise."""
    path = Path(path)
    cells = Cells(OPTIONAL, 1000)
    rows: list[SuccessionRow] = []
    skipped: list[int] = []
    seen: dict[tuple[str, str | None], int] = {}
    for number, rec in _records(path, COLUMNS, cells):
        values = {c: cells.text(rec, number, c) for c in COLUMNS}
        if values["old_code"] is None:
            skipped.append(number)
            continue
        ok = not any(values[c] is None for c in COLUMNS if c not in OPTIONAL)
        province = values["province_code"]
        if province is not None and not (province.isascii() and province.isdigit() and len(province) == 2):
            cells.add(number, "province_code", f"mã tỉnh '{province}' phải có đúng 2 chữ số",
                      f"province code '{province}' must be exactly 2 digits")
            ok = False
        for column in ("old_code", "new_code"):
            code = values[column]
            if code is not None and (len(code) > CODE_MAX or not code.isascii() or " " in code):
                cells.add(number, column, f"mã cơ quan '{code}' phải là chữ không dấu, không khoảng trắng, "
                          f"tối đa {CODE_MAX} ký tự",
                          f"agency code '{code}' must be ASCII without spaces, at most {CODE_MAX} characters")
                ok = False
        effective = cells.date(values["effective"], number, "effective", "2025-03-01")
        relation = values["relation"]
        if relation is not None and relation not in SUCCESSION_RELATIONS:
            cells.add(number, "relation", f"quan hệ '{relation}' phải là một trong: {', '.join(SUCCESSION_RELATIONS)}",
                      f"relation '{relation}' must be one of: {', '.join(SUCCESSION_RELATIONS)}")
            ok = False
        elif relation == "abolished" and values["new_code"] is not None:
            cells.add(number, "new_code", "cơ quan bị giải thể (abolished) không có mã cơ quan kế thừa; để trống "
                      "ô này và ghi ở new_name ai đảm nhận", "an abolished agency has no successor code; leave "
                      "this cell empty and say in new_name who takes over")
            ok = False
        elif relation in ("merged_into", "split") and values["new_code"] is None:
            cells.add(number, "new_code", f"quan hệ '{relation}' cần mã cơ quan kế thừa",
                      f"relation '{relation}' needs the successor's code")
            ok = False
        if values["old_code"] is not None and values["old_code"] == values["new_code"]:
            cells.add(number, "new_code", "cơ quan kế thừa trùng với cơ quan cũ", "the successor is the old agency itself")
            ok = False
        confidence = values["confidence"]
        if confidence is not None and confidence not in CONFIDENCE:
            cells.add(number, "confidence", f"độ tin cậy '{confidence}' phải là một trong: {', '.join(CONFIDENCE)}",
                      f"confidence '{confidence}' must be one of: {', '.join(CONFIDENCE)}")
            ok = False
        pair = (values["old_code"], values["new_code"])
        if pair in seen:
            cells.add(number, "old_code", f"cặp {pair[0]} → {pair[1] or '(giải thể)'} đã có ở dòng {seen[pair]}",
                      f"the pair {pair[0]} → {pair[1] or '(abolished)'} is already on row {seen[pair]}")
            ok = False
        seen.setdefault(pair, number)
        if ok and effective is not None:
            rows.append(SuccessionRow(number, province, values["old_code"], values["old_name"], values["new_code"],
                                      values["new_name"], effective, relation, values["legal_basis"], confidence,
                                      values["note"]))
    if cells.problems:
        raise SuccessionFileInvalid(path.name, cells.problems)
    return SuccessionFile(path.name, tuple(rows), tuple(skipped))
