"""The explanation of a progress status, in Vietnamese and English: number writing and one sentence
per step (the rules themselves are in ``qh_data.status``)."""

from __future__ import annotations

Point = tuple[int, float]


# Number writing for the explanations: Vietnamese 1.234,5 · English 1,234.5.

def num(value: float, lang: str, max_decimals: int = 4) -> str:
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


def header(baseline: Point | None, latest: Point | None, target: Point | None, direction: str,
            estimate: bool, lang: str) -> str:
    parts = []
    if lang == "vi":
        if baseline:
            parts.append(f"năm gốc {baseline[0]}: {num(baseline[1], lang)}")
        if latest:
            note = " (ước tính)" if estimate else ""
            parts.append(f"mới nhất {latest[0]}: {num(latest[1], lang)}{note}")
        if target:
            parts.append(f"mục tiêu {target[0]}: {num(target[1], lang)}")
        way = "càng thấp càng tốt" if direction == "lower" else "càng cao càng tốt"
        head = "; ".join(parts) if parts else "không có số liệu"
        return f"{head[0].upper()}{head[1:]} ({way})."
    if baseline:
        parts.append(f"baseline {baseline[0]}: {num(baseline[1], lang)}")
    if latest:
        parts.append(f"latest {latest[0]}: {num(latest[1], lang)}" + (" (estimate)" if estimate else ""))
    if target:
        parts.append(f"target {target[0]}: {num(target[1], lang)}")
    way = "lower is better" if direction == "lower" else "higher is better"
    head = "; ".join(parts) if parts else "no figures"
    return f"{head[0].upper()}{head[1:]} ({way})."


def show(value, lang: str) -> str:
    """A value for an explanation: ("pct", x), ("ratio", x), ("num", x), a string, an int or a float."""
    if isinstance(value, tuple):
        kind, x = value
        return _pct(x, lang) if kind == "pct" else _ratio(x, lang) if kind == "ratio" else num(x, lang)
    if isinstance(value, (str, int)):
        return str(value)
    return num(value, lang)


# (Vietnamese, English) sentences of the explanation, one per step.
STEP_TEXT = {
    "level_higher": (
        "Chỉ tiêu là một tốc độ/tỷ lệ nên so trực tiếp mức mới nhất với mức mục tiêu "
        "(khác Open SDG, vốn tính CAGR cả trên tốc độ): tỷ số = {a} / {b} = {r}.",
        "The indicator is itself a rate, so the latest level is compared with the target level "
        "(unlike Open SDG, which takes the CAGR of a rate too): ratio = {a} / {b} = {r}."),
    "level_negative": (
        "Mức mới nhất âm trong khi mục tiêu dương.",
        "The latest level is negative while a positive level is targeted."),
    "level_lower": (
        "Chỉ tiêu là một tốc độ/tỷ lệ (càng thấp càng tốt) nên so mức mục tiêu với mức mới nhất "
        "(khác Open SDG, vốn tính CAGR cả trên tốc độ): tỷ số = {a} / {b} = {r}.",
        "The indicator is itself a rate (lower is better), so the target level is compared with the "
        "latest level (unlike Open SDG, which takes the CAGR of a rate too): ratio = {a} / {b} = {r}."),
    "level_undefined": (
        "Không so được theo mức vì mục tiêu hoặc giá trị mới nhất không dương, "
        "nên dùng mức thay đổi tuyến tính.",
        "The level comparison is undefined because the target or the latest value is not positive, "
        "so the linear rate is used."),
    "cagr_undefined": (
        "Không tính được CAGR vì có giá trị bằng 0 hoặc các giá trị trái dấu nhau, "
        "nên dùng mức thay đổi tuyến tính (khác Open SDG, vốn chỉ có CAGR).",
        "CAGR is undefined because a value is zero or the values differ in sign, "
        "so the linear rate is used (unlike Open SDG, which has only CAGR)."),
    "cagr_negative": (
        "Các giá trị đều âm: CAGR tính được nhưng đọc ngược chiều (từ −10 lên −5 là tăng mà CAGR "
        "bằng −50 %), nên dùng mức thay đổi tuyến tính (khác Open SDG, vốn vẫn dùng CAGR).",
        "All values are negative: the CAGR is defined but reads the wrong way (−10 to −5 is a rise, "
        "yet its CAGR is −50%), so the linear rate is used (unlike Open SDG, which keeps the CAGR)."),
    "trend": (
        "Chưa có giá trị mục tiêu nên đánh giá theo xu hướng như Open SDG làm với chỉ tiêu không có "
        "mục tiêu định lượng. Tốc độ tăng bình quân năm (CAGR) = ({xt} / {x0})^(1/{n}) − 1 = {o} mỗi năm.",
        "There is no target value, so the trend is rated as Open SDG rates an indicator without a "
        "quantitative target. Average annual growth (CAGR) = ({xt} / {x0})^(1/{n}) − 1 = {o} per year."),
    "trend_linear": (
        "Chưa có giá trị mục tiêu nên đánh giá theo xu hướng. Không dùng được CAGR vì có giá trị bằng 0 "
        "hoặc âm (khác Open SDG), nên lấy mức thay đổi bình quân năm so với độ lớn {scale}: "
        "({xt} − {x0}) / {n} / {scale} = {o} mỗi năm.",
        "There is no target value, so the trend is rated. CAGR cannot be used because a value is zero "
        "or negative (unlike Open SDG), so the average annual change relative to the magnitude {scale} is used: "
        "({xt} − {x0}) / {n} / {scale} = {o} per year."),
    "trend_lower": (
        "Chỉ tiêu càng thấp càng tốt nên xét theo chiều ngược lại: {d} mỗi năm.",
        "Lower is better, so the rate is read the other way round: {d} per year."),
    "trend_on_track": ("{d} ≥ 1,50 % → không mục tiêu: xu hướng tốt.",
                       "{d} ≥ 1.50% → no target: trend on track."),
    "trend_moderate": ("0,50 % ≤ {d} < 1,50 % → không mục tiêu: có tiến triển, cần đẩy nhanh.",
                       "0.50% ≤ {d} < 1.50% → no target: progress, acceleration needed."),
    "trend_limited": ("0 ≤ {d} < 0,50 % → không mục tiêu: tiến triển hạn chế.",
                      "0 ≤ {d} < 0.50% → no target: limited progress."),
    "trend_deteriorating": ("{d} < 0 → không mục tiêu: xu hướng đi xuống.",
                            "{d} < 0 → no target: trend deteriorating."),
    "baseline_fallback": (
        "Không có số liệu từ năm {year} trở đi trước năm mới nhất nên lấy năm gốc là năm gần nhất trước "
        "{year} (Open SDG thì không đánh giá).",
        "No figure from {year} on precedes the latest one, so the baseline is the last year before {year} "
        "(Open SDG gives no status here)."),
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
    "achieved_first": (
        "Giá trị mới nhất đã đạt mục tiêu nên không cần tính tốc độ.",
        "The latest value already meets the target, so no rate is needed."),
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

INSUFFICIENT_TEXT = {
    "no_target": ("Chưa có giá trị mục tiêu và chưa đủ hai năm có số liệu để đánh giá xu hướng.",
                  "There is no target value and fewer than two years of figures to rate the trend."),
    "few_points": ("Cần ít nhất hai năm có số liệu thực hiện để đánh giá tiến độ.",
                   "At least two years of observed values are needed to assess progress."),
    "latest_not_after_baseline": ("Năm mới nhất không sau năm gốc nên chưa đánh giá được tiến độ.",
                                  "The latest year is not after the baseline year, so progress cannot be "
                                  "assessed."),
    "target_not_after_baseline": ("Năm mục tiêu không sau năm gốc nên chưa đánh giá được tiến độ.",
                                  "The target year is not after the baseline year, so progress cannot be "
                                  "assessed."),
}



class Explanation:
    """The explanation in both languages, one sentence per step."""

    def __init__(self, baseline, latest, target, direction, estimate) -> None:
        self.vi = [header(baseline, latest, target, direction, estimate, "vi")]
        self.en = [header(baseline, latest, target, direction, estimate, "en")]

    def say(self, key: str, **values) -> None:
        vi, en = STEP_TEXT[key]
        self.vi.append(vi.format(**{k: show(v, "vi") for k, v in values.items()}))
        self.en.append(en.format(**{k: show(v, "en") for k, v in values.items()}))


def plan_sentence(plan_label: str, lang: str) -> str:
    """Which plan the target is of (issue 15 point 3): put before the explanation."""
    return f"Mục tiêu theo {plan_label}." if lang == "vi" else f"Target as set by {plan_label}."
