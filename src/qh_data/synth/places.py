"""The synthetic store's places: the country before and after 1/7/2025, and each province's committee.

Units are versions (docs/units-over-time.md): the provinces and districts of before the reform (codes,
names and types the real GSO ones from ``data/geo/vietnam_districts.geojson``; districts end on 30/6/2025),
and the 34 provinces and 3,321 communes in force from 1/7/2025 (``vietnam_provinces_2025.geojson``,
``vietnam_communes_2025.geojson``: codes, names, areas; which province a commune lies in comes from
``geography``). A province whose territory the reform left alone keeps one version (Lạng Sơn); the others
end on 30/6/2025 and are linked ``whole`` to the 2025 province that took them (Bắc Kạn and Thái Nguyên ->
the new Thái Nguyên, under the reused code 19). District populations and areas are invented; communes get
an invented weight (never stored) that shares their province's population for the figures. Agencies
follow Lạng Sơn's real list, one set per 2025 province, plus the People's Committee of each former district.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import unicodedata
from dataclasses import dataclass

from .. import refdata
from ..units.lineage import PROVINCE_BASIS_2025, type_of
from .geography import geography
from .scales import SYNTH_SOURCE, Scale

REFORM = dt.date(2025, 7, 1)  # the two-tier local government (admin_reform_2025.md)
LAST_DAY = REFORM - dt.timedelta(days=1)
COMMUNE_SOURCE = ("Mã, tên, diện tích: data/geo/vietnam_communes_2025.geojson (QĐ 19/2025/QĐ-TTg); tỉnh: theo ranh "
                  "giới (tổng hợp, synthetic)")
PROVINCE_SOURCE = "Mã, tên, diện tích: data/geo/vietnam_provinces_2025.geojson"

UNIT_SOURCE = ("Mã, tên, loại: data/geo/vietnam_districts.geojson (GSO); dân số, diện tích: số liệu tổng hợp "
               "(synthetic), không phải số liệu thật")


def ascii_letters(name: str) -> str:
    """``name`` without diacritics (Đ as D), for the English names."""
    decomposed = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def provinces(sc: Scale) -> list[dict]:
    """The scale's provinces of before 1/7/2025 with their districts (code, name, type), in code order, from
    the district boundary file (``sc.provinces`` names these codes)."""
    from ..maps import boundaries

    path = boundaries.geo_dir() / boundaries.NATIONAL_FILE
    with path.open(encoding="utf-8") as fh:
        geo = json.load(fh)
    by_code: dict[str, dict] = {}
    for f in geo["features"]:
        p = f.get("properties") or {}
        if not p.get("code"):
            continue
        prov = by_code.setdefault(p["province_code"], {"code": p["province_code"], "name": p["province_name"],
                                                       "districts": []})
        prov["districts"].append({"code": p["code"], "name": p["name"], "type": p["type"]})
    out = [by_code[c] for c in sorted(by_code) if sc.provinces is None or c in sc.provinces]
    for p in out:
        p["districts"].sort(key=lambda d: d["code"])
    return out


def agency_roles() -> list[dict]:
    """The departments of one province, from Lạng Sơn's real list with the province's name taken out."""
    roles = []
    for r in refdata.read_csv("agencies.csv"):
        code = r["code"]
        if not code.startswith("LS-") or r["kind"] == "ubnd_huyen" or code == "LS-BQLKKTCK":
            continue
        role = code[3:]
        roles.append({"role": role, "kind": r["kind"],
                      "name_vi": r["name_vi"].replace("tỉnh Lạng Sơn", "{pv}").replace("Lạng Sơn", "{p}"),
                      "name_en": r["name_en"].replace("Lang Son", "{pe}")})
    return roles


def prefix(code: str) -> str:
    """The code prefix of a province's agencies and records ("LS" for Lạng Sơn)."""
    return refdata.PREFIX.get(code, f"P{code}")


def bare(name: str) -> str:
    """A unit name without its type ("Tỉnh Thái Nguyên" -> "Thái Nguyên")."""
    t = type_of(name)
    return name[len(t) + 1:] if t else name


@dataclass(frozen=True)
class Layout:
    """The scale's units without anything drawn at random: ``before`` (old provinces with their districts),
    ``now`` (2025 provinces: code, name, area, ``olds`` the old province codes it took, ``communes``) and
    ``kept`` (codes whose territory did not change: one version across the reform)."""

    before: list[dict]
    now: list[dict]
    kept: frozenset[str]

    @property
    def n_districts(self) -> int:
        return sum(len(p["districts"]) for p in self.before)

    @property
    def n_communes(self) -> int:
        return sum(len(p["communes"]) for p in self.now)


def layout(sc: Scale) -> Layout:
    before = provinces(sc)
    geo = geography()
    now: dict[str, dict] = {}
    for p in before:
        code = geo.old_to_new[p["code"]]
        name, area = geo.provinces[code]
        now.setdefault(code, {"code": code, "name": name, "area_km2": area, "olds": [], "communes": []})
        now[code]["olds"].append(p["code"])
    for c in geo.communes:
        if c["province_code"] in now:
            now[c["province_code"]]["communes"].append(c)
    every_old: dict[str, set[str]] = {}
    for old, new in geo.old_to_new.items():
        every_old.setdefault(new, set()).add(old)
    kept = frozenset(code for code in now if every_old[code] == {code})
    return Layout(before, [now[c] for c in sorted(now)], kept)


class Places:
    """The units of a scale before and after 1/7/2025, and the agencies of each 2025 province's committee.

    ``provinces`` are the 2025 provinces (the registers live on them), each with ``districts`` (those of
    the old provinces it took) and ``communes``. ``unit_id`` maps a code to the id of its version in force
    today (2025 provinces, communes) or at its end (districts); ``old_unit_id`` an old province code to
    its version before the reform (the same id for a kept province). ``units()`` draws the districts'
    populations and the communes' weights from ``rng``; ``agencies()`` fills in what the register needs.
    """

    def __init__(self, sc: Scale, rng: random.Random):
        self.rng = rng
        lay = self.layout = layout(sc)
        self.kept = lay.kept
        self.provinces = [dict(p, districts=[d for old in lay.before if old["code"] in p["olds"]
                                             for d in old["districts"]]) for p in lay.now]
        self.n_districts, self.n_communes = lay.n_districts, lay.n_communes
        self.n_provinces_before = len(lay.before)
        self.n_agencies = 0
        self.population: dict[str, int] = {}  # districts: stored; communes: a weight for the figures only
        self.unit_id: dict[str, int] = {"VN": 1}
        self.old_unit_id: dict[str, int] = {}
        for p in lay.before:
            self.old_unit_id[p["code"]] = len(self.unit_id) + len(self.old_unit_id) + 1
        next_id = len(self.unit_id) + len(self.old_unit_id) + 1
        for p in lay.now:
            if p["code"] in lay.kept:
                self.unit_id[p["code"]] = self.old_unit_id[p["code"]]
            else:
                self.unit_id[p["code"]], next_id = next_id, next_id + 1
        for p in lay.before:
            for d in p["districts"]:
                self.unit_id[d["code"]], next_id = next_id, next_id + 1
        for p in lay.now:
            for c in p["communes"]:
                self.unit_id[c["code"]], next_id = next_id, next_id + 1
        self.members: dict[str, list[str]] = {}
        self.role_of: dict[str, dict[str, str]] = {}  # province -> role -> agency code
        self.district_agency: dict[str, dict[str, str]] = {}  # 2025 province -> former district -> agency code

    def units(self):
        rng, lay = self.rng, self.layout
        ids = self.unit_id
        yield self._unit(id=1, code="VN", name="Việt Nam", level="country", type=None, parent_id=None, source=None,
                         is_synthetic=False)
        now = {p["code"]: p for p in lay.now}
        for p in lay.before:
            code = p["code"]
            if code in lay.kept:  # one version across the reform, named as it is now
                name, area = now[code]["name"], now[code]["area_km2"]
                yield self._unit(id=ids[code], code=code, name=name, level="province", type=type_of(name),
                                 parent_id=1, area_km2=area, source=PROVINCE_SOURCE)
                continue
            word = "Thành phố" if code in ("01", "31", "48", "79", "92") else "Tỉnh"
            yield self._unit(id=self.old_unit_id[code], code=code, name=f"{word} {p['name']}", level="province",
                             type=word, parent_id=1, valid_to=LAST_DAY, source=UNIT_SOURCE)
        for p in lay.now:
            if p["code"] not in lay.kept:
                yield self._unit(id=ids[p["code"]], code=p["code"], name=p["name"], level="province",
                                 type=type_of(p["name"]), parent_id=1, valid_from=REFORM, area_km2=p["area_km2"],
                                 source=PROVINCE_SOURCE, legal_basis=PROVINCE_BASIS_2025)
        for p in lay.before:
            for d in p["districts"]:
                urban = d["type"] in ("Quận", "Thành phố", "Thị xã")
                pop = int(rng.lognormvariate(math.log(210_000 if urban else 120_000), 0.45))
                area = round(rng.lognormvariate(math.log(60 if d["type"] == "Quận" else 650), 0.6), 2)
                self.population[d["code"]] = pop
                yield self._unit(id=ids[d["code"]], code=d["code"], name=f"{d['type']} {d['name']}", level="district",
                                 type=d["type"], parent_id=self.old_unit_id[p["code"]], valid_to=LAST_DAY,
                                 area_km2=area, population_2019=pop, source=UNIT_SOURCE)
        for p in self.provinces:
            total = sum(self.population[d["code"]] for d in p["districts"])
            weights = [rng.lognormvariate(0, 0.5) * (1.6 if c["name"].startswith("Phường") else 1.0)
                       for c in p["communes"]]
            w = sum(weights)
            for c, weight in zip(p["communes"], weights, strict=True):
                self.population[c["code"]] = max(1, int(total * weight / w))
                yield self._unit(id=ids[c["code"]], code=c["code"], name=c["name"], level="commune",
                                 type=type_of(c["name"]), parent_id=ids[p["code"]], valid_from=REFORM,
                                 area_km2=c["area_km2"], source=COMMUNE_SOURCE)

    @staticmethod
    def _unit(**row) -> dict:
        base = dict(id=None, code=None, name=None, level=None, type=None, parent_id=None, valid_from=None,
                    valid_to=None, area_km2=None, population_2019=None, source=None, legal_basis=None,
                    is_synthetic=True)
        base.update(row)
        return base

    def lineage(self):
        """Each old province whose territory changed -> the 2025 province that took it, whole."""
        for p in self.layout.now:
            if p["code"] in self.kept:
                continue
            for old in p["olds"]:
                yield dict(old_unit_id=self.old_unit_id[old], new_unit_id=self.unit_id[p["code"]], relation="whole",
                           effective_on=REFORM, legal_basis=PROVINCE_BASIS_2025, share=None, source=SYNTH_SOURCE)

    def agencies(self):
        roles = agency_roles()
        for p in self.provinces:
            code, name = p["code"], bare(p["name"])
            word = type_of(p["name"]).lower() if type_of(p["name"]) else "tỉnh"
            ascii_name = ascii_letters(name)
            pfx = prefix(code)
            members, by_role, by_district = [], {}, {}
            for r in roles:
                ac = f"{pfx}-{r['role']}"
                member = r["kind"] in refdata.MEMBER_KINDS
                full = r["name_vi"].format(pv=f"{word} {name}", p=name)
                yield dict(code=ac, name=full, name_en=r["name_en"].format(pe=ascii_name), kind=r["kind"],
                           role=r["role"], short_name=refdata.SHORT_NAMES.get(r["role"], full)[:80],
                           province_unit_id=self.unit_id[code], unit_id=self.unit_id[code], is_committee_member=member, source=SYNTH_SOURCE,
                           is_synthetic=True)
                by_role[r["role"]] = ac
                if member:
                    members.append(ac)
                self.n_agencies += 1
            for old in self.layout.before:
                if old["code"] not in p["olds"]:
                    continue
                for d in old["districts"]:  # the committee of a former district, under its former province
                    ac = f"{pfx}-UBND-{d['code']}"
                    full = f"{d['type']} {d['name']}"
                    yield dict(code=ac, name=f"UBND {d['type'].lower()} {d['name']}",
                               name_en=f"{ascii_letters(d['name'])} People's Committee", kind="ubnd_huyen",
                               role="UBND_HUYEN", short_name=f"UBND {full}"[:80],
                               province_unit_id=self.old_unit_id[old["code"]], unit_id=self.unit_id[d["code"]],
                               is_committee_member=True, source=SYNTH_SOURCE, is_synthetic=True)
                    by_district[d["code"]] = ac
                    self.n_agencies += 1
            # invited from now on: the departments (the district committees ended on 30/6/2025)
            self.members[code] = sorted(members)
            self.role_of[code] = by_role
            self.district_agency[code] = by_district
