"""The mapping of a sender's own workbook: what the system proposes, what the user confirms or corrects.

    mapping.sheets[0].columns   # ColumnChoice: letter, heading, role (value | ignored | unknown), period, kind
    mapping.sheets[0].rows      # RowChoice: row, name, ĐVT, indicator code (None: not imported), score
    mapping.set_column("Biểu 01", "E", period="2025-H1", kind="estimate")
    mapping.set_row("Biểu 01", 9, "budget_revenue")    # the user's choice (score shown as "user")
    mapping.as_dict() / Mapping.from_dict(d)           # JSON for the page, the CLI and the profiles

Nothing here reads the file or the store.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .. import periods
from ..errors import ValidationFailed
from ..models import VALUE_KINDS


@dataclass
class ColumnChoice:
    letter: str
    heading: str
    role: str  # value | ignored | unknown
    period: str | None = None
    kind: str | None = None
    reason_vi: str = ""
    reason_en: str = ""
    source: str = "heading"  # heading | profile | user
    asked: bool = False  # the heading told nothing sure: the user is asked (the page's picker)


@dataclass
class RowChoice:
    row: int
    name: str
    unit_text: str
    code: str | None
    score: float
    candidates: list[tuple[str, float]] = field(default_factory=list)
    source: str = "name"  # name | profile | user | none


@dataclass
class SheetChoice:
    title: str
    header_row: int
    columns: list[ColumnChoice]
    rows: list[RowChoice]
    name_letter: str | None = None
    unit_letter: str | None = None
    skipped: list[tuple[int, str]] = field(default_factory=list)
    include: bool = True
    hidden: bool = False

    def column(self, letter: str) -> ColumnChoice | None:
        return next((c for c in self.columns if c.letter == letter), None)

    def row(self, number: int) -> RowChoice | None:
        return next((r for r in self.rows if r.row == number), None)


@dataclass
class Mapping:
    file_name: str
    sha256: str
    sender: dict
    unit_code: str | None
    agency_code: str | None
    sheets: list[SheetChoice]
    fingerprint: str = ""
    profile: dict | None = None  # {"id", "name", "version", "exact"} of the profile applied

    def sheet(self, title: str) -> SheetChoice:
        found = next((s for s in self.sheets if s.title == title), None)
        if found is None:
            raise ValidationFailed(f"Tệp không có trang '{title}'.", f"The file has no sheet '{title}'.")
        return found

    def set_column(self, sheet: str, letter: str, *, role: str = "value", period: str | None = None,
                   kind: str | None = None) -> None:
        """The user's reading of one column: a figure of (period, kind), or ``role="ignored"``."""
        col = self.sheet(sheet).column(letter)
        if col is None:
            raise ValidationFailed(f"Trang '{sheet}' không có cột {letter} trong bảng.",
                                   f"Sheet '{sheet}' has no column {letter} in its table.")
        if role == "value":
            if kind not in VALUE_KINDS:
                raise ValidationFailed(f"Loại số liệu '{kind}' không hợp lệ.", f"Kind '{kind}' is not valid.")
            col.period, col.kind = periods.validate(period or ""), kind
        else:
            col.period = col.kind = None
        col.role, col.source = role, "user"

    def set_row(self, sheet: str, row: int, code: str | None) -> None:
        """The user's indicator for one row; None leaves the row out."""
        choice = self.sheet(sheet).row(row)
        if choice is None:
            raise ValidationFailed(f"Trang '{sheet}' không có dòng {row} trong bảng.",
                                   f"Sheet '{sheet}' has no row {row} in its table.")
        choice.code, choice.source = (code or None), "user"
        choice.score = 100.0

    def unsettled(self) -> list[tuple[str, int, str]]:
        """(sheet, row, name) of the rows with a suggestion not yet confirmed or no indicator."""
        return [(s.title, r.row, r.name) for s in self.sheets if s.include for r in s.rows
                if r.code is None and r.source not in ("user", "profile")]

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Mapping:
        sheets = [SheetChoice(
            title=s["title"], header_row=int(s["header_row"]),
            columns=[ColumnChoice(**c) for c in s["columns"]],
            rows=[RowChoice(**{**r, "candidates": [tuple(x) for x in r.get("candidates", [])]}) for r in s["rows"]],
            name_letter=s.get("name_letter"), unit_letter=s.get("unit_letter"),
            skipped=[tuple(x) for x in s.get("skipped", [])], include=bool(s.get("include", True)),
            hidden=bool(s.get("hidden", False))) for s in d["sheets"]]
        return cls(file_name=d["file_name"], sha256=d["sha256"], sender=dict(d.get("sender") or {}),
                   unit_code=d.get("unit_code"), agency_code=d.get("agency_code"), sheets=sheets,
                   fingerprint=d.get("fingerprint", ""), profile=d.get("profile"))
