"""Script and HTML payloads in every free-text field reach the chair's screen as literal text.

The real app runs on a seeded store into which tests/hostile_data.plant wrote the payloads (task
titles and notes, issue texts, conclusions, meeting titles and agenda items through the services; an
agency, an indicator and a district name straight into the tables, as an import would). Each page that
shows them is opened in chromium with every non-loopback request blocked. A test fails if

- any dialog (alert, confirm, prompt) opens, or the page throws;
- any payload element exists in the page or in any of its frames (the map's iframe included): an
  ``img[src=x]``, a ``<script>`` whose text is ``alert(1)``, an element with an ``on*`` attribute
  calling ``alert``, a ``javascript:`` URL in ``href``/``src``/``action``, a link to an outside host;
- the planted text is not shown as the very same text (``innerText``) where the page shows it;
- any request tried to leave the app (an image from a host named in the text, a link prefetch).

The same store also carries a held meeting whose title is 5,000 hostile characters: its notice and
pack download and open. And the page is readable by assistive technology: ``<html lang>`` follows the
language switch, and the map's frame lets a tablet zoom (no ``user-scalable=no``).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
import pytest
from hostile_data import MULTILINE, PAYLOADS, PROVINCE, plant
from lxml import etree
from sqlalchemy import select, update

from qh_data.db import read_session, session_scope
from qh_data.models import Conclusion, Meeting

LONG_TITLE = ("Họp dài " + " ".join(PAYLOADS) + " \u202eđảo\u202c ") * 40
LONG_TITLE = LONG_TITLE[:5000]

PAYLOAD_ELEMENTS_JS = r"""() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const name of el.getAttributeNames()) {
      const raw = el.getAttribute(name) || '';
      const v = raw.toLowerCase().replace(/[\s\u0000-\u001f]/g, '');
      if (name.startsWith('on') && v.includes('alert')) bad.push(`${el.tagName}[${name}=${raw}]`);
      if (['href', 'src', 'xlink:href', 'action', 'formaction', 'data', 'srcdoc'].includes(name)) {
        if (v.startsWith('javascript:') || v.includes('alert(1)')) bad.push(`${el.tagName}[${name}=${raw}]`);
        if (/^https?:\/\//.test(v) && !/^https?:\/\/(127\.0\.0\.1|localhost)(:|\/)/.test(v)
            && el.tagName === 'A') bad.push(`${el.tagName}[${name}=${raw}]`);
      }
    }
  }
  for (const img of document.querySelectorAll('img')) {
    if (img.getAttribute('src') === 'x') bad.push('img[src=x]');
  }
  for (const s of document.querySelectorAll('script')) {
    if (s.textContent.trim() === 'alert(1)') bad.push('script alert(1)');
  }
  return bad;
}"""


@pytest.fixture(scope="module")
def hostile(launch_app):
    box = {}

    def prepare(engine):
        box["planted"] = plant(engine)
        with read_session(engine) as s:  # another held meeting with conclusions gets a 5,000-character title
            mid = s.scalar(select(Conclusion.meeting_id).join(Meeting, Meeting.id == Conclusion.meeting_id)
                           .where(Conclusion.meeting_id != box["planted"].held_meeting_id,
                                  Meeting.province_code == PROVINCE, Meeting.status == "held")
                           .order_by(Conclusion.meeting_id.desc()).limit(1))
        with session_scope(engine) as s:
            s.execute(update(Meeting).where(Meeting.id == mid).values(title=LONG_TITLE))
        box["long_meeting"] = mid

    server = launch_app("hostile", prepare=prepare)
    box["planted"].long_meeting_id = box["long_meeting"]
    return server, box["planted"]


def payload_elements(qp) -> list[str]:
    found = []
    for frame in qp.page.frames:
        try:
            found += [f"{frame.url[:60]}: {b}" for b in frame.evaluate(PAYLOAD_ELEMENTS_JS)]
        except Exception as exc:
            if "detached" not in str(exc).lower() and "destroyed" not in str(exc).lower():
                raise
    return found


def assert_safe(qp, where: str) -> None:
    qp.page.wait_for_timeout(300)  # onerror / onload handlers fire asynchronously
    assert qp.dialogs == [], (where, qp.dialogs)
    assert qp.page_errors == [], (where, qp.page_errors)
    assert payload_elements(qp) == [], where
    assert qp.exceptions() == [], (where, qp.exceptions())


def assert_literal(text: str, expected: list[str], where: str) -> None:
    text = text.replace("\u2060", "")  # the invisible word joiners that keep bare URLs from becoming links
    missing = [e for e in expected if e not in text]
    assert missing == [], (where, missing)


# (case id, url path, params of the planted store, texts that must show literally)
CASES = [
    ("overview", "", lambda P: {"a": P.agency_code}, lambda P: [P.agency_name, P.held_title]),
    ("progress", "progress", lambda P: {"a": P.agency_code}, lambda P: [*P.task_titles, *P.conclusions]),
    ("issues-0", "issues", lambda P: {"iss": P.issue_ids[0]},
     lambda P: [P.issue_titles[0], P.issue_descriptions[0], P.proposals[0]]),
    ("issues-1", "issues", lambda P: {"iss": P.issue_ids[1]},
     lambda P: [P.issue_titles[1], P.issue_descriptions[1], P.proposals[1], P.decisions[0]]),
    ("issues-2", "issues", lambda P: {"iss": P.issue_ids[2]}, lambda P: [P.issue_titles[2], P.proposals[2]]),
    ("issues-3", "issues", lambda P: {"iss": P.issue_ids[3]},
     lambda P: [P.issue_titles[3], P.issue_descriptions[3], P.decisions[1]]),
    ("issues-4", "issues", lambda P: {"iss": P.issue_ids[4]}, lambda P: [P.issue_titles[4], P.proposals[4]]),
    ("issues-5", "issues", lambda P: {"iss": P.issue_ids[5]}, lambda P: [P.issue_titles[5], P.decisions[2]]),
    ("issues-6", "issues", lambda P: {"iss": P.issue_ids[6]},
     lambda P: [P.issue_titles[6], P.issue_descriptions[6], P.proposals[6]]),
    ("issues-7", "issues", lambda P: {"iss": P.issue_ids[7]}, lambda P: [P.issue_titles[7], P.decisions[3]]),
    ("meetings-prepare", "meetings", lambda P: {"view": "prepare", "meeting": P.upcoming_meeting_id},
     lambda P: [P.meeting_title, P.meeting_venue, *P.agenda_titles]),
    ("meetings-during", "meetings", lambda P: {"view": "during", "meeting": P.upcoming_meeting_id},
     lambda P: [P.agenda_titles[0], P.agenda_notes[0]]),
    ("meetings-during-2", "meetings", lambda P: {"view": "during", "meeting": P.upcoming_meeting_id, "step": 2},
     lambda P: [P.agenda_titles[1], *[line.strip() for line in MULTILINE.splitlines() if line.strip()]]),
    ("meetings-past", "meetings", lambda P: {"view": "past", "meeting": P.held_meeting_id},
     lambda P: [P.held_title, *P.conclusions]),
    ("slideshow-overview", "slideshow", lambda P: {"slide": 0}, lambda P: [P.held_title]),
    ("slideshow-issues", "slideshow", lambda P: {"slide": 3},
     lambda P: [t for i, t in enumerate(P.issue_titles) if i % 2 == 0]
     + [t for i, t in enumerate(P.proposals) if i % 2 == 0]),
    ("indicators", "indicators", lambda P: {"view": "explain", "ind": P.indicator_code},
     lambda P: [P.indicator_name]),
    ("map", "map", lambda P: {"ind": P.indicator_code}, lambda P: [P.indicator_name]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_payloads_show_as_literal_text(page_at, hostile, case):
    server, planted = hostile
    name, path, params, expected = case
    qp = page_at("projector_1080", server.url)
    qp.open(path, **params(planted))
    assert_safe(qp, name)
    assert_literal(qp.body_text(), expected(planted), name)
    assert qp.blocked == [], qp.blocked  # nothing tried to reach another host
    qp.screenshot(f"hostile-{name}")


def test_a_hostile_task_opened_in_the_register(page_at, hostile):
    """The register's table is a canvas; a click on the row opens the task's detail (HTML)."""
    server, planted = hostile
    code = planted.task_codes[3]  # its title is a markdown link to javascript:
    qp = page_at("projector_1080", server.url)
    qp.open("tasks", q=code)
    grid = qp.page.locator('[data-testid="stDataFrame"]').first
    box = grid.bounding_box()
    qp.page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the first row's selection box
    qp.wait_idle()
    assert_safe(qp, "tasks")
    title = planted.task_titles[3]
    assert_literal(qp.body_text(), [f"{code} · {title}"], "tasks detail")
    qp.screenshot("hostile-tasks-detail")


def test_a_hostile_task_expanded_on_the_progress_page(page_at, hostile):
    server, planted = hostile
    qp = page_at("projector_1080", server.url)
    qp.open("progress", a=planted.agency_code)
    for i in range(len(planted.task_titles)):
        summary = qp.page.locator('[data-testid="stExpander"] summary', has_text=f"XSS-{10 + i} ").first
        summary.click()
        qp.wait_idle()
    assert_safe(qp, "progress expanded")
    # each detail names the lead agency, whose imported name carries a payload
    assert qp.body_text().replace("\u2060", "").count(planted.agency_name) >= 1 + len(planted.task_titles)
    qp.screenshot("hostile-progress-expanded")


def test_map_tooltips_and_labels_show_names_literally(page_at, hostile):
    server, planted = hostile
    qp = page_at("projector_1080", server.url)
    qp.open("map", ind=planted.indicator_code, labels="1", per="2024")  # a district period (to 30/6/2025)
    frame = None
    for _ in range(60):
        frame = next((f for f in qp.page.frames if f.query_selector("path.leaflet-interactive")), None)
        if frame is not None:
            break
        qp.page.wait_for_timeout(500)
    assert frame is not None, "the map draws its districts"
    tooltips = []
    for path in frame.query_selector_all("path.leaflet-interactive"):
        path.hover(force=True)
        frame.wait_for_timeout(150)
        tooltips += [t.inner_text() for t in frame.query_selector_all(".leaflet-tooltip")]
    assert_safe(qp, "map")
    shown = "\n".join(tooltips) + "\n" + frame.inner_text("body")
    assert planted.district_name in shown, "the hostile district's name shows literally in its tooltip or label"
    qp.screenshot("hostile-map")



def _download(qp, label: str) -> bytes:
    with qp.page.expect_download(timeout=90_000) as info:
        qp.page.locator('[data-testid="stDownloadButton"] button', has_text=label).first.click()
    data = Path(info.value.path()).read_bytes()
    qp.wait_idle()
    return data


def _valid_docx(data: bytes):
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(zf.read(name))  # every part is well-formed XML
    document = docx.Document(io.BytesIO(data))
    assert len(document.core_properties.title) <= 255
    return document


def test_a_meeting_with_a_5000_character_title_downloads_its_documents(page_at, hostile):
    server, planted = hostile
    qp = page_at("projector_1080", server.url)
    qp.open("meetings", view="past", meeting=planted.long_meeting_id)
    notice = _valid_docx(_download(qp, "Thông báo kết luận"))
    assert notice.core_properties.title.startswith("Thông báo kết luận — Họp dài <script>alert(1)</script>")
    assert notice.core_properties.title.endswith("…")
    pack = _valid_docx(_download(qp, "Tài liệu phục vụ cuộc họp"))
    assert "Ban Chỉ đạo" in "\n".join(p.text for p in pack.paragraphs)
    assert qp.errors() == [] and qp.exceptions() == [], (qp.errors(), qp.exceptions())
    assert_safe(qp, "long title")
    assert qp.blocked == []


def test_the_page_language_follows_the_switch(page_at, hostile):
    server, _planted = hostile
    qp = page_at("projector_1080", server.url)
    qp.open("progress")
    assert qp.page.evaluate("() => document.documentElement.lang") == "vi"
    qp.page.locator('[data-testid="stSidebar"] [data-testid="stButtonGroup"] button', has_text="English").click()
    qp.wait_idle()
    qp.page.wait_for_function("() => document.documentElement.lang === 'en'", timeout=10_000)
    qp.page.locator('[data-testid="stSidebar"] [data-testid="stButtonGroup"] button', has_text="Tiếng Việt").click()
    qp.wait_idle()
    qp.page.wait_for_function("() => document.documentElement.lang === 'vi'", timeout=10_000)
    qp.open("map", lang="en")
    qp.page.wait_for_function("() => document.documentElement.lang === 'en'", timeout=10_000)
    assert qp.page_errors == [] and qp.exceptions() == []


VIEWPORTS_JS = "() => [...document.querySelectorAll('meta[name=viewport]')].map(m => m.content)"


def test_the_map_frame_lets_a_tablet_zoom(page_at, hostile):
    server, planted = hostile
    qp = page_at("tablet_portrait", server.url)
    qp.open("map", ind=planted.indicator_code)
    frame = None
    for _ in range(60):
        frame = next((f for f in qp.page.frames if f.query_selector("path.leaflet-interactive")), None)
        if frame is not None:
            break
        qp.page.wait_for_timeout(500)
    assert frame is not None, "the map draws its districts"
    contents = [c for f in qp.page.frames for c in f.evaluate(VIEWPORTS_JS)]
    assert contents, "the pages declare a viewport"
    blocking = [c for c in contents if re.search(r"user-scalable\s*=\s*(no|0)|maximum-scale\s*=\s*1(\.0)?\b", c)]
    assert blocking == [], blocking


# --- axe-core (WCAG 2.1 A and AA) on every page, the map's frame included --------------------------------
AXE = Path(__file__).resolve().parents[2] / "test-artifacts" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# Streamlit's own markup, outside what the app writes: its page navigation puts <li> in a <div> inside the
# <ul> ("list", "listitem"; Streamlit 1.67's SidebarNav).
STREAMLIT_OWN = '[data-testid="stSidebarNav"], [data-testid="stSidebarNavItems"]'
AXE_RUN = """async (own) => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
  const found = [];
  for (const v of r.violations) for (const n of v.nodes) {
    const el = n.target.length === 1 ? document.querySelector(n.target[0]) : null;
    if (el && el.closest(own)) continue;
    found.push(`${v.id}: ${n.target.join(' ')} ${n.html.slice(0, 120)}`);
  }
  return found;
}"""
AXE_PAGES = [("", {}), ("progress", {}), ("tasks", {}), ("issues", {}), ("meetings", {"view": "prepare"}),
             ("meetings", {"view": "during"}), ("meetings", {"view": "past"}), ("slideshow", {}),
             ("slideshow", {"slide": 3}), ("map", {}), ("indicators", {}), ("indicators", {"view": "explain"})]


def axe_violations(qp) -> list[str]:
    assert AXE.exists(), f"{AXE} missing: `make browser` (.ci/ensure-axe) installs axe-core from npm"
    found = []
    for frame in qp.page.frames:
        if frame.is_detached() or frame.url in ("", "about:blank"):
            continue
        frame.add_script_tag(path=str(AXE))
        found += [f"{frame.url[:50]}: {v}" for v in frame.evaluate(AXE_RUN, STREAMLIT_OWN)]
    return found


TABLET_AXE_PAGES = [("", {}), ("map", {}), ("meetings", {"view": "past"})]
# one test per page (and size): the workers share the run instead of one worker taking 25 s for it
AXE_CASES = ([("projector_1080", page) for page in AXE_PAGES]
             + [("tablet_portrait", page) for page in TABLET_AXE_PAGES])


@pytest.mark.parametrize(("size", "page"), AXE_CASES,
                         ids=[f"{size}-{path or 'overview'}-{'-'.join(map(str, params.values())) or 'default'}"
                              for size, (path, params) in AXE_CASES])
def test_axe_finds_no_violation_in_the_apps_markup(page_at, hostile, size, page):
    server, _planted = hostile
    qp = page_at(size, server.url)
    found = []
    for path, params in [page]:
        qp.open(path, **params)
        if path == "map":  # the map's frame draws after the page
            qp.page.wait_for_selector("iframe", timeout=30_000)
            qp.page.wait_for_timeout(1500)
        found += [f"{path or 'overview'} {params}: {v}" for v in axe_violations(qp)]
    assert found == [], "\n".join(found)
    assert qp.blocked == []
