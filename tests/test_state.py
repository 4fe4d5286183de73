"""Filters in the URL: parsed, validated, and written back the same."""

import datetime as dt

from dashboard.state import Filters, Valid, parse_params

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
