"""Indicator queries on the small province: district figures, roll-ups, series, the overview and a
figure's revisions, on SQLite and PostgreSQL; roll-ups worked out by hand in the comments."""

from __future__ import annotations

import math

import pytest
from query_world import D, P, T, seed, seed_indicators
from seeding import units

from qh_data import queries
from qh_data import status as rules
from qh_data.db import session_scope
from qh_data.errors import NotFound, ValidationFailed
from qh_data.models import (
    IndicatorValue,
)


def test_indicator_values_district_validity_and_revisions(engine):
    ids = seed(engine)
    seed_indicators(engine, ids["user"])
    d2025 = queries.indicator_values(engine, indicator="pop", period="2025", kind="actual", province=P).to_frame()
    assert list(d2025.columns) == list(queries.DISTRICT_VALUE_COLUMNS)
    assert list(d2025["code"]) == ["901", "902", "904"]  # 903 ended 30/6/2024
    assert list(d2025["value"]) == [10.0, 20.0, 7.0]
    assert list(d2025["revision"]) == [2, 1, 1]
    assert d2025.attrs["districts_contributing"] == 3
    d2024 = queries.indicator_values(engine, indicator="pop", period="2024", kind="actual", province=P).to_frame()
    assert list(d2024["code"]) == ["901", "902", "903", "904"]
    assert d2024["value"].isna().tolist() == [True, True, False, False]
    assert d2024.attrs["districts_contributing"] == 2 and d2024.attrs["districts_total"] == 4
    d2020 = queries.indicator_values(engine, indicator="pop", period="2020", kind="actual", province=P).to_frame()
    assert list(d2020["code"]) == ["901", "902", "903"]
    # As of 1/2/2026 the first revision of 901 was in force; on 31/12/2025 nothing of 2025 was in.
    feb = queries.indicator_values(engine, indicator="pop", period="2025", kind="actual", province=P,
                                   as_of=T(2026, 2, 1)).to_frame()
    assert list(feb["value"])[0] == 8.0 and list(feb["revision"])[0] == 1
    dec = queries.indicator_values(engine, indicator="pop", period="2025", kind="actual", province=P,
                                   as_of=D(2025, 12, 31)).to_frame()
    assert dec["value"].isna().all()
    # The day the revision arrived, as a date, means the end of that day: the new revision.
    assert list(queries.indicator_values(engine, indicator="pop", period="2025", kind="actual", province=P,
                                         as_of=D(2026, 3, 1)).to_frame()["value"])[0] == 10.0
    with pytest.raises(ValidationFailed):
        queries.indicator_values(engine, indicator="pop", period="2025-H3", kind="actual", province=P).to_frame()
    with pytest.raises(NotFound):
        queries.indicator_values(engine, indicator="nope", period="2025", kind="actual", province=P).to_frame()


def _province_row(engine, indicator, period, kind="actual", as_of=None):
    df = queries.indicator_values(engine, indicator=indicator, period=period, kind=kind, level="province",
                                  province=P, as_of=as_of).to_frame()
    assert list(df.columns) == list(queries.PROVINCE_VALUE_COLUMNS) and len(df) == 1
    return df.iloc[0]


def test_province_roll_up_rules(engine):
    seed(engine)
    seed_indicators(engine)
    # sum: 10 + 20 + 7 = 37 (903 not valid in 2025, 981 in another province)
    row = _province_row(engine, "pop", "2025")
    assert (row["value"], row["basis"], row["method"]) == (37.0, "districts", "sum")
    assert (row["districts_contributing"], row["districts_total"]) == (3, 3)
    assert bool(row["is_demo"]) is True  # 901's current revision is demo data
    # as of 1/2/2026: 8 + 20 + 7 = 35
    assert _province_row(engine, "pop", "2025", as_of=T(2026, 2, 1))["value"] == 35.0
    # 2024: 4 + 6 = 10 from 2 of the 4 districts valid that year
    row = _province_row(engine, "pop", "2024")
    assert (row["value"], row["districts_contributing"], row["districts_total"]) == (10.0, 2, 4)
    # no district target: the province's own 60
    row = _province_row(engine, "pop", "2030", "target")
    assert (row["value"], row["basis"], row["districts_contributing"]) == (60.0, "province", 0)
    # mean_pop: (10 × 100 000 + 2 × 300 000) / 400 000 = 4.0; 904 has no population
    row = _province_row(engine, "poor", "2025")
    assert row["value"] == pytest.approx(4.0)
    assert (row["method"], row["districts_contributing"]) == ("mean_pop", 2)
    # mean: (80 + 90 + 100) / 3 = 90
    row = _province_row(engine, "school", "2025")
    assert row["value"] == pytest.approx(90.0) and row["method"] == "mean"
    # not additive: the province's own 7.5, never the districts' 5 and 9
    row = _province_row(engine, "grdp_g", "2025")
    assert (row["value"], row["basis"], row["own_value"]) == (7.5, "province", 7.5)
    # nothing at all
    row = _province_row(engine, "school", "2019")
    assert row["value"] is None or math.isnan(row["value"])


def test_series(engine):
    seed(engine)
    seed_indicators(engine)
    ser = queries.indicator_series(engine, indicator="pop", unit_code="901").to_frame()
    assert list(ser.columns) == list(queries.SERIES_COLUMNS)
    assert list(zip(ser["period"], ser["value"], strict=True)) == [("2020", 5.0), ("2025", 10.0)]
    old = queries.indicator_series(engine, indicator="pop", unit_code="901", as_of=T(2026, 2, 1)).to_frame()
    assert list(old["value"]) == [5.0, 8.0]
    prov = queries.province_series(engine, indicator="pop", province=P).to_frame()
    assert list(prov.columns) == list(queries.PROVINCE_SERIES_COLUMNS)
    assert [(r["period"], r["kind"], r["value"], r["basis"]) for r in prov.to_dict("records")] == [
        ("2020", "actual", 23.0, "districts"), ("2024", "actual", 10.0, "districts"),
        ("2025", "actual", 37.0, "districts"), ("2030", "target", 60.0, "province")]
    assert list(prov["districts_total"]) == [3, 4, 3, 3]
    g = queries.province_series(engine, indicator="grdp_g", province=P).to_frame()
    assert list(g["period"]) == ["2020", "2025", "2026-H1", "2030"]
    assert list(g["value"]) == [3.0, 7.5, 7.8, 8.0]


def test_indicator_overview_province(engine):
    seed(engine)
    seed_indicators(engine)
    ov = queries.indicator_overview(engine, province=P).to_frame()
    assert list(ov.columns) == list(queries.OVERVIEW_COLUMNS)
    rows = {r["code"]: r for r in ov.to_dict("records")}
    assert list(ov["code"]) == ["pop", "poor", "school", "grdp_g"]
    pop = rows["pop"]
    # 2020: 5 + 15 + 3 = 23; 2025: 37; target 2030: 60.
    # observed (37/23)^(1/5) − 1, required (60/23)^(1/10) − 1
    assert (pop["baseline_2020"], pop["latest_actual_year"], pop["latest_actual_value"]) == (23.0, 2025, 37.0)
    assert pop["target_2030"] == 60.0 and pop["progress_target_year"] == 2030
    ratio = ((37 / 23) ** 0.2 - 1) / ((60 / 23) ** 0.1 - 1)
    assert pop["ratio"] == pytest.approx(ratio)
    assert pop["status"] == rules.classify_ratio(ratio) == "on_track"
    assert pop["method"] == "cagr" and "37" in pop["explanation_en"] and "23" in pop["explanation_en"]
    assert bool(pop["is_demo"]) is True
    poor = rows["poor"]
    # 2020: (20 × 100 000 + 6 × 300 000) / 400 000 = 9.5; 2025: 4; target 3; level, lower: 3 / 4
    assert poor["baseline_2020"] == pytest.approx(9.5)
    assert (poor["method"], poor["status"]) == ("level", "moderate")
    assert poor["ratio"] == pytest.approx(0.75)
    school = rows["school"]
    # No target: rated by its trend (Open SDG methodology_1): (90/70)^(1/5) − 1 = 5.16 %/year ≥ 1.5 %
    assert school["baseline_2020"] == 70.0 and school["method"] == "trend"
    assert school["observed_rate"] == pytest.approx((90 / 70) ** 0.2 - 1)
    assert school["status"] == rules.classify_trend((90 / 70) ** 0.2 - 1) == "trend_on_track"
    g = rows["grdp_g"]
    assert (g["latest_estimate_period"], g["latest_estimate_value"]) == ("2026-H1", 7.8)
    assert g["ratio"] == pytest.approx(7.5 / 8.0) and g["status"] == "moderate"
    # As of 1/2/2026 pop 2025 was 35: (35/23)^(1/5) − 1 vs the same requirement
    old_df = queries.indicator_overview(engine, P, as_of=T(2026, 2, 1)).to_frame()
    old = {r["code"]: r for r in old_df.to_dict("records")}
    assert old["pop"]["latest_actual_value"] == 35.0
    assert old["pop"]["ratio"] == pytest.approx(((35 / 23) ** 0.2 - 1) / ((60 / 23) ** 0.1 - 1))
    # Filters
    assert list(queries.indicator_overview(engine, P, owner_role="SGDDT").to_frame()["code"]) == ["school"]
    assert queries.indicator_overview(engine, P, group="society").to_frame().empty


def test_indicator_overview_district_and_estimates(engine):
    seed(engine)
    seed_indicators(engine)
    with session_scope(engine) as s:
        U = units(s)
        # 2026 has only an estimate for the province's growth: it becomes the latest point, said so.
        s.add(IndicatorValue(indicator_code="grdp_g", unit=U[P], period="2026", period_type="year",
                             year=2026, kind="estimate", value=8.2, submitted_at=T(2026, 4, 1)))
    rows = {r["code"]: r for r in queries.indicator_overview(engine, P).to_frame().to_dict("records")}
    g = rows["grdp_g"]
    assert g["latest_actual_year"] == 2025 and g["progress_latest_year"] == 2026
    assert bool(g["latest_is_estimate"]) is True and g["status"] == "achieved"  # 8.2 ≥ 8
    assert "(estimate)" in g["explanation_en"]
    d = {r["code"]: r for r in queries.indicator_overview(engine, P, district="902").to_frame().to_dict("records")}
    assert d["pop"]["level"] == "district" and d["pop"]["baseline_2020"] == 15.0
    # No district target: the trend 15 → 20 is rated, (20/15)^(1/5) − 1 = 5.9 %/year
    assert d["pop"]["latest_actual_value"] == 20.0 and d["pop"]["status"] == "trend_on_track"


def test_value_history(engine):
    ids = seed(engine)
    seed_indicators(engine, ids["user"])
    hist = queries.value_history(engine, indicator="pop", unit_code="901", period="2025", kind="actual").to_frame()
    assert list(hist.columns) == list(queries.VALUE_HISTORY_COLUMNS)
    assert list(hist["revision"]) == [2, 1]
    assert list(hist["value"]) == [10.0, 8.0]
    assert list(hist["is_current"]) == [True, False]
    assert hist["superseded_at"].iloc[1] == T(2026, 3, 1)
    assert list(hist["submitter_name"]) == ["Nguyễn Văn Một"] * 2
    assert hist["file_name"].iloc[0] == "pop.xlsx"
