"""Stored text reaches every page as the very same characters: never read as Markdown or HTML.

tests/hostile_data.plant writes script, HTML and Markdown payloads (emphasis, links, images from another
host, bare URLs, ``$`` math, ``:red[]`` directives, icons, line-start blocks) into every free-text column
of a seeded store, and direction controls into an agency's short name as a loader would. Each page and
view is run with AppTest (the viewer; the intake, audit and users pages signed in), and every string
Streamlit renders as Markdown (markdown, captions, headings, alerts, toasts, expander and tab labels,
metric labels, widget labels, radio options, ``st.table`` cells) is checked two ways:

- nothing of a payload is left in Markdown's reach: with the character references taken out, no
  fragment of a payload remains (no ``](``, ``![``, ``$``, ``:red[``, ``<img``, ``evil.invalid``, ...),
  and the decoded text holds no bare URL or e-mail address that GFM would turn into a link;
- what the reader sees (the character references read back) holds each planted text the page shows,
  the very same characters (direction controls removed).

Plain-text places (selectbox and multiselect options) show the stored text as it is, never escaped.
"""

from __future__ import annotations

import html
import re

import pytest
from apptest_helpers import APP
from hostile_data import BIDI_SHOWN, BIDI_TEXT, MULTILINE, PAYLOADS, PROVINCE, plant
from reliability_helpers import actor
from streamlit.testing.v1 import AppTest

from dashboard import auth, data
from dashboard.safe_text import WORD_JOINER
from qh_data import clock, queries
from qh_data.db import make_engine
from qh_data.queries import meetings as meeting_reads
from qh_data.services import meetings as meeting_service
from qh_data.text import BIDI_CONTROLS

# Fragments only the payloads contain: one left outside a character reference means Markdown or HTML
# could read it.
PAYLOAD_FRAGMENTS = ("<script", "<img", "<svg", "<iframe", "<b>", "<a ", "](", "![", "$", ":red[", ":blue-background[",
                     ":material/home", ":smile:", "evil.invalid", "`mã`", "~~gạch", "**đậm", "_nghiêng_", "\\*thoát",
                     "# Tiêu đề", "- mục", "> trích", "[r]", "javascript:", "\u202e", "\u2067")
CHAR_REF = re.compile(r"&#\d+;")
# What GFM's autolink literal takes in decoded text (mdast-util-gfm-autolink-literal): a URL, www., an e-mail.
AUTOLINK = re.compile(r"(?i)https?://[-.\w]|www\.|[-.\w+]@[-\w]+\.")


@pytest.fixture
def planted_app(sqlite_demo_url, monkeypatch):
    engine = make_engine(sqlite_demo_url)
    planted = plant(engine)
    monkeypatch.setenv("QH_DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("QH_AUTH", "password")
    yield engine, planted
    engine.dispose()


def run(engine, page: str, params: dict | None = None, *, who: str = "viewer", state: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state[auth.ACTOR_KEY] = actor(engine, who)
    at.session_state[auth.LAST_SEEN_KEY] = clock.now()
    for key, value in (params or {}).items():
        at.query_params[key] = str(value)
    at.run()
    at.switch_page(f"../pages/{page}")
    at.run()
    if state:
        for key, value in state.items():
            at.session_state[key] = value
        at.run()
    assert not at.exception, (page, params, [e.value for e in at.exception])
    return at


def markdown_sources(at: AppTest) -> list[str]:
    """Every string the page hands to Streamlit's Markdown renderer."""
    out: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success",
                 "toast"):
        out += [str(e.value) for e in at.get(kind)]
    for kind in ("expander", "tab", "metric", "selectbox", "multiselect", "text_input", "text_area", "radio",
                 "button", "toggle", "checkbox", "date_input", "number_input", "slider", "select_slider"):
        out += [str(getattr(e, "label", "") or "") for e in at.get(kind)]
    for e in at.get("metric"):
        out.append(str(e.value))
    for e in at.get("radio"):
        out += [str(o) for o in e.options]
    for e in at.get("table"):
        frame = e.value
        out += [str(c) for c in frame.columns] + [str(v) for v in frame.to_numpy().ravel()]
    return out


def plain_options(at: AppTest) -> list[str]:
    return [str(o) for kind in ("selectbox", "multiselect") for e in at.get(kind) for o in e.options]


def shown(sources: list[str]) -> str:
    """What a reader sees of those strings (character references read, line breaks as new lines, the
    invisible word joiners that keep bare URLs from turning into links left out)."""
    text = "\n".join(html.unescape(s.replace("<br>", "\n").replace("  \n", "\n")) for s in sources)
    return text.replace(WORD_JOINER, "")


def check(at: AppTest, where: str, expected: list[str]) -> str:
    sources = markdown_sources(at)
    left = [(f, s[:160]) for s in sources for f in PAYLOAD_FRAGMENTS if f in CHAR_REF.sub("\u2400", s)]
    assert left == [], (where, left)
    autolinks = [s[:160] for s in sources if AUTOLINK.search(html.unescape(s))]
    assert autolinks == [], (where, autolinks)  # GFM links bare URLs in the decoded text
    seen = shown(sources)
    missing = [e for e in expected if e not in seen]
    assert missing == [], (where, missing)
    escaped_options = [o for o in plain_options(at) if "XSS&#" in o]
    assert escaped_options == [], (where, escaped_options)  # plain-text places show the text as it is
    live_controls = [o for o in plain_options(at) if BIDI_CONTROLS.search(o)]
    assert live_controls == [], (where, live_controls)  # ... without its direction controls
    return seen


def short_shown(planted) -> str:
    assert BIDI_TEXT in planted.agency_short_name
    return planted.agency_short_name.replace(BIDI_TEXT, BIDI_SHOWN)


def test_the_payloads_cover_every_markdown_trap():
    joined = "\n".join((*PAYLOADS, MULTILINE))
    for trap in ("**", "](", "![", "$$", "$x", ":red[", "http://", "https://", "www.", "<https://", "`", "~~",
                 "\n# ", "\n- ", "\n1. ", "\n> ", "\n    ", "|---|", "@"):
        assert trap in joined, trap


def test_overview_and_progress(planted_app):
    engine, P = planted_app
    at = run(engine, "overview.py", {"a": P.agency_code})
    check(at, "overview agency", [P.agency_name, P.held_title])
    at = run(engine, "overview.py", {"d": P.district_code})
    check(at, "overview district", [P.district_name])
    at = run(engine, "progress.py", {"a": P.agency_code})
    check(at, "progress", [*P.task_titles, *P.conclusions, P.agency_name])


def test_tasks_register_and_detail(planted_app):
    engine, P = planted_app
    for i, code in enumerate(P.task_codes[:len(P.task_titles)]):
        at = run(engine, "tasks.py", {"q": code},
                 state={"task_table": {"selection": {"rows": [0], "columns": [], "cells": []}}})
        check(at, f"task {code}", [P.task_titles[i], P.agency_name])


def test_issues_each_one(planted_app):
    engine, P = planted_app
    decisions = iter(P.decisions)
    for i, issue_id in enumerate(P.issue_ids):
        at = run(engine, "issues.py", {"iss": issue_id, "st": "open,in_progress,awaiting_decision"})
        expected = [P.issue_titles[i], P.issue_descriptions[i], P.proposals[i], P.commune_name]
        if i % 2:
            expected.append(next(decisions))
        check(at, f"issue {i}", expected)
    assert MULTILINE in P.issue_descriptions[2]


def test_meetings_every_view(planted_app):
    engine, P = planted_app
    for who in ("viewer", "dpi"):
        at = run(engine, "meetings.py", {"view": "prepare", "meeting": P.upcoming_meeting_id}, who=who)
        check(at, f"prepare {who}", [P.meeting_title, P.meeting_venue, *P.agenda_titles, short_shown(P)])
        at = run(engine, "meetings.py", {"view": "during", "meeting": P.upcoming_meeting_id}, who=who)
        check(at, f"during {who}", [P.meeting_title, P.agenda_titles[0], P.agenda_notes[0]])
        at = run(engine, "meetings.py", {"view": "during", "meeting": P.upcoming_meeting_id, "step": 2}, who=who)
        check(at, f"during step 2 {who}", [P.agenda_titles[1], P.agenda_notes[1]])
        at = run(engine, "meetings.py", {"view": "past", "meeting": P.held_meeting_id}, who=who)
        check(at, f"past {who}", [P.held_title, *P.conclusions, P.agency_name])
    at = run(engine, "meetings.py", {"view": "during", "meeting": P.held_meeting_id}, who="dpi")
    check(at, "during, held meeting", [P.held_title, *P.conclusions])
    # more than eight invitees: their names go in an expander's caption
    meeting = meeting_reads.get_meeting(engine, P.upcoming_meeting_id)
    others = [a["code"] for a in queries.agencies(engine, PROVINCE) if a["code"] != P.agency_code][:9]
    meeting_service.update_meeting(engine, actor(engine, "dpi"), meeting.id, meeting.version,
                                   invitees=[P.agency_code, *others])
    data.clear_caches()  # the app's data version is cached for a few seconds in this process
    at = run(engine, "meetings.py", {"view": "prepare", "meeting": P.upcoming_meeting_id})
    assert at.expander, "the invitees are listed in an expander"
    check(at, "prepare, ten invitees", [P.meeting_title, short_shown(P)])


def test_slideshow_every_slide(planted_app):
    engine, P = planted_app
    at = run(engine, "slideshow.py", {"slide": 0})
    check(at, "slide 0", [P.held_title])
    for n in (1, 2):
        check(run(engine, "slideshow.py", {"slide": n}), f"slide {n}", [])
    at = run(engine, "slideshow.py", {"slide": 3})
    awaiting = [i for i in range(len(P.issue_titles)) if i % 2 == 0]
    check(at, "slide 3", [P.issue_titles[i] for i in awaiting] + [P.proposals[i] for i in awaiting]
          + [short_shown(P)])


def test_indicators_and_map(planted_app):
    engine, P = planted_app
    for view in ("table", "explain"):
        at = run(engine, "indicators.py", {"view": view, "ind": P.indicator_code})
        check(at, f"indicators {view}", [P.indicator_name] if view == "explain" else [])
    at = run(engine, "indicators.py", {"view": "table", "unit": P.district_code, "asof": "2025-06-30"})  # districts' last day
    check(at, "indicators of a district", [P.district_name])
    at = run(engine, "map.py", {"ind": P.indicator_code})
    check(at, "map", [P.indicator_name])
    assert any(P.commune_name == o for o in plain_options(at))  # today's communes: the name as stored
    at = run(engine, "map.py", {"ind": P.indicator_code, "per": "2024"})
    assert any(P.district_name == o for o in plain_options(at))  # a district period: the district picker
    at = run(engine, "map.py", {"ind": P.indicator_code, "per": "2024", "unit": P.district_code})
    check(at, "map district", [P.indicator_name])


def test_intake_audit_and_users(planted_app):
    engine, P = planted_app
    at = run(engine, "intake.py", who="editor.sxd")
    check(at, "intake", [P.agency_name])
    for page in ("audit.py", "users.py"):
        check(run(engine, page, who="admin"), page, [])
