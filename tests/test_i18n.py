"""The two catalogues have the same keys, and formatting follows each language's conventions."""

import datetime as dt
import re
from pathlib import Path

from dashboard import fmt, i18n

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_catalogues_have_the_same_keys():
    vi, en = i18n.catalogue("vi"), i18n.catalogue("en")
    assert set(vi) - set(en) == set(), "keys missing in English"
    assert set(en) - set(vi) == set(), "keys missing in Vietnamese"


def test_catalogues_have_the_same_namespaces_and_placeholders():
    vi_files = {p.name for p in (i18n.LOCALES / "vi").glob("*.toml")}
    en_files = {p.name for p in (i18n.LOCALES / "en").glob("*.toml")}
    assert vi_files == en_files
    vi, en = i18n.catalogue("vi"), i18n.catalogue("en")
    for key in vi:
        assert set(PLACEHOLDER.findall(vi[key])) == set(PLACEHOLDER.findall(en[key])), key


def test_vietnamese_catalogue_is_nfc_and_not_empty():
    import unicodedata

    for key, text in i18n.catalogue("vi").items():
        assert text.strip(), key
        assert unicodedata.normalize("NFC", text) == text, key


def test_missing_key_comes_back_as_itself():
    assert i18n.translate("nope.missing_key", "vi") == "nope.missing_key"
    assert i18n.translate("common.app_title", "en") == "Provincial Plan Steering Committee"


def test_vietnamese_number_percent_and_date_formats():
    assert fmt.number(1234.5, 1, "vi") == "1.234,5"
    assert fmt.number(1234567, 0, "vi") == "1.234.567"
    assert fmt.percent(85.3, 1, "vi") == "85,3\u00a0%"
    assert fmt.date(dt.date(2020, 8, 7), "vi") == "07/08/2020"
    assert fmt.number(None, 1, "vi") == "–"


def test_english_formats():
    assert fmt.number(1234.5, 1, "en") == "1,234.5"
    assert fmt.percent(85.3, 1, "en") == "85.3%"
    assert fmt.date(dt.date(2020, 8, 7), "en") == "7 Aug 2020"


def test_pages_use_only_known_keys():
    """Every literal key used in pages/, dashboard/ (its views too) and the map model (which writes its
    words through the catalogue: tr(...), words.translate(...)) exists in the catalogue."""
    vi = i18n.catalogue("vi")
    root = Path(__file__).resolve().parents[1]
    used = set()
    for path in [*root.glob("pages/*.py"), *root.glob("dashboard/*.py"), *root.glob("dashboard/views/*.py"),
                 *root.glob("src/qh_data/maps/*.py")]:
        used |= set(re.findall(r'\b(?:t|tr|tl|translate)\(\s*"([a-z_]+\.[a-z0-9_.]+)"',
                               path.read_text(encoding="utf-8")))
    assert len(used) > 300  # the pattern finds the keys at all
    missing = sorted(k for k in used if k not in vi)
    assert missing == []
