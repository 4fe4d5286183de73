"""Filters in the URL: parsed, validated, and written back the same."""

import datetime as dt

from dashboard.state import Filters, Valid, as_of_param, dropped_units, parse_params, unit_codes_of

VALID = Valid(provinces=("20", "19"), districts={"20": ("178", "180"), "19": ("164",)},
              agencies={"20": ("LS-SKHDT", "LS-SXD"), "19": ("TN-SKHDT",)}, default_province="20")


def test_round_trip_of_all_filters():
    filters = Filters("20", ["180", "178"], "LS-SXD", dt.date(2026, 6, 30), "en", True)
    parsed, ignored = parse_params(filters.to_params(), VALID)
    assert parsed == filters
    assert ignored == []


def test_defaults_without_parameters():
    parsed, ignored = parse_params({}, VALID)
    assert parsed == Filters("20")
    assert ignored == []


def test_unknown_and_malformed_parameters_are_ignored_and_named():
    params = {"p": "99", "d": "178,999", "a": "TN-SKHDT", "asof": "2026-13-45", "lang": "fr",
              "present": "maybe", "evil": "1; DROP TABLE task"}
    parsed, ignored = parse_params(params, VALID)
    assert parsed.province == "20"
    assert parsed.districts == ["178"]  # the valid code is kept, the unknown one dropped
    assert parsed.agency is None and parsed.as_of is None and parsed.lang == "vi" and not parsed.present
    assert set(ignored) == {"p", "d", "a", "asof", "lang", "present", "evil"}


def test_sql_fragments_and_huge_values_change_nothing():
    parsed, ignored = parse_params({"a": "' OR 1=1 --", "d": "x" * 100_000}, VALID)
    assert parsed == Filters("20")
    assert set(ignored) == {"a", "d"}


def test_page_parameters_are_not_reported():
    parsed, ignored = parse_params({"ind": "grdp_per_capita", "view": "target"}, VALID)
    assert ignored == [] and parsed == Filters("20")


def test_the_unit_codes_the_filter_lets_go_of_are_named():
    """Valid.districts holds the as-of day's units (communes from 1/7/2025): an old link's district codes are
    not kept, and dropped_units names them for the notice that says what became of them."""
    communes = Valid(provinces=("20",), districts={"20": ("05977", "06187")}, agencies={"20": ()},
                     default_province="20", levels={"20": "commune"})
    params = {"p": "20", "d": "178,05977,178,180"}
    parsed, ignored = parse_params(params, communes)
    assert parsed.districts == ["05977"] and ignored == ["d"]
    assert dropped_units(params, parsed) == ["178", "180"]
    assert dropped_units({"p": "20"}, parsed) == [] and dropped_units({"d": "1," * 400}, parsed) == []


def test_the_as_of_parameter_is_a_day_of_2000_to_2100():
    assert as_of_param("2025-06-30") == dt.date(2025, 6, 30)
    assert [as_of_param(v) for v in (None, "", "2025-13-01", "1999-12-31", "2101-01-01", "x" * 500)] == [None] * 6
    assert unit_codes_of(" 178, ,180 ") == ["178", "180"] and unit_codes_of(None) == []
