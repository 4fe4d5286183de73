"""Status rules and periods on worked examples; every number below is computed by hand in the comment."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from qh_data import periods
from qh_data import status as s
from qh_data.errors import ValidationFailed

D = dt.date
TODAY = D(2026, 5, 15)


# --- periods ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("code, typ, year, start, end, vi, en", [
    ("2020", "year", 2020, D(2020, 1, 1), D(2020, 12, 31), "Năm 2020", "2020"),
    ("2026-H1", "half", 2026, D(2026, 1, 1), D(2026, 6, 30), "6 tháng đầu năm 2026", "H1 2026"),
    ("2026-H2", "half", 2026, D(2026, 7, 1), D(2026, 12, 31), "6 tháng cuối năm 2026", "H2 2026"),
    ("2026-Q1", "quarter", 2026, D(2026, 1, 1), D(2026, 3, 31), "Quý 1/2026", "Q1 2026"),
    ("2024-Q1", "quarter", 2024, D(2024, 1, 1), D(2024, 3, 31), "Quý 1/2024", "Q1 2024"),
    ("2026-Q2", "quarter", 2026, D(2026, 4, 1), D(2026, 6, 30), "Quý 2/2026", "Q2 2026"),
    ("2026-Q3", "quarter", 2026, D(2026, 7, 1), D(2026, 9, 30), "Quý 3/2026", "Q3 2026"),
    ("2026-Q4", "quarter", 2026, D(2026, 10, 1), D(2026, 12, 31), "Quý 4/2026", "Q4 2026"),
])
def test_period_parts(code, typ, year, start, end, vi, en):
    assert periods.period_type(code) == typ
    assert periods.year(code) == year
    assert periods.start_date(code) == start
    assert periods.end_date(code) == end
    assert periods.label_vi(code) == vi
    assert periods.label_en(code) == en
    assert periods.validate(code) == code


def test_period_normalised():
    assert periods.validate(" 2026-h1 ") == "2026-H1"
    assert periods.validate(2020) == "2020"
    assert periods.label("2026-q3", "en") == "Q3 2026"


@pytest.mark.parametrize("bad", ["", "26", "2026-H3", "2026-Q0", "2026-Q5", "2026-S1", "2026H1", "1800",
                                 "2026-H1x", "năm 2020", None, 2026.5, True])
def test_period_invalid(bad):
    with pytest.raises(ValidationFailed) as err:
        periods.parse(bad)
    assert "không hợp lệ" in err.value.message_vi
    assert "not valid" in err.value.message_en
    assert not periods.is_valid(bad)


def test_period_order():
    mixed = ["2026", "2026-H2", "2026-Q4", "2026-Q3", "2026-H1", "2026-Q2", "2026-Q1", "2025"]
    assert periods.sort_periods(mixed) == ["2025", "2026-Q1", "2026-Q2", "2026-H1", "2026-Q3", "2026-Q4",
                                           "2026-H2", "2026"]


def test_period_of_day():
    assert periods.period_of(D(2026, 7, 1), "half") == "2026-H2"
    assert periods.period_of(D(2026, 6, 30), "quarter") == "2026-Q2"
    assert periods.period_of(D(2026, 6, 30)) == "2026"


# --- task timing -----------------------------------------------------------------------------------

@pytest.mark.parametrize("due, status, done, code, late", [
    (D(2026, 5, 1), "done", D(2026, 4, 28), "done_on_time", 0),
    (D(2026, 5, 1), "done", D(2026, 5, 1), "done_on_time", 0),      # done on the due day is on time
    (D(2026, 5, 1), "done", D(2026, 5, 6), "done_late", 5),         # 6 − 1 = 5 days
    (None, "done", D(2026, 5, 6), "done_on_time", 0),
    (D(2026, 5, 1), "done", None, "done_on_time", 0),
    (D(2026, 5, 10), "in_progress", None, "overdue", 5),            # 15 − 10 = 5 days
    (D(2026, 5, 14), "not_started", None, "overdue", 1),            # yesterday
    (D(2026, 5, 15), "not_started", None, "due_soon", 0),           # today: due soon, not overdue
    (D(2026, 5, 22), "in_progress", None, "due_soon", 0),           # today + 7: still due soon
    (D(2026, 5, 23), "in_progress", None, "on_track", 0),           # today + 8
    (None, "in_progress", None, "no_deadline", 0),
    (D(2026, 1, 1), "cancelled", None, "cancelled", 0),             # cancelled is never overdue
    (D(2026, 1, 1), "cancelled", D(2026, 2, 1), "cancelled", 0),
])
def test_task_timing(due, status, done, code, late):
    result = s.task_timing(due, status, done, TODAY)
    assert result.code == code
    assert result.days_late == late
    assert s.timing_code(due, status, done, TODAY) == code
    assert s.days_late(due, status, done, TODAY) == late
    assert code in s.TASK_TIMINGS


def test_timing_days_left_and_constants():
    assert s.DUE_SOON_DAYS == 7
    assert s.task_timing(D(2026, 5, 22), "in_progress", None, TODAY).days_left == 7
    assert s.task_timing(D(2026, 5, 10), "in_progress", None, TODAY).days_left == -5
    assert set(s.TASK_TIMINGS) == {"done_on_time", "done_late", "overdue", "due_soon", "on_track",
                                   "no_deadline", "cancelled"}
    assert set(s.TIMINGS_BY_URGENCY) == set(s.TASK_TIMINGS)


def test_age_bucket_boundaries():
    assert [s.age_bucket(d) for d in (0, 29, 30, 90, 91)] == ["lt30", "lt30", "30to90", "30to90", "gt90"]


# --- indicator progress ----------------------------------------------------------------------------

def test_progress_statuses_order():
    assert s.PROGRESS_STATUSES == ("achieved", "on_track", "moderate", "limited", "deteriorating",
                                   "trend_on_track", "trend_moderate", "trend_limited", "trend_deteriorating",
                                   "insufficient_data")
    assert s.PROGRESS_STATUSES == (*s.TARGET_STATUSES, *s.TREND_STATUSES, "insufficient_data")


def test_cagr_on_track_worked_example():
    # x0 = 100 (2020), xt = 150 (2025), x* = 200 (2030)
    # observed = 1.5^(1/5) − 1 = 0.084472; required = 2^(1/10) − 1 = 0.071773; ratio = 1.17693
    r = s.progress_from_series([(2020, 100), (2023, 130), (2025, 150)], (2030, 200), "higher")
    assert r.method == "cagr"
    assert r.baseline == (2020, 100.0) and r.latest == (2025, 150.0) and r.target == (2030, 200.0)
    assert r.observed_rate == pytest.approx(0.084472, abs=1e-6)
    assert r.required_rate == pytest.approx(0.071773, abs=1e-6)
    assert r.ratio == pytest.approx(1.17693, abs=1e-5)
    assert r.status == "on_track"
    for text in (r.explanation_en, r.explanation_vi):
        assert "2020" in text and "2025" in text and "2030" in text
        assert "150" in text and "100" in text and "200" in text
        assert "^(1/5)" in text and "^(1/10)" in text
    assert "8.45%" in r.explanation_en and "7.18%" in r.explanation_en and "1.177" in r.explanation_en
    assert "8,45 %" in r.explanation_vi and "7,18 %" in r.explanation_vi and "1,177" in r.explanation_vi
    assert "on track" in r.explanation_en and "đúng tiến độ" in r.explanation_vi


def test_cagr_bands():
    # x0 = 100 (2020), x* = 200 (2030): required = 2^(0.1) − 1 = 0.0717735.
    # A latest value at 2025 with observed = k × required gives ratio k exactly up to rounding.
    req = 2 ** 0.1 - 1

    def at_ratio(k):
        xt = 100 * (1 + k * req) ** 5
        return s.progress_from_series([(2020, 100), (2025, xt)], (2030, 200))

    assert at_ratio(0.95).status == "on_track"
    assert at_ratio(0.9499).status == "moderate"
    assert at_ratio(0.6).status == "moderate"
    assert at_ratio(0.5999).status == "limited"
    assert at_ratio(0.0).status == "limited"
    assert at_ratio(-0.01).status == "deteriorating"
    assert at_ratio(0.6).ratio == pytest.approx(0.6, abs=1e-9)


@pytest.mark.parametrize("latest, status_", [
    # Level method (is_rate), target 10 %: ratio = latest / 10, exact in binary for these values.
    (9.5, "on_track"),       # 0.95
    (9.4, "moderate"),       # 0.94
    (6.0, "moderate"),       # 0.6
    (5.9, "limited"),        # 0.59
    (0.0, "limited"),        # 0
    (-0.5, "deteriorating"),  # −0.05: the economy shrank while growth was targeted
    (10.0, "achieved"),
    (12.0, "achieved"),
])
def test_rate_level_bands(latest, status_):
    r = s.progress_from_series([(2020, 3.0), (2025, latest)], (2030, 10.0), "higher", is_rate=True)
    assert r.method == "level"
    assert r.status == status_
    assert r.ratio == pytest.approx(latest / 10.0)
    assert r.observed_rate == latest and r.required_rate == 10.0


def test_rate_level_explanation():
    # GRDP growth: 2.03 (2020) → 8.06 (2025, estimate), target 8.5: ratio = 8.06 / 8.5 = 0.948235
    r = s.progress_from_series([(2020, 2.03), (2025, 8.06)], (2030, 8.5), "higher", is_rate=True,
                               estimate_years=[2025])
    assert r.status == "moderate"
    assert r.ratio == pytest.approx(0.948235, abs=1e-6)
    assert r.latest_is_estimate
    assert "8.06 / 8.5 = 0.948" in r.explanation_en and "(estimate)" in r.explanation_en
    assert "8,06 / 8,5 = 0,948" in r.explanation_vi and "(ước tính)" in r.explanation_vi


def test_rate_lower_is_better():
    # Poverty rate 10 % → 4 %, target 3 %: ratio = 3 / 4 = 0.75 → moderate
    r = s.progress_from_series([(2020, 10.0), (2025, 4.0)], (2030, 3.0), "lower", is_rate=True)
    assert (r.method, r.status, r.ratio) == ("level", "moderate", 0.75)
    assert "3 / 4 = 0.750" in r.explanation_en
    # 3.1 → ratio 3 / 3.1 = 0.9677 → on track; 2.9 → achieved (lower than the target)
    def rate(latest):
        return s.progress_from_series([(2020, 10), (2025, latest)], (2030, 3), "lower", is_rate=True).status

    assert rate(3.1) == "on_track"
    assert rate(2.9) == "achieved"


def test_cagr_lower_is_better():
    # x0 = 20, xt = 15 (5 years), x* = 10 (10 years):
    # observed = 0.75^(0.2) − 1 = −0.056: required = 0.5^(0.1) − 1 = −0.066967; ratio = 0.834926 → moderate
    r = s.progress_from_series([(2020, 20), (2025, 15)], (2030, 10), "lower")
    assert r.method == "cagr"
    assert r.observed_rate == pytest.approx(0.75 ** 0.2 - 1)
    assert r.required_rate == pytest.approx(0.5 ** 0.1 - 1)
    assert r.ratio == pytest.approx(0.834926, abs=1e-6)
    assert r.status == "moderate"
    assert "lower is better" in r.explanation_en and "càng thấp càng tốt" in r.explanation_vi
    # Rising when a fall is needed: observed = (22/20)^(0.2) − 1 > 0, required < 0 → ratio < 0
    worse = s.progress_from_series([(2020, 20), (2025, 22)], (2030, 10), "lower")
    assert worse.status == "deteriorating" and worse.ratio < 0
    # Already at or below the target
    assert s.progress_from_series([(2020, 20), (2025, 10)], (2030, 10), "lower").status == "achieved"


def test_higher_falling_is_deteriorating():
    r = s.progress_from_series([(2020, 100), (2025, 90)], (2030, 200), "higher")
    assert r.status == "deteriorating"
    assert r.ratio == pytest.approx((0.9 ** 0.2 - 1) / (2 ** 0.1 - 1))


def test_achieved_higher():
    r = s.progress_from_series([(2020, 100), (2024, 210)], (2030, 200), "higher")
    assert r.status == "achieved"
    assert "210" in r.explanation_en and "≥" in r.explanation_en and "đã đạt" in r.explanation_vi


def test_zero_baseline_falls_back_to_linear():
    # x0 = 0: CAGR undefined. Linear: observed = (47.5 − 0) / 5 = 9.5; required = (100 − 0) / 10 = 10; 0.95
    r = s.progress_from_series([(2020, 0), (2025, 47.5)], (2030, 100))
    assert r.method == "linear"
    assert (r.observed_rate, r.required_rate) == (9.5, 10.0)
    assert r.status == "on_track" and r.ratio == pytest.approx(0.95)
    assert "CAGR is undefined" in r.explanation_en and "linear" in r.explanation_en
    assert "Không tính được CAGR" in r.explanation_vi
    assert "(47.5 − 0) / 5 = 9.5" in r.explanation_en
    assert "cagr_undefined" in r.notes


def test_negative_values_linear():
    # Net migration −200 (2020) → −50 (2025), target +100 (2030):
    # observed = 150 / 5 = 30; required = 300 / 10 = 30; ratio 1 → on track
    r = s.progress_from_series([(2020, -200), (2025, -50)], (2030, 100))
    assert r.method == "linear" and r.ratio == pytest.approx(1.0) and r.status == "on_track"


def test_insufficient_data():
    one = s.progress_from_series([(2020, 10)], (2030, 20))
    assert one.status == "insufficient_data" and one.ratio is None and "few_points" in one.notes
    assert "two years" in one.explanation_en and "hai năm" in one.explanation_vi
    # No target and a single point: nothing to rate (two points without a target rate the trend).
    none_target = s.progress_from_series([(2025, 15)], None)
    assert none_target.status == "insufficient_data" and "no_target" in none_target.notes
    assert "no target" in none_target.explanation_en and "mục tiêu" in none_target.explanation_vi
    assert s.progress_from_series([(2025, 15)], (2030, None)).status == "insufficient_data"
    assert s.progress_from_series([(2020, 10), (2025, 15)], (2030, None)).status == "trend_on_track"
    assert s.progress_from_series([], (2030, 20)).status == "insufficient_data"
    # None values do not count as points
    assert s.progress_from_series([(2020, 10), (2025, None)], (2030, 20)).status == "insufficient_data"
    # A target year not after the baseline
    assert s.progress_from_series([(2020, 10), (2025, 12)], (2020, 20)).status == "insufficient_data"


def test_target_not_better_than_baseline():
    # Higher is better but the target (90) is below the baseline (100); latest 80 misses it.
    r = s.progress_from_series([(2020, 100), (2025, 80)], (2030, 90), "higher")
    assert r.status == "deteriorating" and r.ratio is None
    assert "target_not_better_than_baseline" in r.notes
    # Latest 95 meets the (modest) target.
    assert s.progress_from_series([(2020, 100), (2025, 95)], (2030, 90), "higher").status == "achieved"


def test_baseline_choice():
    # The point at the baseline year when present
    r = s.progress_from_series([(2018, 50), (2020, 100), (2025, 150)], (2030, 200))
    assert r.baseline == (2020, 100.0)
    # Else the earliest point after it
    r = s.progress_from_series([(2018, 50), (2021, 100), (2025, 150)], (2030, 200))
    assert r.baseline == (2021, 100.0)
    # Else (only the latest point after it) the closest point before it
    r = s.progress_from_series([(2017, 40), (2019, 90), (2025, 150)], (2030, 200))
    assert r.baseline == (2019, 90.0)
    # Latest is always the largest year, whatever the order given
    r = s.progress_from_series([(2025, 150), (2020, 100)], (2030, 200))
    assert r.latest == (2025, 150.0) and r.baseline == (2020, 100.0)


def test_choose_baseline_rules():
    assert s.choose_baseline([(2018, 1.0), (2020, 2.0), (2024, 3.0)], 2020) == (2020, 2.0)
    assert s.choose_baseline([(2018, 1.0), (2022, 2.0), (2024, 3.0)], 2020) == (2022, 2.0)
    assert s.choose_baseline([(2018, 1.0), (2024, 3.0)], 2020) == (2018, 1.0)
    assert s.choose_baseline([(2024, 3.0)], 2020) is None


def test_classify_ratio_boundaries():
    assert s.classify_ratio(0.95) == "on_track"
    assert s.classify_ratio(0.9499999) == "moderate"
    assert s.classify_ratio(0.94999999999) == "on_track"  # rounded to 9 decimals: float noise is ignored
    assert s.classify_ratio(0.6) == "moderate"
    assert s.classify_ratio(0.59) == "limited"
    assert s.classify_ratio(0.0) == "limited"
    assert s.classify_ratio(-1e-6) == "deteriorating"


# --- percent of target -----------------------------------------------------------------------------

def test_percent_of_target():
    assert s.percent_of_target(80, 100) == 80.0
    assert s.percent_of_target(150, 100) == 150.0
    assert s.percent_of_target(500, 100) == s.PERCENT_CAP          # bounded
    assert s.percent_of_target(-5, 100) == 0.0                     # bounded below
    assert s.percent_of_target(4, 3, direction="lower") == 75.0     # 3 / 4
    assert s.percent_of_target(2, 3, direction="lower") == 150.0    # below the target: past it
    assert s.percent_of_target(0, 3, direction="lower") == s.PERCENT_CAP
    # With a baseline: share of the way covered, both directions
    assert s.percent_of_target(130, 200, baseline=100) == 30.0     # (130 − 100) / (200 − 100)
    assert s.percent_of_target(7, 4, baseline=10, direction="lower") == 50.0  # (7 − 10) / (4 − 10)
    assert s.percent_of_target(90, 200, baseline=100) == 0.0       # moved away
    # Undefined
    assert s.percent_of_target(None, 100) is None
    assert s.percent_of_target(10, None) is None
    assert s.percent_of_target(10, 0) is None
    assert s.percent_of_target(10, 5, baseline=5) is None
    assert s.percent_of_target(float("nan"), 5) is None
    assert math.isclose(s.percent_of_target(1, 3), 100 / 3)
