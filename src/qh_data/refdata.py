"""Real reference data shipped in data/: provinces, districts, agencies, public figures, boundaries.

Empty cells in the source files stay empty: nothing here invents a real figure.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from . import config
from .errors import ConfigError
from .models import AdminUnitVersion, Agency, Indicator, IndicatorValue
from .periods import period_type as _period_type
from .text import inert

PROVINCES = {"20": "Lạng Sơn", "19": "Thái Nguyên"}
PREFIX = {"20": "LS", "19": "TN"}
BOUNDARY_FILES = {"20": "lang_son_districts.geojson", "19": "thai_nguyen_districts.geojson",
                  None: "vietnam_districts.geojson"}
REAL_SUBMITTED_AT = dt.datetime(2025, 1, 1)
MEMBER_KINDS = {"so", "ban", "nganh", "ubnd_huyen"}

SHORT_NAMES = {
    "SKHDT": "Sở KH&ĐT", "STC": "Sở Tài chính", "SXD": "Sở Xây dựng", "STNMT": "Sở TN&MT",
    "SCT": "Sở Công Thương", "SNNPTNT": "Sở NN&PTNT", "SGTVT": "Sở GTVT", "SGDDT": "Sở GD&ĐT",
    "SYT": "Sở Y tế", "SLDTBXH": "Sở LĐ-TB&XH", "SVHTTDL": "Sở VH,TT&DL", "SKHCN": "Sở KH&CN",
    "STTTT": "Sở TT&TT", "SNV": "Sở Nội vụ", "STP": "Sở Tư pháp", "SNGV": "Sở Ngoại vụ",
    "TTRA": "Thanh tra tỉnh", "VPUBND": "Văn phòng UBND tỉnh", "BDT": "Ban Dân tộc",
    "BQLKKTCK": "Ban QL KKT cửa khẩu", "BQLKCN": "Ban QL các KCN", "CAT": "Công an tỉnh",
    "BCHQS": "Bộ CHQS tỉnh", "BCHBDBP": "Bộ CH BĐBP tỉnh", "CHQ": "Cục Hải quan", "CTHUE": "Cục Thuế",
    "NHNN": "NHNN chi nhánh tỉnh", "CTK": "Cục Thống kê", "TV": "Đơn vị tư vấn", "UBND": "UBND tỉnh",
    "BCD": "Ban Chỉ đạo", "TCV": "Tổ chuyên viên", "HDND": "HĐND tỉnh",
}


def reference_dir() -> Path:
    return config.DATA_DIR / "reference"


def geo_dir() -> Path:
    return config.DATA_DIR / "geo"


def read_csv(name: str) -> list[dict[str, str]]:
    path = reference_dir() / name
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return [{k: inert(v) if isinstance(v, str) else v for k, v in row.items()} for row in csv.DictReader(fh)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(
            f"Không đọc được tệp dữ liệu {path}: {exc}. Hãy lấy lại thư mục data/ từ kho mã nguồn.",
            f"Cannot read the data file {path}: {exc}. Restore the data/ folder from the repository.",
        ) from exc


def load_boundaries(province_code: str | None) -> dict:
    path = geo_dir() / BOUNDARY_FILES.get(province_code, BOUNDARY_FILES[None])
    try:
        with path.open(encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"Không đọc được tệp ranh giới {path}: {exc}. Bản đồ tạm thời không hiển thị được.",
            f"Cannot read the boundary file {path}: {exc}. The map is unavailable until it is restored.",
        ) from exc


def agency_role(code: str, kind: str) -> str:
    if kind == "ubnd_huyen":
        return "UBND_HUYEN"
    parts = code.split("-", 1)
    return parts[1] if len(parts) == 2 else code


def _num(text: str) -> float | None:
    text = (text or "").strip()
    return float(text) if text else None


def load(session: Session) -> dict[str, int]:
    """Insert the real reference data; returns counts. The caller owns the transaction."""
    districts = read_csv("districts.csv")
    agencies = read_csv("agencies.csv")
    province_rows = read_csv("province_indicators.csv")
    district_rows = read_csv("district_indicators.csv")

    # Units as they were before 1/7/2025, in force "since before the data begins" (valid_from NULL: the files
    # give no start date); the 2025 reform is loaded on top of them by units.store.load.
    country = AdminUnitVersion(code="VN", name="Việt Nam", level="country", is_synthetic=False)
    session.add(country)
    session.flush()
    ids: dict[str, int] = {}
    for code, name in PROVINCES.items():
        unit = AdminUnitVersion(code=code, name=name, level="province", type="Tỉnh", parent_id=country.id,
                                is_synthetic=False)
        session.add(unit)
        session.flush()
        ids[code] = unit.id
    for r in districts:
        unit = AdminUnitVersion(
            code=r["district_code"], name=r["district_name"], level="district", type=r["type"],
            parent_id=ids[r["province_code"]], area_km2=_num(r["area_km2"]),
            population_2019=int(r["population_2019"]) if r["population_2019"] else None,
            source=r["source"], is_synthetic=False)
        session.add(unit)
        session.flush()
        ids[unit.code] = unit.id
    for r in agencies:
        unit = r.get("admin_unit_code") or None
        province = None
        if unit:
            province = unit if unit in PROVINCES else next(
                (d["province_code"] for d in districts if d["district_code"] == unit), None)
        role = agency_role(r["code"], r["kind"])
        session.add(Agency(
            code=r["code"], name=r["name_vi"], name_en=r["name_en"], kind=r["kind"], role=role,
            short_name=r["name_vi"] if r["kind"] == "ubnd_huyen" else SHORT_NAMES.get(role, r["name_vi"]),
            province_unit_id=ids.get(province), unit_id=ids.get(unit),
            is_committee_member=r["kind"] in MEMBER_KINDS and province is not None,
            source=r["source_or_note"]))
    session.flush()

    known = {c for (c,) in session.query(Indicator.code).all()}
    values = []
    for r, unit_col in [*((x, "province_code") for x in province_rows),
                        *((x, "district_code") for x in district_rows)]:
        code = r["indicator_code"]
        if code not in known:
            session.add(Indicator(code=code, name_vi=r["indicator_name_vi"], name_en=r["indicator_name_en"],
                                  unit=r["unit"], group=_group_of(code), direction="higher",
                                  aggregation="not_additive", is_rate="growth" in code, decimals=1,
                                  sort_order=900, is_demo=False))
            known.add(code)
        value = _num(r["value"])
        if value is None:
            continue
        year = str(int(r["year"]))
        note = r.get("note") or None
        if r.get("value_max"):
            note = f"{note + '; ' if note else ''}khoảng {r['value']}–{r['value_max']}"
        values.append(dict(indicator_code=code, unit_id=ids[r[unit_col]], period=year,
                           period_type=_period_type(year), year=int(year), kind=r["kind"], value=value,
                           revision=1, source=r["source"], submitted_at=REAL_SUBMITTED_AT, is_demo=False,
                           note=note))
    session.flush()
    # Real figures can repeat a key (two sources for one figure): keep the first, as a revision 1.
    seen, unique = set(), []
    for v in values:
        key = (v["indicator_code"], v["unit_id"], v["period"], v["kind"])
        if key not in seen:
            seen.add(key)
            unique.append(v)
    if unique:
        session.execute(insert(IndicatorValue), unique)
    return {"districts": len(districts), "agencies": len(agencies), "real_values": len(unique)}


def _group_of(code: str) -> str:
    if any(k in code for k in ("forest", "area", "waste", "water")):
        return "environment"
    if any(k in code for k in ("population", "poverty", "poor", "labour", "income", "rural")):
        return "society"
    if any(k in code for k in ("urban", "commune", "road")):
        return "infrastructure"
    return "economy"
