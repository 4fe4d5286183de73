"""Status rules, computed from dates and figures and never stored.

Task timing and open statuses live in ``qh_data.rules`` (their one home, with their SQL forms) and
are re-exported here for the callers that read them from this module.

Indicator progress (growth-rate method of Open SDG / UN ESCAP)
--------------------------------------------------------------
Inputs: baseline ``(t0, x0)``, latest observed ``(t, xt)``, target ``(T, x*)``, direction.

* ``achieved`` when the latest value meets the target: ``xt >= x*`` (higher is better) or
  ``xt <= x*`` (lower is better).
* ``insufficient_data`` with no target, fewer than two observed points, or a latest/target year
  that is not after the baseline year.
* Otherwise a ratio ``observed / required`` is classified: ``>= 0.95`` on_track,
  ``0.6 <= r < 0.95`` moderate, ``0 <= r < 0.6`` limited, ``r < 0`` deteriorating.

Methods for the ratio:

``cagr``   (all of x0, xt, x* positive) observed ``(xt/x0)^(1/(t-t0)) - 1``, required
           ``(x*/x0)^(1/(T-t0)) - 1``. For lower-is-better both are negative when the value falls,
           so a fall where a fall is needed gives a positive ratio; the same formula serves both
           directions.
``linear`` (CAGR undefined: some value zero or negative) observed ``(xt-x0)/(t-t0)``, required
           ``(x*-x0)/(T-t0)``; the explanation says why.
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

Ratios are rounded to 9 decimals before classifying so that 0.95 computed as 9.5 / 10 is 0.95.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

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

PROGRESS_STATUSES = ("achieved", "on_track", "moderate", "limited", "deteriorating", "insufficient_data")
ON_TRACK_RATIO = 0.95
MODERATE_RATIO = 0.6
PROGRESS_METHODS = ("cagr", "linear", "level", "none")
BASELINE_YEAR = 2020

Point = tuple[int, float]


@dataclass(frozen=True)
class ProgressResult:
    status: str
    ratio: float | None
    observed_rate: float | None
    required_rate: float | None
    method: str  # cagr | linear | level | none
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


def meets_target(value: float, target: float, direction: str = "higher") -> bool:
    return value <= target if _direction(direction) == "lower" else value >= target


def _direction(direction: str | None) -> str:
    return "lower" if direction == "lower" else "higher"


def _finite(value) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


# Number writing for the explanations: Vietnamese 1.234,5 · English 1,234.5.

def _num(value: float, lang: str, max_decimals: int = 4) -> str:
    value = float(value)
    if value == 0:
        return "0"
    magnitude = abs(value)
    decimals = 0 if magnitude >= 1e5 else 1 if magnitude >= 1e3 else 2 if magnitude >= 1 else max_decimals
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def _pct(rate: float, lang: str) -> str:
    text = f"{rate * 100:.2f}"
    return text.replace(".", ",") + " %" if lang == "vi" else text + "%"


def _ratio(value: float, lang: str) -> str:
    text = f"{value:.3f}"
    return text.replace(".", ",") if lang == "vi" else text


def _header(baseline: Point | None, latest: Point | None, target: Point | None, direction: str,
            estimate: bool, lang: str) -> str:
    parts = []
    if lang == "vi":
        if baseline:
            parts.append(f"năm gốc {baseline[0]}: {_num(baseline[1], lang)}")
        if latest:
            note = " (ước tính)" if estimate else ""
            parts.append(f"mới nhất {latest[0]}: {_num(latest[1], lang)}{note}")
        if target:
            parts.append(f"mục tiêu {target[0]}: {_num(target[1], lang)}")
        way = "càng thấp càng tốt" if direction == "lower" else "càng cao càng tốt"
        head = "; ".join(parts) if parts else "không có số liệu"
        return f"{head[0].upper()}{head[1:]} ({way})."
    if baseline:
        parts.append(f"baseline {baseline[0]}: {_num(baseline[1], lang)}")
    if latest:
        parts.append(f"latest {latest[0]}: {_num(latest[1], lang)}" + (" (estimate)" if estimate else ""))
    if target:
        parts.append(f"target {target[0]}: {_num(target[1], lang)}")
    way = "lower is better" if direction == "lower" else "higher is better"
    head = "; ".join(parts) if parts else "no figures"
    return f"{head[0].upper()}{head[1:]} ({way})."


def _show(value, lang: str) -> str:
    """A value for an explanation: ("pct", x), ("ratio", x), ("num", x), a string, an int or a float."""
    if isinstance(value, tuple):
        kind, x = value
        return _pct(x, lang) if kind == "pct" else _ratio(x, lang) if kind == "ratio" else _num(x, lang)
    if isinstance(value, (str, int)):
        return str(value)
    return _num(value, lang)


# (Vietnamese, English) sentences of the explanation, one per step.
_STEP_TEXT = {
    "level_higher": (
        "Chỉ tiêu là một tốc độ/tỷ lệ nên so trực tiếp mức mới nhất với mức mục tiêu: "
        "tỷ số = {a} / {b} = {r}.",
        "The indicator is itself a rate, so the latest level is compared with the target level: "
        "ratio = {a} / {b} = {r}."),
    "level_negative": (
        "Mức mới nhất âm trong khi mục tiêu dương.",
        "The latest level is negative while a positive level is targeted."),
    "level_lower": (
        "Chỉ tiêu là một tốc độ/tỷ lệ (càng thấp càng tốt) nên so mức mục tiêu với mức mới nhất: "
        "tỷ số = {a} / {b} = {r}.",
        "The indicator is itself a rate (lower is better), so the target level is compared with the "
        "latest level: ratio = {a} / {b} = {r}."),
    "level_undefined": (
        "Không so được theo mức vì mục tiêu hoặc giá trị mới nhất không dương, "
        "nên dùng mức thay đổi tuyến tính.",
        "The level comparison is undefined because the target or the latest value is not positive, "
        "so the linear rate is used."),
    "cagr_undefined": (
        "Không tính được CAGR vì có giá trị bằng 0 hoặc âm, nên dùng mức thay đổi tuyến tính.",
        "CAGR is undefined because a value is zero or negative, so the linear rate is used."),
    "cagr": (
        "Tốc độ tăng bình quân năm thực tế (CAGR) = ({xt} / {x0})^(1/{n}) − 1 = {o} mỗi năm. "
        "Tốc độ cần đạt = ({xs} / {x0})^(1/{big_n}) − 1 = {q} mỗi năm.",
        "Observed average annual growth (CAGR) = ({xt} / {x0})^(1/{n}) − 1 = {o} per year. "
        "Required = ({xs} / {x0})^(1/{big_n}) − 1 = {q} per year."),
    "linear": (
        "Thay đổi thực tế = ({xt} − {x0}) / {n} = {o} mỗi năm. "
        "Mức cần đạt = ({xs} − {x0}) / {big_n} = {q} mỗi năm.",
        "Observed change = ({xt} − {x0}) / {n} = {o} per year. "
        "Required = ({xs} − {x0}) / {big_n} = {q} per year."),
    "ratio": ("Tỷ số = {o} / {q} = {r}.", "Ratio = {o} / {q} = {r}."),
    "target_not_better": (
        "Mục tiêu không tốt hơn năm gốc nên không tính tỷ số tốc độ; chỉ xét đã đạt mục tiêu hay chưa.",
        "The target is no better than the baseline, so no growth ratio is computed; "
        "only whether the target is met counts."),
    "achieved": (
        "Giá trị mới nhất {xt} {sign} mục tiêu {xs} → đã đạt mục tiêu.",
        "The latest value {xt} {sign} the target {xs} → target achieved."),
    "short_of_target": (
        "Giá trị mới nhất chưa đạt mục tiêu → đang đi xa mục tiêu.",
        "The latest value falls short of the target → moving away from the target."),
    "on_track": ("{r} ≥ 0,95 → đúng tiến độ.", "{r} ≥ 0.95 → on track."),
    "moderate": ("0,6 ≤ {r} < 0,95 → có tiến triển nhưng cần đẩy nhanh.",
                 "0.6 ≤ {r} < 0.95 → moderate progress, acceleration needed."),
    "limited": ("0 ≤ {r} < 0,6 → tiến triển hạn chế.", "0 ≤ {r} < 0.6 → limited progress."),
    "deteriorating": ("{r} < 0 → đang đi xa mục tiêu.", "{r} < 0 → moving away from the target."),
}

_INSUFFICIENT_TEXT = {
    "no_target": ("Chưa có giá trị mục tiêu nên chưa đánh giá được tiến độ.",
                  "There is no target value, so progress cannot be assessed."),
    "few_points": ("Cần ít nhất hai năm có số liệu thực hiện để đánh giá tiến độ.",
                   "At least two years of observed values are needed to assess progress."),
    "latest_not_after_baseline": ("Năm mới nhất không sau năm gốc nên chưa đánh giá được tiến độ.",
                                  "The latest year is not after the baseline year, so progress cannot be "
                                  "assessed."),
    "target_not_after_baseline": ("Năm mục tiêu không sau năm gốc nên chưa đánh giá được tiến độ.",
                                  "The target year is not after the baseline year, so progress cannot be "
                                  "assessed."),
}


def _insufficient(reason: str, baseline, latest, target, direction, estimate) -> ProgressResult:
    vi, en = _INSUFFICIENT_TEXT[reason]
    return ProgressResult(
        status="insufficient_data", ratio=None, observed_rate=None, required_rate=None, method="none",
        baseline=baseline, latest=latest, target=target, direction=direction,
        explanation_vi=f"{_header(baseline, latest, target, direction, estimate, 'vi')} {vi}",
        explanation_en=f"{_header(baseline, latest, target, direction, estimate, 'en')} {en}",
        latest_is_estimate=estimate, notes=(reason,))


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
        return _insufficient("no_target", baseline, latest, target, direction, est)
    if baseline is None or latest is None:
        return _insufficient("few_points", baseline, latest, target, direction, est)
    (t0, x0), (t, xt), (big_t, xs) = baseline, latest, target
    if t <= t0:
        return _insufficient("latest_not_after_baseline", baseline, latest, target, direction, est)
    if big_t <= t0:
        return _insufficient("target_not_after_baseline", baseline, latest, target, direction, est)

    vi_parts = [_header(baseline, latest, target, direction, est, "vi")]
    en_parts = [_header(baseline, latest, target, direction, est, "en")]
    notes: list[str] = []
    n, big_n = t - t0, big_t - t0

    def say(key: str, **values) -> None:
        vi, en = _STEP_TEXT[key]
        vi_parts.append(vi.format(**{k: _show(v, "vi") for k, v in values.items()}))
        en_parts.append(en.format(**{k: _show(v, "en") for k, v in values.items()}))

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
            notes.append("cagr_undefined")
            say("cagr_undefined")
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
        explanation_vi=" ".join(vi_parts), explanation_en=" ".join(en_parts),
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
    """Progress of a yearly series toward a target.

    ``points``: observed (year, value) pairs in any order (None values are ignored; a repeated year
    keeps its last value). The latest point is the one with the largest year; the baseline is chosen
    by ``choose_baseline``. ``estimate_years``: years whose value is an estimate (said so in the text).
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
    if tgt is None:
        base = choose_baseline(ordered, baseline_year) if len(ordered) > 1 else None
        return _insufficient("no_target", base, latest, None, direction, est)
    if len(ordered) < 2:
        return _insufficient("few_points", None, latest, tgt, direction, est)
    baseline = choose_baseline(ordered, baseline_year)
    return assess_progress(baseline, latest, tgt, direction=direction, is_rate=is_rate,
                           latest_is_estimate=est)


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
