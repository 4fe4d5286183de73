"""One colour per status for the whole app: Okabe-Ito, safe for the common colour-vision deficiencies.

Colour is never the only carrier: every chart and badge also writes the status word.
"""

from __future__ import annotations

OKABE_ITO = {
    "blue": "#0072B2", "green": "#009E73", "sky": "#56B4E9", "orange": "#E69F00",
    "vermillion": "#D55E00", "yellow": "#F0E442", "purple": "#CC79A7", "grey": "#9E9E9E",
}

# Task timing (qh_data.status task timing codes) in the order charts stack them.
TASK_TIMING_COLORS = {
    "done_on_time": OKABE_ITO["green"],
    "done_late": OKABE_ITO["blue"],
    "on_track": OKABE_ITO["sky"],
    "due_soon": OKABE_ITO["orange"],
    "overdue": OKABE_ITO["vermillion"],
    "no_deadline": "#C8C8C8",
    "cancelled": OKABE_ITO["grey"],
}

PROGRESS_COLORS = {
    "achieved": OKABE_ITO["blue"],
    "on_track": OKABE_ITO["green"],
    "moderate": OKABE_ITO["yellow"],
    "limited": OKABE_ITO["orange"],
    "deteriorating": OKABE_ITO["vermillion"],
    # No target, trend only: the same hue as the class against a target, at half strength (mixed
    # with white), so the two sets stay apart by lightness for every kind of colour vision.
    "trend_on_track": "#80CFB9",
    "trend_moderate": "#F8F2A1",
    "trend_limited": "#F3CF80",
    "trend_deteriorating": "#EAAF80",
    "insufficient_data": "#BDBDBD",
}

SEVERITY_COLORS = {
    "low": OKABE_ITO["sky"],
    "medium": OKABE_ITO["yellow"],
    "high": OKABE_ITO["orange"],
    "critical": OKABE_ITO["vermillion"],
}

ISSUE_STATUS_COLORS = {
    "open": OKABE_ITO["orange"],
    "in_progress": OKABE_ITO["sky"],
    "awaiting_decision": OKABE_ITO["vermillion"],
    "resolved": OKABE_ITO["green"],
    "closed": OKABE_ITO["grey"],
}

DARK_TEXT_ON = {OKABE_ITO["yellow"], OKABE_ITO["sky"], OKABE_ITO["orange"], "#C8C8C8", "#BDBDBD",
                OKABE_ITO["grey"], "#80CFB9", "#F8F2A1", "#F3CF80", "#EAAF80"}


def text_color(background: str) -> str:
    return "#111111" if background in DARK_TEXT_ON else "#FFFFFF"
