"""The synthetic store's places: every unit of the chosen provinces and each province's committee.

Unit codes, names and types are the real GSO ones from ``data/geo/vietnam_districts.geojson``; their
populations and areas are invented. Agencies follow Lạng Sơn's real list, one set per province.
"""

from __future__ import annotations

import json
import math
import random
import unicodedata

from .. import refdata
from .scales import SYNTH_SOURCE, Scale

UNIT_SOURCE = ("Mã, tên, loại: data/geo/vietnam_districts.geojson (GSO); dân số, diện tích: số liệu tổng hợp "
               "(synthetic), không phải số liệu thật")
CITY_PROVINCES = {"01", "31", "48", "79", "92"}


def ascii_letters(name: str) -> str:
    """``name`` without diacritics (Đ as D), for the English names."""
    decomposed = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def provinces(sc: Scale) -> list[dict]:
    """The scale's provinces with their districts (code, name, type), in code order, from the boundary file."""
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


class Places:
    """The provinces and districts of a scale, as units and as the agencies of each province's committee.

    ``units()`` draws the districts' populations from ``rng``; both generators fill in what the register
    needs (committee members, the agency of each role and of each district)."""

    def __init__(self, sc: Scale, rng: random.Random):
        self.rng = rng
        self.provinces = provinces(sc)
        self.n_districts = sum(len(p["districts"]) for p in self.provinces)
        self.n_agencies = 0
        self.population: dict[str, int] = {}
        # the id of each unit's one version: provinces and districts as they were before 1/7/2025
        self.unit_id: dict[str, int] = {"VN": 1}
        for p in self.provinces:
            self.unit_id[p["code"]] = len(self.unit_id) + 1
        for p in self.provinces:
            for d in p["districts"]:
                self.unit_id[d["code"]] = len(self.unit_id) + 1
        self.members: dict[str, list[str]] = {}
        self.role_of: dict[str, dict[str, str]] = {}  # province -> role -> agency code
        self.district_agency: dict[str, dict[str, str]] = {}  # province -> district -> agency code

    def units(self):
        rng = self.rng
        ids = self.unit_id
        yield dict(id=1, code="VN", name="Việt Nam", level="country", type=None, parent_id=None, area_km2=None,
                   population_2019=None, source=None, is_synthetic=False)
        for p in self.provinces:
            yield dict(id=ids[p["code"]], code=p["code"], name=p["name"], level="province",
                       type="Thành phố" if p["code"] in CITY_PROVINCES else "Tỉnh", parent_id=1,
                       area_km2=None, population_2019=None, source=UNIT_SOURCE, is_synthetic=True)
        for p in self.provinces:
            for d in p["districts"]:
                urban = d["type"] in ("Quận", "Thành phố", "Thị xã")
                pop = int(rng.lognormvariate(math.log(210_000 if urban else 120_000), 0.45))
                area = round(rng.lognormvariate(math.log(60 if d["type"] == "Quận" else 650), 0.6), 2)
                self.population[d["code"]] = pop
                yield dict(id=ids[d["code"]], code=d["code"], name=f"{d['type']} {d['name']}", level="district",
                           type=d["type"], parent_id=ids[p["code"]], area_km2=area, population_2019=pop,
                           source=UNIT_SOURCE, is_synthetic=True)

    def agencies(self):
        roles = agency_roles()
        for p in self.provinces:
            code, name = p["code"], p["name"]
            word = "thành phố" if code in CITY_PROVINCES else "tỉnh"
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
            for d in p["districts"]:
                ac = f"{pfx}-UBND-{d['code']}"
                full = f"{d['type']} {d['name']}"
                yield dict(code=ac, name=f"UBND {d['type'].lower()} {d['name']}",
                           name_en=f"{ascii_letters(d['name'])} People's Committee", kind="ubnd_huyen", role="UBND_HUYEN",
                           short_name=f"UBND {full}"[:80], province_unit_id=self.unit_id[code],
                           unit_id=self.unit_id[d["code"]],
                           is_committee_member=True, source=SYNTH_SOURCE, is_synthetic=True)
                members.append(ac)
                by_district[d["code"]] = ac
                self.n_agencies += 1
            self.members[code] = sorted(members)
            self.role_of[code] = by_role
            self.district_agency[code] = by_district
