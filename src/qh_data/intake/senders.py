"""Who sent a workbook, read from its heading lines ("UBND TỈNH LẠNG SƠN / SỞ TÀI CHÍNH", "UBND HUYỆN TRÀNG
ĐỊNH", "UBND XÃ …"), matched to an agency and an administrative unit of the store.

- "SỞ …", "BAN …", "CỤC …" (under a "UBND TỈNH …" line): a department of that province; its figures are
  the province's;
- "UBND HUYỆN / THÀNH PHỐ / THỊ XÃ …": a district (before 01/7/2025) and its People's Committee;
- "UBND XÃ / PHƯỜNG / THỊ TRẤN …": a commune.

Several units with that name (and no province line to choose between them) or none: the sender is left
open and the user chooses (``Sender.unit_code`` None, ``candidates`` listed). Whether the unit existed
in each report period is checked per figure, through ``units.versions``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from ..models import AdminUnitVersion, Agency
from .headings import words_of

_V = AdminUnitVersion.__table__
_PARENT = _V.alias("parent")
# Unit versions (units.versions' table): a name belongs to a version, in force between two dates.
UNITS = (select(_V.c.code, _V.c.name, _V.c.level, _V.c.valid_from, _V.c.valid_to,
                _PARENT.c.code.label("parent_code"))
         .select_from(_V.outerjoin(_PARENT, _PARENT.c.id == _V.c.parent_id))
         .where(_V.c.level.in_(("province", "district", "commune"))))
AGENCIES = select(Agency.code, Agency.name, Agency.kind, Agency.province_code, Agency.admin_unit_code)

_LOCAL = {"huyen": "district", "thanh pho": "district", "thi xa": "district", "quan": "district",
          "xa": "commune", "phuong": "commune", "thi tran": "commune", "tinh": "province"}
_COMMITTEE = (("ubnd",), ("uy", "ban", "nhan", "dan"))
_DEPARTMENT_HEADS = ("so", "ban", "cuc", "chi cuc", "phong", "van phong", "thanh tra", "cong an", "bo chi huy")


@dataclass
class Sender:
    text: str = ""  # the line read, as written
    key: str = ""  # folded, what a profile is found by
    level: str | None = None  # province | district | commune
    unit_code: str | None = None
    unit_name: str | None = None
    agency_code: str | None = None
    agency_name: str | None = None
    province_code: str | None = None
    candidates: list[tuple[str, str]] = field(default_factory=list)  # (unit code, name) when unsure

    @property
    def known(self) -> bool:
        return self.unit_code is not None

    def as_dict(self) -> dict:
        return {"text": self.text, "key": self.key, "level": self.level, "unit_code": self.unit_code,
                "unit_name": self.unit_name, "agency_code": self.agency_code, "agency_name": self.agency_name,
                "province_code": self.province_code, "candidates": [list(c) for c in self.candidates]}


def _fold(text: str) -> str:
    return " ".join(words_of(text))


def _local_line(folded: str) -> tuple[str, str] | None:
    """("district", "trang dinh") for "ubnd huyen trang dinh"; None for another line."""
    for seq in _COMMITTEE:
        head = " ".join(seq) + " "
        if folded.startswith(head):
            rest = folded[len(head):]
            for word in sorted(_LOCAL, key=len, reverse=True):
                if rest.startswith(word + " "):
                    return _LOCAL[word], rest
    return None


def _department_line(folded: str) -> bool:
    return any(folded.startswith(h + " ") for h in _DEPARTMENT_HEADS)


@dataclass
class Directory:
    units: list[dict]
    agencies: list[dict]

    @classmethod
    def load(cls, engine: Engine) -> Directory:
        with engine.connect() as c:
            return cls([dict(r) for r in c.execute(UNITS).mappings()],
                       [dict(r) for r in c.execute(AGENCIES).mappings()])

    def units_named(self, level: str, folded_name: str, province: str | None, year: int | None = None) -> list[dict]:
        """Units of ``level`` whose name, folded and without its type word, is ``folded_name``'s (one per
        code); when several, those in force in ``year`` (the report's) if that tells them apart."""
        parents = {u["code"]: u["parent_code"] for u in self.units}
        want = _bare(folded_name)
        out: dict[str, dict] = {}
        for u in self.units:
            if u["level"] != level or _bare(_fold(u["name"])) != want:
                continue
            if province and level != "province":
                up = u["parent_code"]
                if up != province and parents.get(up) != province:
                    continue
            out.setdefault(u["code"], u)
        hits = list(out.values())
        if len(hits) > 1 and year is not None:
            first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
            in_force = [u for u in hits if (u["valid_from"] is None or u["valid_from"] <= last)
                        and (u["valid_to"] is None or u["valid_to"] >= first)]
            hits = in_force or hits
        return hits


def _bare(folded: str) -> str:
    for word in sorted(_LOCAL, key=len, reverse=True):
        if folded.startswith(word + " "):
            return folded[len(word) + 1:]
    return folded


def read_sender(lines: list[str], directory: Directory, default_province: str | None = None,
                year: int | None = None) -> Sender:
    """The sender named in a sheet's heading lines (the most local one wins); ``year``, the report's, picks
    among units of the same name."""
    province, found = None, Sender()
    department = None
    for raw in lines:
        for line in str(raw).splitlines():
            folded = _fold(line)
            if not folded:
                continue
            local = _local_line(folded)
            if local is not None:
                level, rest = local
                if level == "province":
                    hits = directory.units_named("province", rest, None)
                    province = hits[0]["code"] if len(hits) == 1 else province
                    continue
                if found.level is None or level == "commune":
                    found = Sender(text=line.strip(), key=folded, level=level)
                    found.unit_name = rest
            elif department is None and _department_line(folded):
                department = (line.strip(), folded)
    province = province or default_province
    if found.level is not None:
        _resolve_local(found, directory, province, year)
    elif department is not None:
        found = Sender(text=department[0], key=department[1], level="province")
        _resolve_department(found, directory, province)
    return found


def _resolve_local(s: Sender, directory: Directory, province: str | None, year: int | None) -> None:
    folded_name = s.unit_name or ""
    hits = directory.units_named(s.level, folded_name, province, year)
    s.unit_name = None
    if len(hits) != 1:
        s.candidates = [(u["code"], u["name"]) for u in hits]
        return
    unit = hits[0]
    s.unit_code, s.unit_name = unit["code"], unit["name"]
    agency = next((a for a in directory.agencies if a["admin_unit_code"] == unit["code"]
                   and a["kind"] == "ubnd_huyen"), None)
    if agency is not None:
        s.agency_code, s.agency_name, s.province_code = agency["code"], agency["name"], agency["province_code"]
    s.province_code = s.province_code or province


def _resolve_department(s: Sender, directory: Directory, province: str | None) -> None:
    def bare(name: str, prov: str | None) -> str:
        folded = _fold(name)
        if prov:
            pname = next((_fold(u["name"]) for u in directory.units if u["code"] == prov), "")
            for tail in (f" tinh {pname}", f" {pname}"):
                if pname and folded.endswith(tail):
                    return folded[: -len(tail)]
        return folded

    hits = [a for a in directory.agencies if a["kind"] in ("so", "ban", "nganh")
            and (province is None or a["province_code"] == province) and bare(a["name"], a["province_code"]) == s.key]
    provinces = {a["province_code"] for a in hits}
    if len(provinces) != 1 or not hits:
        s.candidates = [(a["province_code"], a["name"]) for a in hits]
        return
    agency = hits[0]
    s.agency_code, s.agency_name, s.province_code = agency["code"], agency["name"], agency["province_code"]
    s.unit_code = agency["province_code"]
    s.unit_name = next((u["name"] for u in directory.units if u["code"] == s.unit_code), s.unit_code)
