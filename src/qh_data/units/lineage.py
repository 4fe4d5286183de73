"""Administrative units as versions, and their lineage across a rearrangement, in memory.

A code alone does not name a unit: 05977 was Phường Vĩnh Trại until 30/6/2025 and is Phường Đông Kinh
from 01/7/2025; province 19 covered about 3,522 km² before and 8,375 km² after. A :class:`Unit` is
one *version*, identified by ``(level, code, valid_from)``, in force from ``valid_from`` to
``valid_to`` (both inclusive; ``None`` = not recorded / still in force), under a parent version that is
in force over the whole of that range. A :class:`Link` says what became of an old version (``whole``,
``part`` or ``unchanged``), from which day and on which legal basis.

:func:`build` makes the model from the checked rows of ``lineage_csv`` and the pre-2025 districts;
:func:`reference` builds it from ``data/reference`` (the 2025 reform of Lạng Sơn, Thái Nguyên and
Bắc Kạn). Pure Python, no SQLAlchemy: the schema stage loads this model into tables.

What the data records, and so what the model knows: one rearrangement per build. Units that existed
before it have ``valid_from=None`` (their start is not in the files; earlier rearrangements such as
that of 01/12/2024 are not in the crosswalk), so before the effective date a code answers with the
unit it named on the day before.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import itertools
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .. import config
from ..errors import ValidationFailed
from ..rules import unit_validity
from .lineage_csv import CommuneRow, CrosswalkRow, read_communes, read_crosswalk

LEVELS = ("province", "district", "commune")
TYPE_PREFIXES = ("Thành phố", "Thị xã", "Thị trấn", "Đặc khu", "Huyện", "Quận", "Phường", "Xã", "Tỉnh")
ONE_DAY = dt.timedelta(days=1)
# Legal bases of the 2025 reform that the commune files do not carry (admin_reform_2025.md, "H"):
# the province mergers; the district level ended by the Constitution amendment and the local
# government law (also the legal_basis of the district rows of agency_succession_2025.csv).
PROVINCE_BASIS_2025 = "NQ 202/2025/QH15 (12/6/2025)"
DISTRICT_BASIS_2025 = ("NQ 203/2025/QH15 (Constitution amendment) and Luật Tổ chức chính quyền địa phương "
                       "72/2025/QH15: district level ends 01/7/2025")


class UnitKey(NamedTuple):
    level: str
    code: str
    valid_from: dt.date | None


@dataclass(frozen=True, slots=True)
class Unit:
    level: str
    code: str
    valid_from: dt.date | None  # None: in force since before the data begins
    valid_to: dt.date | None  # None: still in force
    name: str
    type: str | None
    parent: UnitKey | None
    area_km2: float | None = None
    legal_basis: str | None = None  # what created this version (None for versions older than the data)

    @property
    def key(self) -> UnitKey:
        return UnitKey(self.level, self.code, self.valid_from)

    def in_force(self, day: dt.date) -> bool:
        return unit_validity.in_force(self.valid_from, self.valid_to, day)

    def covers(self, start: dt.date | None, end: dt.date | None) -> bool:
        """True when this version is in force over the whole of [start, end] (None = open)."""
        return unit_validity.covers(self.valid_from, self.valid_to, start, end)

    def __str__(self) -> str:
        since = f"{self.valid_from:%d/%m/%Y}" if self.valid_from else "…"
        until = f"{self.valid_to:%d/%m/%Y}" if self.valid_to else "…"
        return f"{self.name} ({self.code}, {since}–{until})"


@dataclass(frozen=True, slots=True)
class Link:
    old: Unit
    new: Unit
    relation: str  # whole | part | unchanged (what became of the old unit)
    effective: dt.date
    legal_basis: str | None


class Lineage:
    """Unit versions and the links between them; every question is answered from memory."""

    def __init__(self, units: Iterable[Unit], links: Iterable[Link]):
        self._units: dict[UnitKey, Unit] = {}
        for u in units:
            if u.key in self._units:
                raise _invalid(f"đơn vị {u} xuất hiện hai lần", f"unit {u} appears twice")
            self._units[u.key] = u
        self._versions: dict[tuple[str, str], list[Unit]] = defaultdict(list)
        self._children: dict[UnitKey, list[Unit]] = defaultdict(list)
        for u in self._units.values():
            self._versions[(u.level, u.code)].append(u)
            if u.parent is not None:
                self._children[u.parent].append(u)
        for versions in self._versions.values():
            versions.sort(key=lambda u: u.valid_from or dt.date.min)
        self.links = tuple(links)
        self._from: dict[UnitKey, list[Link]] = defaultdict(list)
        self._to: dict[UnitKey, list[Link]] = defaultdict(list)
        for link in self.links:
            self._from[link.old.key].append(link)
            self._to[link.new.key].append(link)
        self._check()

    def _check(self) -> None:
        """No two versions of a code overlap; every parent is in force over its child's whole range."""
        for versions in self._versions.values():
            for before, after in itertools.pairwise(versions):
                if before.valid_to is None or after.valid_from is None or before.valid_to >= after.valid_from:
                    raise _invalid(f"hai phiên bản chồng lên nhau: {before} và {after}",
                                   f"two versions overlap: {before} and {after}")
        for u in self._units.values():
            if u.parent is None:
                continue
            parent = self._units.get(u.parent)
            if parent is None or not parent.covers(u.valid_from, u.valid_to):
                raise _invalid(f"đơn vị cấp trên của {u} không có hiệu lực suốt thời gian của nó",
                               f"the parent of {u} is not in force over its whole range")

    @property
    def units(self) -> tuple[Unit, ...]:
        return tuple(self._units.values())

    def unit(self, key: UnitKey) -> Unit:
        return self._units[key]

    def parent(self, unit: Unit) -> Unit | None:
        return self._units[unit.parent] if unit.parent else None

    def versions(self, level: str, code: str) -> tuple[Unit, ...]:
        """Every version that has carried this code at this level, oldest first."""
        return tuple(self._versions.get((level, code), ()))

    def unit_on(self, level: str, code: str, day: dt.date) -> Unit | None:
        """The unit a code meant on a day (None: no unit of that level had the code then)."""
        return next((u for u in self._versions.get((level, code), ()) if u.in_force(day)), None)

    def children(self, unit: Unit, day: dt.date | None = None) -> tuple[Unit, ...]:
        kids = self._children.get(unit.key, ())
        return _sorted(k for k in kids if day is None or k.in_force(day))

    def units_of(self, province_code: str, day: dt.date) -> tuple[Unit, ...]:
        """The districts and communes under the province version in force on ``day``, in force that day."""
        province = self.unit_on("province", province_code, day)
        if province is None:
            return ()
        found, todo = [], [province]
        while todo:
            for child in self.children(todo.pop(), day):
                found.append(child)
                todo.append(child)
        return _sorted(found)

    def successors(self, unit: Unit, level: str | None = None) -> tuple[Link, ...]:
        """What became of ``unit``: its links to the units that took its territory (of ``level`` if given)."""
        return _sorted_links((x for x in self._from.get(unit.key, ()) if level in (None, x.new.level)),
                             new=True)

    def predecessors(self, unit: Unit, level: str | None = None) -> tuple[Link, ...]:
        """Where ``unit`` came from: the links from the units whose territory it took."""
        return _sorted_links((x for x in self._to.get(unit.key, ()) if level in (None, x.old.level)),
                             new=False)

    def former_districts(self, unit: Unit) -> tuple[Unit, ...]:
        """The districts the old communes of a new commune lay in."""
        return _sorted({x.old for x in self.predecessors(unit, level="district")})

    def spanning_communes(self, province_code: str) -> tuple[Unit, ...]:
        """New communes of the province whose old communes lie in more than one former district.

        Their pre-reform district figures cannot be carried onto them: shown "not comparable".
        """
        return _sorted(u for u in self._units.values()
                       if u.level == "commune" and u.parent and u.parent.code == province_code
                       and len(self.former_districts(u)) > 1)


def _sorted(units: Iterable[Unit]) -> tuple[Unit, ...]:
    return tuple(sorted(units, key=lambda u: (LEVELS.index(u.level), u.code, u.valid_from or dt.date.min)))


def _sorted_links(links: Iterable[Link], *, new: bool) -> tuple[Link, ...]:
    def key(x: Link):
        u = x.new if new else x.old
        return LEVELS.index(u.level), u.code

    return tuple(sorted(links, key=key))


def _invalid(vi: str, en: str) -> ValidationFailed:
    return ValidationFailed(f"Dữ liệu đơn vị hành chính không nhất quán: {vi}.",
                            f"The administrative unit data is inconsistent: {en}.")


def type_of(name: str) -> str | None:
    """The unit type a Vietnamese unit name begins with ("Huyện Cao Lộc" -> "Huyện")."""
    return next((t for t in TYPE_PREFIXES if name.startswith(t + " ")), None)


@dataclass(frozen=True, slots=True)
class District:
    """A district of before the rearrangement, as data/reference/districts.csv gives it."""

    province_code: str
    code: str
    name: str
    type: str | None
    area_km2: float | None


def build(communes: Sequence[CommuneRow], crosswalk: Sequence[CrosswalkRow], districts: Sequence[District] = (),
          *, province_names: Mapping[str, tuple[str, float | None]] | None = None,
          province_basis: str | None = None, district_basis: str | None = None) -> Lineage:
    """The versions and links of one rearrangement.

    ``communes`` and ``crosswalk`` come checked from ``lineage_csv``. ``districts`` give the old districts'
    type and area (a district of a province in ``districts`` must match the crosswalk's list of that
    province's districts); the others are known from the crosswalk alone. ``province_names`` gives the
    name and area of new province versions (code -> (name, area)); ``province_basis`` the legal basis of
    province mergers, ``district_basis`` that of the end of the districts (added to the new commune's
    basis on a district's links).

    A province keeps one version when its territory is unchanged (only its own old communes went to its
    own new ones: Lạng Sơn); otherwise a new version starts on the effective day and each old province is
    linked to it, ``whole`` when all of its communes went there (Thái Nguyên and Bắc Kạn -> the new Thái
    Nguyên). Districts end the day before; each is linked ``part`` (``whole`` if all of it went into one
    commune) to the new communes that took its communes.
    """
    by_code = {c.code: c for c in communes}
    effective_of = {r.old_code: by_code[r.new_code].valid_from for r in crosswalk}
    old_to_new_provinces: dict[str, set[str]] = defaultdict(set)
    new_from_old_provinces: dict[str, set[str]] = defaultdict(set)
    province_end: dict[str, dt.date] = {}
    old_province_names: dict[str, str] = {}
    for r in crosswalk:
        old_to_new_provinces[r.old_province_code].add(r.new_province_code)
        new_from_old_provinces[r.new_province_code].add(r.old_province_code)
        province_end[r.old_province_code] = effective_of[r.old_code] - ONE_DAY
        old_province_names.setdefault(r.old_province_code, r.old_province_name)
    names = dict(province_names or {})

    def kept(code: str) -> bool:  # a province whose territory the rearrangement did not touch
        return new_from_old_provinces.get(code) == {code} and old_to_new_provinces.get(code) == {code}

    units: dict[UnitKey, Unit] = {}
    old_province: dict[str, Unit] = {}
    new_province: dict[str, Unit] = {}
    for code, old_name in old_province_names.items():
        if kept(code):  # one version across the rearrangement, named as it is now
            name, area = names.get(code, (old_name, None))
            unit = new_province[code] = Unit("province", code, None, None, name, type_of(name), None, area)
        else:
            unit = Unit("province", code, None, province_end[code], old_name, type_of(old_name), None)
        units[unit.key] = old_province[code] = unit
    for code in new_from_old_provinces:
        if code in new_province:
            continue
        start = min(c.valid_from for c in communes if c.province_code == code)
        name, area = names.get(code, (old_province_names.get(code), None))
        if name is None:
            raise _invalid(f"không rõ tên tỉnh mới {code}", f"the name of new province {code} is not known")
        unit = Unit("province", code, start, None, name, type_of(name), None, area, province_basis)
        units[unit.key] = new_province[code] = unit

    csv_districts = {d.code: d for d in districts}
    _check_districts(crosswalk, districts)
    old_district: dict[str, Unit] = {}
    old_commune: dict[str, Unit] = {}
    for r in crosswalk:
        end = effective_of[r.old_code] - ONE_DAY
        parent = old_province[r.old_province_code].key
        if r.old_district_code is not None and r.old_district_code not in old_district:
            d = csv_districts.get(r.old_district_code)
            unit = Unit("district", r.old_district_code, None, end, r.old_district_name,
                        d.type if d else type_of(r.old_district_name), parent, d.area_km2 if d else None)
            units[unit.key] = old_district[r.old_district_code] = unit
        if r.old_code not in old_commune:
            up = old_district[r.old_district_code].key if r.old_district_code else parent
            unit = Unit("commune", r.old_code, None, end, r.old_name, type_of(r.old_name), up)
            units[unit.key] = old_commune[r.old_code] = unit
    new_commune: dict[str, Unit] = {}
    for c in communes:
        if c.province_code not in new_province:
            continue  # a commune of a province the crosswalk does not touch
        unit = Unit("commune", c.code, c.valid_from, None, c.name, c.type, new_province[c.province_code].key,
                    c.area_km2, c.legal_basis)
        units[unit.key] = new_commune[c.code] = unit

    links = [Link(old_commune[r.old_code], new_commune[r.new_code], r.relation, by_code[r.new_code].valid_from,
                  by_code[r.new_code].legal_basis) for r in crosswalk]
    links += _province_links(old_province, new_province, old_to_new_provinces, province_basis)
    links += _district_links(crosswalk, old_district, new_commune, by_code, district_basis)
    return Lineage(units.values(), links)


def _check_districts(crosswalk: Sequence[CrosswalkRow], districts: Sequence[District]) -> None:
    listed: dict[str, dict[str, str]] = defaultdict(dict)
    for d in districts:
        listed[d.province_code][d.code] = d.name
    seen: dict[str, dict[str, str]] = defaultdict(dict)
    for r in crosswalk:
        if r.old_district_code is not None:
            seen[r.old_province_code][r.old_district_code] = r.old_district_name
    for province, known in listed.items():
        if province in seen and seen[province] != known:
            raise _invalid(f"các huyện cũ của tỉnh {province} trong bảng chuyển đổi ({sorted(seen[province].items())})"
                           f" khác với districts.csv ({sorted(known.items())})",
                           f"the old districts of province {province} in the crosswalk "
                           f"({sorted(seen[province].items())}) differ from districts.csv ({sorted(known.items())})")


def _province_links(old_province: dict[str, Unit], new_province: dict[str, Unit],
                    old_to_new: dict[str, set[str]], basis: str | None) -> list[Link]:
    links = []
    for code, old in old_province.items():
        if old.valid_to is None:
            continue  # kept its territory: one version, no link
        targets = sorted(old_to_new[code])
        for target in targets:
            new = new_province[target]
            links.append(Link(old, new, "whole" if len(targets) == 1 else "part", new.valid_from, basis))
    return links


def _district_links(crosswalk: Sequence[CrosswalkRow], old_district: dict[str, Unit],
                    new_commune: dict[str, Unit], by_code: dict[str, CommuneRow], basis: str | None) -> list[Link]:
    targets: dict[str, set[str]] = defaultdict(set)
    for r in crosswalk:
        if r.old_district_code is not None:
            targets[r.old_district_code].add(r.new_code)
    links = []
    for district, new_codes in targets.items():
        for new_code in sorted(new_codes):
            links.append(Link(old_district[district], new_commune[new_code],
                              "whole" if len(new_codes) == 1 else "part", by_code[new_code].valid_from,
                              "; ".join(filter(None, (by_code[new_code].legal_basis, basis))) or None))
    return links


def read_districts(path: Path) -> tuple[District, ...]:
    """The pre-2025 districts of data/reference/districts.csv (checked by the data tests)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple(District(r["province_code"], r["district_code"], r["district_name"], r["type"] or None,
                              float(r["area_km2"]) if r["area_km2"] else None) for r in csv.DictReader(fh))


def read_province_names(path: Path) -> dict[str, tuple[str, float | None]]:
    """code -> (name, area) of the provinces in a boundary file such as vietnam_provinces_2025.geojson."""
    with path.open(encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    return {f["properties"]["code"]: (f["properties"]["name"], f["properties"].get("area_km2")) for f in features}


def from_files(communes: Path, crosswalk: Path, districts: Path | None = None, provinces: Path | None = None,
               *, province_basis: str | None = PROVINCE_BASIS_2025,
               district_basis: str | None = DISTRICT_BASIS_2025) -> Lineage:
    """A rearrangement from its files: the new communes and the crosswalk (``lineage_csv`` layouts, checked
    row by row), optionally the old districts (``districts.csv`` layout) and a province boundary file that
    names the new provinces (default: ``data/geo/vietnam_provinces_2025.geojson``)."""
    rows = read_communes(communes)
    links = read_crosswalk(crosswalk, rows)
    provinces = provinces or config.DATA_DIR / "geo" / "vietnam_provinces_2025.geojson"
    return build(rows, links, read_districts(districts) if districts else (),
                 province_names=read_province_names(provinces), province_basis=province_basis,
                 district_basis=district_basis)


@functools.cache
def _reference(data_dir: str) -> Lineage:
    root = Path(data_dir)
    return from_files(root / "reference" / "communes_2025.csv", root / "reference" / "commune_crosswalk_2025.csv",
                      root / "reference" / "districts.csv", root / "geo" / "vietnam_provinces_2025.geojson")


def reference(data_dir: Path | None = None) -> Lineage:
    """The 2025 reform of Lạng Sơn, Thái Nguyên and Bắc Kạn, from data/ (built once per folder)."""
    return _reference(str(data_dir or config.DATA_DIR))
