"""The boundary files shipped in ``data/geo`` (districts before 1/7/2025, communes from then on) and the
attribution their licences require."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from qh_data import config
from qh_data.errors import ConfigError

# The attribution text of data/geo/SOURCES.md ("Attribution text to show in the app"), verbatim except
# for the Markdown emphasis. CC BY 3.0 IGO requires it next to the map (a test keeps it in sync).
BOUNDARY_ATTRIBUTION = (
    "Ranh giới huyện / District boundaries: Government of Viet Nam, OCHA ROAP (HDX, \"Viet Nam – "
    "Subnational Administrative Boundaries\", CC BY 3.0 IGO), via geoBoundaries (www.geoboundaries.org; "
    "Runfola D. et al. 2020, geoBoundaries: A global database of political administrative boundaries, "
    "PLoS ONE 15(4): e0231866). Modified: attributes replaced by GSO codes and names, coordinates rounded "
    "to 5 decimals, national layer simplified."
)

# The attribution of the 2025 layers (data/geo/SOURCES.md, "Attribution text for these four layers"), verbatim.
COMMUNE_ATTRIBUTION = ("Ranh giới hành chính 2025: sapnhap.bando.com.vn, qua thanglequoc/vietnamese-provinces-database "
                       "(MIT)")
ATTRIBUTION = {"district": BOUNDARY_ATTRIBUTION, "commune": COMMUNE_ATTRIBUTION}


def attribution(levels) -> str:
    """The sources of the boundaries of these geographies, in order (both where a map page or a period
    has both: districts until 30/6/2025, communes from 1/7/2025)."""
    return " · ".join(ATTRIBUTION[lv] for lv in dict.fromkeys(levels))

PROVINCE_FILES = {"20": "lang_son_districts.geojson", "19": "thai_nguyen_districts.geojson"}
NATIONAL_FILE = "vietnam_districts.geojson"
PROVINCE_COMMUNE_FILES = {"20": "lang_son_communes_2025.geojson", "19": "thai_nguyen_communes_2025.geojson"}
NATIONAL_COMMUNE_FILE = "vietnam_communes_2025.geojson"


def geo_dir() -> Path:
    return Path(config.DATA_DIR) / "geo"


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        name = Path(path).name
        raise ConfigError(
            f"Tệp ranh giới {name} bị hỏng hoặc không đọc được ({type(exc).__name__}); bản đồ tạm thời không "
            "hiển thị được. Hãy lấy lại tệp từ kho mã nguồn.",
            f"The boundary file {name} is damaged or unreadable ({type(exc).__name__}); the map is unavailable "
            "until the file is restored.") from exc
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        name = Path(path).name
        raise ConfigError(f"Tệp ranh giới {name} không phải GeoJSON FeatureCollection; bản đồ tạm thời không "
                          "hiển thị được.",
                          f"The boundary file {name} is not a GeoJSON FeatureCollection; the map is unavailable.")
    return data


def clear_cache() -> None:
    """Forget the files read so far (tests that swap the data directory)."""
    _load.cache_clear()


def load_geojson(path: str | Path) -> dict:
    """Read a GeoJSON file (cached while the file is unchanged). Treat the result as read-only."""
    p = Path(path)
    try:
        mtime = p.stat().st_mtime
    except OSError as exc:
        raise ConfigError(f"Không tìm thấy tệp ranh giới {p.name}.",
                          f"Boundary file {p.name} not found.") from exc
    return _load(str(p.resolve()), mtime)


def province_districts(province_code: str | None = None) -> dict:
    """District boundaries of one province (its own file, else filtered from the national layer), or of
    the whole country when ``province_code`` is None."""
    if province_code is None:
        return load_geojson(geo_dir() / NATIONAL_FILE)
    code = str(province_code)
    if code in PROVINCE_FILES:
        return load_geojson(geo_dir() / PROVINCE_FILES[code])
    national = load_geojson(geo_dir() / NATIONAL_FILE)
    feats = [f for f in national["features"] if (f.get("properties") or {}).get("province_code") == code]
    if not feats:
        raise ConfigError(f"Không có ranh giới huyện cho tỉnh mã {code}.",
                          f"No district boundaries for province code {code}.")
    return {"type": "FeatureCollection", "features": feats}


def unit_boundaries(province_code: str | None, level: str, codes=None) -> dict:
    """The boundaries of one geography: ``district`` (the districts of before 1/7/2025) or ``commune`` (the
    communes from 1/7/2025) of a province, or of the whole country when ``province_code`` is None. A
    province without its own commune file is cut from the national commune layer by ``codes`` (the
    national layer names no province)."""
    if level == "district":
        return province_districts(province_code)
    if level != "commune":
        raise ValueError(f"level {level!r}")
    if province_code is not None and str(province_code) in PROVINCE_COMMUNE_FILES:
        return load_geojson(geo_dir() / PROVINCE_COMMUNE_FILES[str(province_code)])
    national = load_geojson(geo_dir() / NATIONAL_COMMUNE_FILE)
    if province_code is None:
        return national
    wanted = set(codes or ())
    feats = [f for f in national["features"] if (f.get("properties") or {}).get("code") in wanted]
    if not feats:
        raise ConfigError(f"Không có ranh giới xã, phường cho tỉnh mã {province_code}.",
                          f"No commune boundaries for province code {province_code}.")
    return {"type": "FeatureCollection", "features": feats}
