"""``qh_data.status`` against Open SDG's own progress measure, on a grid of generated series.

The oracle below is a transcription of the decision logic of open-sdg/sdg-build, file
``sdg/ProgressMeasure.py`` at commit 27c0bf031b11add6def719a67c6083b1216664b8
(``measure_indicator_progress`` → ``methodology_1`` without a target, ``methodology_2`` with one,
``get_progress_status`` for the classes; defaults from ``default_progress_calc_options`` and
``update_progress_thresholds``). Only the pandas plumbing is replaced by a dict of year → value;
the order of the checks, the formulas and the thresholds are Open SDG's. It is run with the options
this project sets: ``base_year`` 2020 and the target's own year and value.

Where we differ on purpose, a test below says so case by case:
* ``level`` for an indicator that is itself a rate (Open SDG takes the CAGR of the rate);
* ``linear`` / ``trend_linear`` where a value is zero or negative (Open SDG turns a zero target into
  0.001 and otherwise reads negative values through a CAGR that is backwards or undefined);
* a target no better than the baseline gives no ratio (``deteriorating`` unless met);
* the baseline falls back to the last point before 2020 (Open SDG gives no status);
* one observation already past its target is ``achieved`` (issue 18). NB: in the transcribed file the
  "at least two data points" return comes before ``methodology_2``'s achieved check, so Open SDG
  itself gives no status there; this is the one place we deliberately go further than the file.
"""

from __future__ import annotations

import itertools
import math

import pytest

from qh_data import status as s

OPEN_SDG_SOURCE = ("open-sdg/sdg-build", "sdg/ProgressMeasure.py", "27c0bf031b11add6def719a67c6083b1216664b8")

# --- the oracle: Open SDG's decision logic, transcribed ------------------------------------------


def _growth_calculation(val1, val2, t1, t2):
    return ((val1 / val2) ** (1 / (t1 - t2))) - 1


def _get_progress_status(value, high, med, low):
    if value >= high:
        return "on_track"
    elif med <= value < high:
        return "progress_needs_acceleration"
    elif low <= value < med:
        return "limited_progress"
    elif value < low:
        return "deterioration"
    return None


def open_sdg_measure(data: dict[int, float], target: float | None, target_year: int = 2030,
                     direction: str = "positive", base_year: int = 2020) -> str | None:
    """``measure_indicator_progress`` with ``auto_progress_calculation`` on and these options."""
    config = {"base_year": base_year, "target_year": target_year, "direction": direction, "target": target}
    if config["target"] == 0:  # config_defaults
        config["target"] = 0.001
    data = {y: v for y, v in data.items() if v is not None}  # data_progress_measure
    if len(data) < 1:
        return None
    years = sorted(data)
    config["current_year"] = max(years)
    if config["base_year"] not in years:
        if config["base_year"] > max(years):
            return None
        config["base_year"] = min(y for y in years if y > config["base_year"])
    if config["current_year"] - config["base_year"] < 1:
        return None
    t, t_0 = float(config["current_year"]), float(config["base_year"])
    current_value, base_value = data[int(t)], data[int(t_0)]
    if config["target"] is None:  # methodology_1
        cagr_o = _growth_calculation(current_value, base_value, t, t_0)
        if direction == "negative":
            cagr_o = -1 * cagr_o
        return _get_progress_status(cagr_o, 0.015, 0.005, 0)
    target, t_tao = float(config["target"]), float(config["target_year"])  # methodology_2
    if (direction == "negative" and current_value <= target) or (direction == "positive" and current_value >= target):
        return "target_achieved"
    cagr_o = _growth_calculation(current_value, base_value, t, t_0)
    cagr_r = _growth_calculation(target, base_value, t_tao, t_0)
    ratio = cagr_o / cagr_r
    return _get_progress_status(ratio, 0.95, 0.6, 0)


# Open SDG's words → ours (with a target; without one the same classes as ``trend_*``).
TARGET_CODES = {"target_achieved": "achieved", "on_track": "on_track", "progress_needs_acceleration": "moderate",
                "limited_progress": "limited", "deterioration": "deteriorating", None: "insufficient_data"}
TREND_CODES = {"on_track": "trend_on_track", "progress_needs_acceleration": "trend_moderate",
               "limited_progress": "trend_limited", "deterioration": "trend_deteriorating",
               None: "insufficient_data"}


def ours(points: dict[int, float], target: float | None, direction: str, is_rate: bool = False) -> s.ProgressResult:
    return s.progress_from_series(points.items(), None if target is None else (2030, target),
                                  "lower" if direction == "negative" else "higher", is_rate)


def theirs(points: dict[int, float], target: float | None, direction: str) -> str:
    code = open_sdg_measure(points, target, 2030, direction)
    return (TREND_CODES if target is None else TARGET_CODES)[code]


# --- the grid ------------------------------------------------------------------------------------

BASES = (10.0, 50.0, 100.0)
# Latest value as a multiple of the baseline, and the year span.
MOVES = (0.5, 0.8, 0.95, 0.99, 1.0, 1.01, 1.03, 1.1, 1.3, 1.6, 2.0)
SPANS = ((2020, 2022), (2020, 2025), (2021, 2024))  # (first year, latest year)
# Target as a multiple of the baseline, on the better side for its direction.
TARGET_MULT = {"positive": (1.2, 1.5, 2.0, 3.0), "negative": (0.3, 0.5, 0.8, 0.9)}


def _series(base: float, move: float, first: int, last: int) -> dict[int, float]:
    """Geometric path from base (first year) to base × move (latest year), one point a year."""
    n = last - first
    return {first + i: base * move ** (i / n) for i in range(n + 1)}


def grid_with_target():
    for direction, base, move, (first, last) in itertools.product(("positive", "negative"), BASES, MOVES, SPANS):
        for mult in TARGET_MULT[direction]:
            yield _series(base, move, first, last), base * mult, direction


def grid_without_target():
    for direction, base, move, (first, last) in itertools.product(("positive", "negative"), BASES, MOVES, SPANS):
        yield _series(base, move, first, last), None, direction


def test_oracle_transcription_matches_worked_example():
    # Open SDG methodology_2 on 100 (2020) → 150 (2025), target 200 in 2030: ratio 1.177 → on_track.
    assert open_sdg_measure({2020: 100, 2025: 150}, 200, 2030, "positive") == "on_track"
    assert open_sdg_measure({2020: 100, 2025: 150}, 140, 2030, "positive") == "target_achieved"
    # methodology_1: +3.71 %/year, and the same growth read for a lower-is-better indicator.
    assert open_sdg_measure({2020: 10, 2025: 12}, None) == "on_track"
    assert open_sdg_measure({2020: 10, 2025: 12}, None, direction="negative") == "deterioration"
    # No status from one point, nor when every point is before the base year.
    assert open_sdg_measure({2020: 10}, 5, direction="negative") is None
    assert open_sdg_measure({2017: 10, 2018: 12}, 20) is None
    assert OPEN_SDG_SOURCE[1] == "sdg/ProgressMeasure.py"


def test_agreement_with_target_positive_values():
    """Positive values, a target on the better side: every case agrees."""
    cases = list(grid_with_target())
    disagree = [(p, t, d, ours(p, t, d).status, theirs(p, t, d)) for p, t, d in cases
                if ours(p, t, d).status != theirs(p, t, d)]
    assert len(cases) == 2 * 3 * 11 * 3 * 4 == 792
    assert disagree == []
    statuses = {ours(p, t, d).status for p, t, d in cases}
    assert statuses == set(s.TARGET_STATUSES)  # the grid reaches every class


def test_agreement_without_target_positive_values():
    """No target: our trend_* statuses are Open SDG's methodology_1 classes, case for case."""
    cases = list(grid_without_target())
    results = [(ours(p, t, d), theirs(p, t, d)) for p, t, d in cases]
    assert len(cases) == 2 * 3 * 11 * 3 == 198
    assert [(r.status, o) for r, o in results if r.status != o] == []
    assert {r.status for r, _ in results} == set(s.TREND_STATUSES)
    assert all(r.method == "trend" and r.ratio is None and "no_target" in r.notes for r, _ in results)


def test_single_observation_past_target_is_achieved():
    """Fixed case 1 (issue 18): "achieved" is checked before the two-points rule."""
    for points, target, direction in (({2024: 25.0}, 20.0, "positive"), ({2025: 4.0}, 5.0, "negative"),
                                      ({2020: 20.0}, 20.0, "positive")):
        r = ours(points, target, direction)
        assert r.status == "achieved" and r.method == "none" and r.ratio is None
        assert "đã đạt mục tiêu" in r.explanation_vi and "target achieved" in r.explanation_en
        assert "few_points" in r.notes
        # Deliberate: the transcribed file returns no status here (its two-points return comes first).
        assert open_sdg_measure(points, target, 2030, direction) is None
    # One point short of its target stays "insufficient data", as in Open SDG.
    assert ours({2024: 15.0}, 20.0, "positive").status == "insufficient_data"
    assert open_sdg_measure({2024: 15.0}, 20.0) is None


def test_no_target_two_points_rated_by_trend():
    """Fixed case 2 (issue 18): an indicator without a target gets Open SDG's trend classes."""
    expected = {  # (x0 2020, xt 2025, direction) → directed CAGR class
        (100, 110, "positive"): "trend_on_track",       # +1.92 %/year ≥ 1.5 %
        (100, 105, "positive"): "trend_moderate",       # +0.98 %
        (100, 101, "positive"): "trend_limited",        # +0.20 %
        (100, 95, "positive"): "trend_deteriorating",   # −1.02 %
        (100, 90, "negative"): "trend_on_track",        # falls 2.09 %/year, lower is better
        (100, 110, "negative"): "trend_deteriorating",
    }
    for (x0, xt, direction), want in expected.items():
        r = ours({2020: x0, 2025: xt}, None, direction)
        assert r.status == want == theirs({2020: x0, 2025: xt}, None, direction)
        assert r.observed_rate == pytest.approx((xt / x0) ** (1 / 5) - 1)
        assert "Open SDG" in r.explanation_en and "không mục tiêu" in r.explanation_vi
    # The thresholds themselves: exactly 1.5 % and 0.5 % a year are the upper classes.
    assert s.classify_trend(0.015) == "trend_on_track" and s.classify_trend(0.0149) == "trend_moderate"
    assert s.classify_trend(0.005) == "trend_moderate" and s.classify_trend(0.0) == "trend_limited"
    assert s.classify_trend(-1e-6) == "trend_deteriorating"


def test_every_indicator_with_two_points_has_a_status():
    for p, t, d in itertools.chain(grid_with_target(), grid_without_target()):
        assert ours(p, t, d).status != "insufficient_data"
    for x0, xt in ((0.0, 5.0), (-10.0, -5.0), (-3.0, 4.0), (5.0, 0.0), (0.0, 0.0)):
        r = ours({2020: x0, 2025: xt}, None, "positive")
        assert r.status in s.TREND_STATUSES and r.method == "trend_linear"


# --- deliberate differences, case by case --------------------------------------------------------


def test_difference_level_method_for_rates():
    """GRDP growth 6 % → 6.8 % against 7 %: we compare levels (0.971 → on_track); Open SDG takes the
    CAGR of the rate (2.53 %/year against 1.55 %/year needed → also on_track here, but not always)."""
    points = {2020: 6.0, 2025: 6.8}
    r = ours(points, 7.0, "positive", is_rate=True)
    assert r.method == "level" and r.status == "on_track" and "Open SDG" in r.explanation_en
    # A rate that doubled from a low start but is still far below its target level:
    points = {2020: 2.0, 2025: 4.0}
    assert ours(points, 7.0, "positive", is_rate=True).status == "limited"      # 4 / 7 = 0.571
    assert theirs(points, 7.0, "positive") == "on_track"                        # 14.9 % vs 8.3 %/year


def test_difference_linear_for_non_positive_values():
    # Zero deaths targeted: Open SDG replaces the 0 target by 0.001; we use the linear rate.
    points = {2020: 50.0, 2025: 30.0}
    r = ours(points, 0.0, "negative")
    assert r.method == "linear" and "cagr_undefined" in r.notes
    assert r.status == "moderate"                        # −4/year against −5/year: 0.8
    assert theirs(points, 0.0, "negative") == "limited"  # −9.7 % against −52.9 %/year: 0.18
    # All values negative: the CAGR is defined but reads a rise as a fall.
    points = {2020: -10.0, 2025: -5.0}
    r = ours(points, -1.0, "positive")
    assert r.method == "linear" and "cagr_negative" in r.notes and r.status == "on_track"
    assert "defined but reads the wrong way" in r.explanation_en and "tính được" in r.explanation_vi
    assert "undefined" not in r.explanation_en
    assert theirs(points, -1.0, "positive") == "moderate"  # CAGR −12.9 % against −20.6 %/year: 0.63
    # Without a target the same: −10 → −5 rises 10 % of |x0| a year (Open SDG's CAGR: −12.9 %).
    assert ours(points, None, "positive").status == "trend_on_track"
    assert theirs(points, None, "positive") == "trend_deteriorating"


def test_difference_target_not_better_than_baseline():
    # Higher is better, target 90 below the baseline 100, latest 80: both growth rates negative.
    points = {2020: 100.0, 2025: 80.0}
    assert ours(points, 90.0, "positive").status == "deteriorating"
    assert theirs(points, 90.0, "positive") == "on_track"  # −4.4 % / −1.0 % = 4.2


def test_difference_baseline_fallback():
    points = {2018: 10.0, 2025: 12.0}
    r = ours(points, 20.0, "positive")
    assert r.baseline == (2018, 10.0) and r.status == "limited" and "baseline_fallback" in r.notes
    assert "last year before 2020" in r.explanation_en and "năm gần nhất trước 2020" in r.explanation_vi
    assert theirs(points, 20.0, "positive") == "insufficient_data"


def test_agreement_counts_over_the_whole_grid():
    """The figures quoted in the report: agreement over every generated case, by family."""
    families = {
        "target": list(grid_with_target()),
        "no_target": list(grid_without_target()),
        "single_point": [({y: v}, t, d) for y, v, t, d in itertools.product(
            (2020, 2024), (10.0, 30.0), (5.0, 20.0), ("positive", "negative"))],
    }
    agree = {k: sum(ours(p, t, d).status == theirs(p, t, d) for p, t, d in v) for k, v in families.items()}
    assert {k: len(v) for k, v in families.items()} == {"target": 792, "no_target": 198, "single_point": 16}
    # Single points: the 8 already past their target are our deliberate "achieved"; the 8 short of it agree.
    assert agree == {"target": 792, "no_target": 198, "single_point": 8}
    assert not any(math.isnan(ours(p, t, d).observed_rate or 0.0)
                   for p, t, d in families["target"] + families["no_target"])
