"""Status rules, computed from dates and figures and never stored.

Task timing and open statuses live in ``qh_data.rules`` (their one home, with their SQL forms) and
are re-exported here for the callers that read them from this module.

Indicator progress (growth-rate method of Open SDG / UN ESCAP)
--------------------------------------------------------------
Mirrors Open SDG's measure, open-sdg/sdg-build ``sdg/ProgressMeasure.py`` (commit
27c0bf031b11add6def719a67c6083b1216664b8: ``methodology_2`` with a target, ``methodology_1``
without one, ``get_progress_status`` for the classes); tests/test_progress_opensdg.py holds a
transcription of it as the oracle and lists where this module differs on purpose.

Inputs: baseline ``(t0, x0)``, latest observed ``(t, xt)``, target ``(T, x*)``, direction.

* ``achieved`` when the latest value meets the target: ``xt >= x*`` (higher is better) or
  ``xt <= x*`` (lower is better). This is checked first: a single observation already past its
  target is ``achieved`` (no rate is needed to say so).
* No target, two observed points: the trend is rated as Open SDG's ``methodology_1`` does (see
  "Trend without a target" below), statuses ``trend_*``.
* ``insufficient_data`` with fewer than two observed points (target not met, or no target), or a
  latest/target year that is not after the baseline year (target not met).
* Otherwise a ratio ``observed / required`` is classified: ``>= 0.95`` on_track,
  ``0.6 <= r < 0.95`` moderate, ``0 <= r < 0.6`` limited, ``r < 0`` deteriorating.

Methods for the ratio:

``cagr``   (all of x0, xt, x* positive) observed ``(xt/x0)^(1/(t-t0)) - 1``, required
           ``(x*/x0)^(1/(T-t0)) - 1``. For lower-is-better both are negative when the value falls,
           so a fall where a fall is needed gives a positive ratio; the same formula serves both
           directions.
``linear`` (some value zero or negative) observed ``(xt-x0)/(t-t0)``, required ``(x*-x0)/(T-t0)``;
           the explanation says why: CAGR undefined (a zero, or values of both signs), or, all
           values negative, defined but read the wrong way (−10 → −5 is a rise, CAGR says −50 %).
``level``  (``is_rate``: the indicator is itself a rate, e.g. GRDP growth %) the latest level is
           compared with the target level: ``xt / x*`` (higher is better) or ``x* / xt`` (lower is
           better); ``observed_rate``/``required_rate`` then hold the two levels. It needs a positive
           target (and, lower is better, a positive latest value); otherwise ``linear`` is used.
           The ratio is negative exactly when the latest level is on the other side of zero from the
           target (growth of −1.5 % against a target of +7 %: the economy shrank) — "moved the wrong
           way" for a rate — and is then classified ``deteriorating``.

When the target is not on the better side of the baseline (it equals the baseline, or it lies
below it while higher is better, or above it while lower is better), a growth ratio means nothing:
the result is ``achieved`` if the target is met and otherwise ``deteriorating`` (the latest value is
worse than the target, which is itself no better than the baseline), with ``ratio`` None.

Trend without a target (Open SDG ``methodology_1``)
---------------------------------------------------
``trend``  (x0, xt positive) observed ``CAGR = (xt/x0)^(1/(t-t0)) - 1``, negated when lower is
           better (the "directed" rate ``d``); ``d >= 1.5 %`` trend_on_track,
           ``0.5 % <= d < 1.5 %`` trend_moderate, ``0 <= d < 0.5 %`` trend_limited, ``d < 0``
           trend_deteriorating (Open SDG: on_track, progress_needs_acceleration, limited_progress,
           deterioration; here labelled "no target: trend ..." so they are never read as progress
           toward a target). ``observed_rate`` is the CAGR, ``ratio`` and ``required_rate`` None.
``trend_linear`` (x0 or xt zero or negative, where Open SDG's CAGR is undefined or misleading) the
           relative linear rate ``(xt-x0)/(t-t0)/|x0|`` (``|xt|`` when x0 is 0), with the same signs
           and thresholds. Rates (``is_rate``) use the trend too: without a target there is no level.

Deliberate differences from Open SDG (each said in the explanation when it applies): the baseline
falls back to the last point before ``BASELINE_YEAR`` when no point from that year on precedes the
latest (Open SDG gives no status); ``linear``/``trend_linear`` where a value is not positive (Open
SDG turns a zero target into 0.001 and otherwise fails or reads negative values backwards);
``level`` for rates; a target no better than the baseline gives no ratio; one observation past its
target is ``achieved`` (Open SDG returns no status before checking the target).

Ratios are rounded to 9 decimals before classifying so that 0.95 computed as 9.5 / 10 is 0.95.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from .progress_text import INSUFFICIENT_TEXT, STEP_TEXT, Explanation, header, plan_sentence
from .rules.open_status import (  # noqa: F401 -- re-exported
    CLOSED_ISSUE_STATUSES,
    ISSUE_STATUSES,
    OPEN_ISSUE_STATUSES,
    OPEN_TASK_STATUSES,
    TASK_STATUSES,
)
from .rules.task_timing import (  # noqa: F401 -- re-exported
    DUE_SOON_DAYS,
    TASK_TIMINGS,
    TIMINGS_BY_URGENCY,
    TaskTiming,
    days_late,
    task_timing,
    timing_code,
)

# --- tasks ---------------------------------------------------------------------------------------

TIMINGS = TASK_TIMINGS


# --- issues ----------------------------------------------------------------------------------------

ISSUE_SEVERITIES = ("critical", "high", "medium", "low")
# Age of an open issue in days: under 30, 30 to 90 (both included), over 90.
AGE_BUCKETS = ("lt30", "30to90", "gt90")


def age_bucket(age_days: int) -> str:
    if age_days < 30:
        return "lt30"
    if age_days <= 90:
        return "30to90"
    return "gt90"


# --- indicator progress ----------------------------------------------------------------------------

# Against a target, then the trend of an indicator without one, then nothing to say.
TARGET_STATUSES = ("achieved", "on_track", "moderate", "limited", "deteriorating")
TREND_STATUSES = ("trend_on_track", "trend_moderate", "trend_limited", "trend_deteriorating")
PROGRESS_STATUSES = (*TARGET_STATUSES, *TREND_STATUSES, "insufficient_data")
ON_TRACK_RATIO = 0.95
MODERATE_RATIO = 0.6
# Open SDG's thresholds for the directed growth rate of an indicator without a target.
TREND_ON_TRACK_RATE = 0.015
TREND_MODERATE_RATE = 0.005
PROGRESS_METHODS = ("cagr", "linear", "level", "trend", "trend_linear", "none")
BASELINE_YEAR = 2020

Point = tuple[int, float]


@dataclass(frozen=True)
class ProgressResult:
    status: str
    ratio: float | None
    observed_rate: float | None
    required_rate: float | None
    method: str  # one of PROGRESS_METHODS
    baseline: Point | None
    latest: Point | None
    target: Point | None
    direction: str
    explanation_vi: str
    explanation_en: str
    latest_is_estimate: bool = False
    # Machine-readable reasons: no_target, few_points, cagr_undefined, level_undefined, ...
    notes: tuple[str, ...] = field(default=())

    def explanation(self, lang: str = "vi") -> str:
        return self.explanation_en if lang == "en" else self.explanation_vi


def classify_ratio(ratio: float) -> str:
    """on_track (≥ 0.95), moderate (0.6 ≤ r < 0.95), limited (0 ≤ r < 0.6), deteriorating (< 0)."""
    r = round(ratio, 9)
    if r >= ON_TRACK_RATIO:
        return "on_track"
    if r >= MODERATE_RATIO:
        return "moderate"
    if r >= 0:
        return "limited"
    return "deteriorating"


def classify_trend(rate: float) -> str:
    """trend_on_track (≥ 1.5 %), trend_moderate (0.5 % ≤ d < 1.5 %), trend_limited (0 ≤ d < 0.5 %),
    trend_deteriorating (< 0), for the directed annual rate ``d`` of an indicator without a target."""
    d = round(rate, 9)
    if d >= TREND_ON_TRACK_RATE:
        return "trend_on_track"
    if d >= TREND_MODERATE_RATE:
        return "trend_moderate"
    if d >= 0:
        return "trend_limited"
    return "trend_deteriorating"


def meets_target(value: float, target: float, direction: str = "higher") -> bool:
    return value <= target if _direction(direction) == "lower" else value >= target


def _direction(direction: str | None) -> str:
    return "lower" if direction == "lower" else "higher"


def _finite(value) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _insufficient(reason: str, baseline, latest, target, direction, estimate) -> ProgressResult:
    vi, en = INSUFFICIENT_TEXT[reason]
    return ProgressResult(
        status="insufficient_data", ratio=None, observed_rate=None, required_rate=None, method="none",
        baseline=baseline, latest=latest, target=target, direction=direction,
        explanation_vi=f"{header(baseline, latest, target, direction, estimate, 'vi')} {vi}",
        explanation_en=f"{header(baseline, latest, target, direction, estimate, 'en')} {en}",
        latest_is_estimate=estimate, notes=(reason,))


def _trend(baseline: Point, latest: Point, direction: str, est: bool) -> ProgressResult:
    """No target, two points: Open SDG's ``methodology_1`` (module notes, "Trend without a target")."""
    (t0, x0), (t, xt) = baseline, latest
    n = t - t0
    text = Explanation(baseline, latest, None, direction, est)
    if x0 > 0 and xt > 0:
        method, observed = "trend", (xt / x0) ** (1 / n) - 1
        text.say("trend", xt=xt, x0=x0, n=n, o=("pct", observed))
    else:
        scale = abs(x0) or abs(xt)
        method, observed = "trend_linear", ((xt - x0) / n / scale) if scale else 0.0
        text.say("trend_linear", xt=xt, x0=x0, n=n, scale=scale,
                 o=("pct", observed))
    directed = -observed if direction == "lower" else observed
    if direction == "lower":
        text.say("trend_lower", d=("pct", directed))
    status = classify_trend(directed)
    text.say(status, d=("pct", directed))
    return ProgressResult(
        status=status, ratio=None, observed_rate=observed, required_rate=None, method=method,
        baseline=baseline, latest=latest, target=None, direction=direction,
        explanation_vi=" ".join(text.vi), explanation_en=" ".join(text.en), latest_is_estimate=est,
        notes=("no_target",) + (() if method == "trend" else ("cagr_undefined",)))


def _achieved_without_rate(reason: str, baseline, latest: Point, target: Point, direction: str,
                           est: bool) -> ProgressResult:
    """The target is met though no rate can be worked out (one point, or years out of order)."""
    text = Explanation(baseline, latest, target, direction, est)
    text.say("achieved_first")
    text.say("achieved", xt=latest[1], xs=target[1], sign="≤" if direction == "lower" else "≥")
    return ProgressResult(
        status="achieved", ratio=None, observed_rate=None, required_rate=None, method="none",
        baseline=baseline, latest=latest, target=target, direction=direction,
        explanation_vi=" ".join(text.vi), explanation_en=" ".join(text.en), latest_is_estimate=est,
        notes=(reason,))


def assess_progress(baseline: Point | None, latest: Point | None, target: Point | None, *,
                    direction: str = "higher", is_rate: bool = False,
                    latest_is_estimate: bool = False) -> ProgressResult:
    """Progress from a baseline point, the latest observed point and a target point (see module notes)."""
    direction = _direction(direction)
    baseline = (int(baseline[0]), float(baseline[1])) if baseline and _finite(baseline[1]) else None
    latest = (int(latest[0]), float(latest[1])) if latest and _finite(latest[1]) else None
    target = (int(target[0]), float(target[1])) if target and _finite(target[1]) else None
    est = bool(latest_is_estimate)
    if target is None:
        if baseline is None or latest is None or latest[0] <= baseline[0]:
            return _insufficient("no_target", baseline, latest, target, direction, est)
        return _trend(baseline, latest, direction, est)
    blocked = ("few_points" if baseline is None or latest is None
               else "latest_not_after_baseline" if latest[0] <= baseline[0]
               else "target_not_after_baseline" if target[0] <= baseline[0] else None)
    if blocked:
        if latest is not None and meets_target(latest[1], target[1], direction):
            return _achieved_without_rate(blocked, baseline, latest, target, direction, est)
        return _insufficient(blocked, baseline, latest, target, direction, est)
    (t0, x0), (t, xt), (big_t, xs) = baseline, latest, target

    text = Explanation(baseline, latest, target, direction, est)
    say = text.say
    notes: list[str] = []
    n, big_n = t - t0, big_t - t0

    method = None
    ratio = observed = required = None
    if is_rate:
        if direction == "higher" and xs > 0:
            method, observed, required, ratio = "level", xt, xs, xt / xs
            say("level_higher", a=xt, b=xs, r=("ratio", ratio))
            if ratio < 0:
                say("level_negative")
        elif direction == "lower" and xs > 0 and xt > 0:
            method, observed, required, ratio = "level", xt, xs, xs / xt
            say("level_lower", a=xs, b=xt, r=("ratio", ratio))
        else:
            notes.append("level_undefined")
            say("level_undefined")
    if method is None:
        better_side = xs > x0 if direction == "higher" else xs < x0
        use_cagr = not is_rate and x0 > 0 and xt > 0 and xs > 0
        if not use_cagr and not is_rate:
            why = "cagr_negative" if x0 < 0 and xt < 0 and xs < 0 else "cagr_undefined"
            notes.append(why)
            say(why)
        method = "cagr" if use_cagr else "linear"
        if use_cagr:
            observed = (xt / x0) ** (1 / n) - 1
            required = (xs / x0) ** (1 / big_n) - 1
            say("cagr", xt=xt, x0=x0, xs=xs, n=n, big_n=big_n, o=("pct", observed), q=("pct", required))
        else:
            observed = (xt - x0) / n
            required = (xs - x0) / big_n
            say("linear", xt=xt, x0=x0, xs=xs, n=n, big_n=big_n, o=observed, q=required)
        if better_side and required != 0:
            ratio = observed / required
            unit = "pct" if use_cagr else "num"
            say("ratio", o=(unit, observed), q=(unit, required), r=("ratio", ratio))
        else:
            notes.append("target_not_better_than_baseline")
            say("target_not_better")

    if meets_target(xt, xs, direction):
        status = "achieved"
        say("achieved", xt=xt, xs=xs, sign="≤" if direction == "lower" else "≥")
    elif ratio is None:
        status = "deteriorating"
        say("short_of_target")
    else:
        status = classify_ratio(ratio)
        say(status, r=("ratio", ratio))
    return ProgressResult(
        status=status, ratio=ratio, observed_rate=observed, required_rate=required, method=method,
        baseline=baseline, latest=latest, target=target, direction=direction,
        explanation_vi=" ".join(text.vi), explanation_en=" ".join(text.en),
        latest_is_estimate=est, notes=tuple(notes))


def choose_baseline(points: Sequence[Point], baseline_year: int = BASELINE_YEAR) -> Point | None:
    """The baseline among observed points (sorted by year), never the latest point itself.

    1. the earliest point at or after ``baseline_year`` (so the point at ``baseline_year`` when there
       is one) that is before the latest point;
    2. otherwise the point closest before ``baseline_year`` (the state when the plan began).
    """
    candidates = list(points[:-1])
    if not candidates:
        return None
    after = [p for p in candidates if p[0] >= baseline_year]
    return after[0] if after else candidates[-1]


def progress_from_series(points: Iterable[tuple[int, float | None]], target: tuple[int, float | None] | None,
                         direction: str = "higher", is_rate: bool = False, baseline_year: int = BASELINE_YEAR,
                         *, estimate_years: Iterable[int] = ()) -> ProgressResult:
    """Progress of a yearly series toward a target, or its trend when there is no target.

    ``points``: observed (year, value) pairs in any order (None values are ignored; a repeated year
    keeps its last value). The latest point is the one with the largest year; the baseline is chosen
    by ``choose_baseline`` (the explanation says so when it falls back before ``baseline_year``).
    ``estimate_years``: years whose value is an estimate (said so in the text).
    """
    direction = _direction(direction)
    series: dict[int, float] = {}
    for year, value in points:
        if _finite(value):
            series[int(year)] = float(value)
    ordered = sorted(series.items())
    tgt = (int(target[0]), float(target[1])) if target is not None and _finite(target[1]) else None
    latest = ordered[-1] if ordered else None
    est = latest is not None and latest[0] in {int(y) for y in estimate_years}
    baseline = choose_baseline(ordered, baseline_year)
    result = assess_progress(baseline, latest, tgt, direction=direction, is_rate=is_rate,
                             latest_is_estimate=est)
    if baseline is None or baseline[0] >= baseline_year or result.status == "insufficient_data":
        return result
    vi, en = STEP_TEXT["baseline_fallback"]
    return replace(result, explanation_vi=f"{result.explanation_vi} {vi.format(year=baseline_year)}",
                   explanation_en=f"{result.explanation_en} {en.format(year=baseline_year)}",
                   notes=(*result.notes, "baseline_fallback"))


def with_plan(result: ProgressResult, plan_vi: str | None, plan_en: str | None) -> ProgressResult:
    """The result whose target is of a plan (``queries.plans``) says which, before the explanation
    ("Mục tiêu theo QĐ 222/QĐ-TTg."); a result without a target, or no plan, is returned as it is."""
    if result.target is None or not plan_vi or not plan_en:
        return result
    return replace(result, explanation_vi=f"{plan_sentence(plan_vi, 'vi')} {result.explanation_vi}",
                   explanation_en=f"{plan_sentence(plan_en, 'en')} {result.explanation_en}")


# --- percent of target (map classes) ---------------------------------------------------------------

PERCENT_CAP = 200.0


def percent_of_target(value: float | None, target: float | None, baseline: float | None = None,
                      direction: str = "higher") -> float | None:
    """How far a value has come toward its target, in percent, within [0, ``PERCENT_CAP``].

    Without a baseline it is a level ratio: ``value / target * 100`` when higher is better and
    ``target / value * 100`` when lower is better (halving a rate that must be halved is 100 %; a value
    at or below zero against a positive target, lower is better, is past the target: the cap).
    It needs a positive target (None otherwise).

    With a baseline it is the share of the way from baseline to target covered:
    ``(value - baseline) / (target - baseline) * 100`` — the same for both directions, 0 when the value
    moved away from the target; None when target equals baseline.
    """
    if not _finite(value) or not _finite(target):
        return None
    value, target = float(value), float(target)
    if baseline is not None and _finite(baseline):
        base = float(baseline)
        if target == base:
            return None
        pct = (value - base) / (target - base) * 100
    elif _direction(direction) == "lower":
        if target <= 0:
            return None
        if value <= 0:
            return PERCENT_CAP
        pct = target / value * 100
    else:
        if target <= 0:
            return None
        pct = value / target * 100
    return max(0.0, min(PERCENT_CAP, pct))
