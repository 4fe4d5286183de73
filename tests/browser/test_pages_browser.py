"""Every page in a real browser, at the projector's and the tablets' sizes (issue 8).

One app server (``app_server``: the real ``streamlit run`` on a copy of the seeded demo SQLite
database) and one chromium per test worker; each page is opened once per kind of screen (projector,
tablet) and resized between the two sizes of that kind (see "the tabs" below). Every request to a
host other than the app fails (the meeting room's network may be closed), so a page that needs the
internet fails here.

For every page the default viewer sees, at 1920x1080, 1280x720, 1024x768 and 768x1024:
the page loads with no exception and no error shown, nothing in the browser console, no request
leaving the machine; the page does not scroll sideways; the title and the page's key figures are
on the screen and not cut off; on the tablets every button, select, tab and menu link is at least
44 px high. In presentation mode (``?present=1``) at both projector sizes: no sidebar, no header
bar, the filters written on the screen, body text at least 22 px at 1920x1080. The map page draws
one Leaflet path per district inside the st_folium iframe.

Screenshots land in ``test-artifacts/screenshots/<page>-<w>x<h>[-present].png``.
"""

from __future__ import annotations

import ast
import re
import urllib.parse

import pytest

from .conftest import ROOT, SIZES, QHPage

pytestmark = pytest.mark.browser

# --- which pages ---------------------------------------------------------------------------------


def _app_pages() -> list[tuple[str, str]]:
    """(nav key, url path) of dashboard/app.py's PAGES whose file exists and the kiosk viewer may open.

    Read from the source (importing the entrypoint would run the app)."""
    from dashboard import auth
    from qh_data.permissions import KIOSK

    tree = ast.parse((ROOT / "dashboard" / "app.py").read_text(encoding="utf-8"))
    entries = next(ast.literal_eval(node.value) for node in tree.body
                   if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PAGES")
    visible = auth.visible_pages(KIOSK)
    return [(key, "" if default else key) for file, key, _icon, _section, default in entries
            if (ROOT / "pages" / file).exists() and key in visible]


PAGES = _app_pages()
PAGE_KEYS = [key for key, _ in PAGES]
URL_PATH = dict(PAGES)

# What a person must find on the first screen of each page (CSS selector, at least how many).
KEY_FIGURES: dict[str, tuple[str, int]] = {
    "overview": (".qh-figure", 10),
    "progress": ('[data-testid="stDataFrame"]', 1),
    "tasks": ('[data-testid="stDataFrame"]', 1),
    "issues": (".qh-figure", 3),
    "meetings": ("h2, h3", 1),
    "slideshow": (".qh-figure", 5),
    "map": (".qh-figure", 1),
    "indicators": (".qh-figure", 1),
}
TABLETS = ("tablet_landscape", "tablet_portrait")
PROJECTORS = ("projector_1080", "projector_720")
MIN_TOUCH_PX = 44
MIN_PRESENT_TEXT_PX = 22

# Streamlit's frontend asks <page>/_stcore/health and <page>/_stcore/host-config first when a page
# is opened by its own URL, and falls back to the root (streamlit/streamlit#7074, open): two 404s
# that are the framework's, not the app's. Only those exact requests are excused.
STREAMLIT_PROBE = re.compile(r"^/[a-z_]+/_stcore/(health|host-config)$")


def test_every_page_of_the_app_is_covered():
    """A page added to dashboard/app.py must say here what its key figures are."""
    assert PAGE_KEYS, "no page found in dashboard/app.py"
    assert {"overview", "progress", "map"} <= set(PAGE_KEYS)
    missing = [k for k in PAGE_KEYS if k not in KEY_FIGURES]
    assert missing == [], f"pages without key figures in KEY_FIGURES: {missing}"


def test_a_request_to_another_host_fails_and_is_recorded(page_at, app_server):
    """What the pages below rely on when they find no request leaving the machine: the browser's
    requests to other hosts (by name or by address, from the page or from a frame) fail, and the tab
    records them; loopback still answers."""
    qp = page_at("projector_1080")
    qp.page.goto(app_server.page_url("_stcore/health"))
    outcome = qp.page.evaluate("""async () => {
      const f = document.createElement('iframe');
      f.src = 'http://example.org/frame';
      document.body.appendChild(f);
      const out = [];
      for (const url of ['https://example.org/x.js', 'http://93.184.215.14/tile.png', '/_stcore/health']) {
        try { const r = await fetch(url); out.push(r.status); } catch (e) { out.push('failed'); }
      }
      return out;
    }""")
    assert outcome == ["failed", "failed", 200]
    qp.page.wait_for_timeout(200)  # the frame's request is reported asynchronously
    assert {"https://example.org/x.js", "http://93.184.215.14/tile.png", "http://example.org/frame"} <= set(qp.blocked)
    assert not [u for u in qp.blocked if "127.0.0.1" in u]


# --- helpers -------------------------------------------------------------------------------------


def _watch_responses(qp) -> list[tuple[int, str]]:
    failed: list[tuple[int, str]] = []
    qp.page.on("response", lambda r: failed.append((r.status, r.url)) if r.status >= 400 else None)
    return failed


# Drawn: no skeleton, every chart has its canvas or svg, every table its canvas; settled: the main
# area's element count and text length stayed the same for ``settleMs``. Polled in the page.
SETTLED_JS = """([settleMs]) => {
  const main = document.querySelector('[data-testid="stMain"]');
  const w = window.__qhSettled || (window.__qhSettled = {sig: null, since: 0});
  let drawn = !!main && !main.querySelector('[data-testid="stSkeleton"]');
  if (drawn) for (const c of main.querySelectorAll('[data-testid="stVegaLiteChart"]'))
    if (!c.querySelector('canvas, svg')) { drawn = false; break; }
  if (drawn) for (const d of main.querySelectorAll('[data-testid="stDataFrame"]'))
    if (!d.querySelector('canvas')) { drawn = false; break; }
  if (!drawn) { w.sig = null; return false; }
  const sig = main.querySelectorAll('*').length + ':' + main.innerText.length;
  const now = performance.now();
  if (sig !== w.sig) { w.sig = sig; w.since = now; return false; }
  return now - w.since >= settleMs;
}"""


def open_settled(qp, path: str, **params):
    """Open a page and wait until charts and tables are drawn and the page stopped changing."""
    qp.open(path, **params)
    return settle(qp)


def settle(qp, settle_ms: int = 250):
    qp.page.evaluate("() => { window.__qhSettled = null; }")
    qp.page.wait_for_function(SETTLED_JS, arg=[settle_ms], polling=50, timeout=60_000)
    return qp


def assert_loaded_cleanly(qp, failed_responses: list[tuple[int, str]]) -> None:
    assert qp.exceptions() == [], f"exception shown: {qp.exceptions()}"
    assert qp.errors() == [], f"error shown: {qp.errors()}"
    assert qp.page_errors == [], f"uncaught errors in the page: {qp.page_errors}"
    assert qp.dialogs == [], f"dialogs: {qp.dialogs}"
    assert qp.blocked == [], f"requests leaving the machine (blocked): {qp.blocked}"
    base = urllib.parse.urlparse(qp.base_url)
    excused = [u for s, u in failed_responses
               if s == 404 and urllib.parse.urlparse(u).netloc == base.netloc
               and STREAMLIT_PROBE.match(urllib.parse.urlparse(u).path)]
    others = [(s, u) for s, u in failed_responses if u not in excused]
    assert others == [], f"failed requests: {others}"
    console = list(qp.console_errors)
    for _ in excused:  # each excused request logs one "Failed to load resource ... 404" line
        line = next((c for c in console if c.startswith("Failed to load resource") and "404" in c), None)
        if line is not None:
            console.remove(line)
    assert console == [], f"browser console errors: {console}"


LAYOUT_JS = """([figSel]) => {
  const vis = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const h1 = [...document.querySelectorAll('[data-testid="stMain"] h1')].filter(vis)[0];
  const box = e => { const r = e.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
  const figs = [...document.querySelectorAll('[data-testid="stMain"] ' + figSel.split(',').join(', [data-testid="stMain"] '))]
    .filter(vis);
  const clipped = [...document.querySelectorAll('.qh-figure, .qh-figure-value, .qh-filters, [data-testid="stMain"] h1')]
    .filter(vis).filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.className || e.tagName);
  const header = document.querySelector('[data-testid="stHeader"]');
  return {
    headerBottom: header && vis(header) ? header.getBoundingClientRect().bottom : 0,
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
    innerHeight: window.innerHeight,
    h1: h1 ? {text: h1.innerText, ...box(h1), clipped: h1.scrollWidth > h1.clientWidth + 1} : null,
    figures: figs.map(box), clipped,
  };
}"""


def assert_layout(qp, key: str) -> None:
    sel, at_least = KEY_FIGURES[key]
    info = qp.page.evaluate(LAYOUT_JS, [sel])
    assert info["scrollWidth"] <= info["innerWidth"], (
        f"the page scrolls sideways: scrollWidth {info['scrollWidth']} > {info['innerWidth']}")
    h1 = info["h1"]
    assert h1 is not None and h1["text"].strip(), "no visible main title (h1)"
    assert 0 <= h1["left"] and h1["right"] <= info["innerWidth"] + 1, f"title outside the window: {h1}"
    assert h1["top"] < info["innerHeight"], f"title below the first screen: {h1}"
    assert h1["top"] >= info["headerBottom"] - 1, f"title under the header bar (bottom {info['headerBottom']}): {h1}"
    assert not h1["clipped"], f"title cut off: {h1['text']!r}"
    figs = info["figures"]
    assert len(figs) >= at_least, f"{key}: {len(figs)} visible {sel!r}, expected at least {at_least}"
    assert figs[0]["top"] < info["innerHeight"], f"{key}: the first {sel!r} is below the first screen"
    outside = [f for f in figs if f["left"] < -1 or f["right"] > info["innerWidth"] + 1]
    assert outside == [], f"{key}: key figures outside the window: {outside}"
    assert info["clipped"] == [], f"text cut off in: {info['clipped']}"


TOUCH_JS = """([minPx]) => {
  const vis = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    if (r.width <= 0 || r.height <= 0 || s.visibility === 'hidden' || s.display === 'none') return false;
    for (let p = e; p; p = p.parentElement) if (getComputedStyle(p).opacity === '0') return false;
    return true; };
  const targets = new Set();
  const sel = ['button', '[role="tab"]', 'summary', '.react-aria-ComboBox > [role="group"]',
               '[data-testid="stSidebarNavLink"]', '[data-testid="stDateInputField"]',
               '[data-testid="stTextInputRootElement"]', '[data-testid="stNumberInputContainer"]',
               '[data-testid="stTextAreaRootElement"]', '[data-testid="stRadioOption"]',
               '[data-testid="stCheckbox"] label'].join(', ');
  for (const e of document.querySelectorAll(sel)) {
    if (!vis(e)) continue;
    // a button inside a select or an input (the arrow, the clear cross, +/-) is part of a larger target
    if (e.tagName === 'BUTTON' && e.parentElement.closest('.react-aria-ComboBox, [data-testid="stDateInputField"], [data-testid="stTextInputRootElement"], [data-testid="stNumberInputContainer"]')) continue;
    // the element toolbar of tables and charts shows on hover, not on touch
    if (e.closest('[data-testid="stElementToolbar"]')) continue;
    targets.add(e);
  }
  const small = [];
  for (const e of targets) {
    const h = e.getBoundingClientRect().height;
    if (h < minPx - 0.5) small.push(`${e.getAttribute('data-testid') || e.tagName.toLowerCase()} ` +
      `"${(e.innerText || e.getAttribute('aria-label') || '').trim().slice(0, 40).replace(/\\s+/g, ' ')}" ${h.toFixed(0)}px`);
  }
  return {count: targets.size, small};
}"""


def assert_touch_targets(qp) -> None:
    info = qp.page.evaluate(TOUCH_JS, [MIN_TOUCH_PX])
    assert info["count"] > 0
    assert info["small"] == [], f"touch targets under {MIN_TOUCH_PX} px: {info['small']}"


def shot_name(key: str, size: str, suffix: str = "") -> str:
    w, h = SIZES[size]
    return f"{key}-{w}x{h}{suffix}"


# --- the tabs ---------------------------------------------------------------------------------------
#
# A page is loaded once per kind of screen and then resized, as a projector's or a tablet's
# resolution changes: opened at 1920x1080 and resized to 1280x720 (no touch), opened at 1024x768 and
# turned to 768x1024 (touch). Streamlit lays the page out again on a resize without running the
# script; narrowing to its mobile width (768 px) collapses the sidebar exactly as opening the page at
# that width does (``test_turning_a_tablet_lays_out_as_opening_the_page_upright`` holds it to that).
# The tests of one page follow each other, so each keeps the tab of the one before; a test that runs
# alone (another worker took its neighbour) opens its page afresh at its own size.


SCROLL_TOP_JS = """() => {
  window.scrollTo(0, 0);
  for (const e of document.querySelectorAll('*')) if (e.scrollTop) e.scrollTop = 0;
}"""


class Tabs:
    def __init__(self, browser_context, tab_pool, base_url: str):
        self.browser_context = browser_context
        self.tab_pool = tab_pool
        self.base_url = base_url
        self.slot: tuple[tuple[str, bool, bool], str, QHPage] | None = None  # (page, present, touch), size, tab

    def _new(self, size: str) -> QHPage:
        touch = size in TABLETS
        qp = QHPage(self.browser_context(touch), self.base_url, SIZES[size], pool=self.tab_pool, touch=touch)
        qp.failed_responses = _watch_responses(qp)
        return qp

    def get(self, key: str, size: str, present: bool) -> QHPage:
        """A tab showing page ``key`` at ``size``, settled; what it recorded so far is forgotten."""
        want = (key, present, size in TABLETS)
        if self.slot and self.slot[0] == want and list(SIZES).index(self.slot[1]) < list(SIZES).index(size):
            qp = self.slot[2]
            for recorded in (qp.console_errors, qp.page_errors, qp.dialogs, qp.blocked, qp.failed_responses):
                recorded.clear()
            width, height = SIZES[size]
            qp.page.evaluate(SCROLL_TOP_JS)  # back at the top (the map test scrolled down to the map)
            qp.page.set_viewport_size({"width": width, "height": height})
            settle(qp)
        else:
            self.close()
            qp = self._new(size)
            open_settled(qp, URL_PATH[key], **({"present": "1"} if present else {}))
        self.slot = (want, size, qp)
        return qp

    def close(self) -> None:
        if self.slot:
            self.slot[2].close()
            self.slot = None


@pytest.fixture(scope="module")
def tabs(browser_context, tab_pool, app_server):
    t = Tabs(browser_context, tab_pool, app_server.url)
    yield t
    t.close()


# --- every page at every size ----------------------------------------------------------------------


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("key", PAGE_KEYS)
def test_page_at_size(tabs, app_server, key, size):
    qp = tabs.get(key, size, present=False)
    qp.screenshot(shot_name(key, size), full_page=False)
    assert_loaded_cleanly(qp, qp.failed_responses)
    assert_layout(qp, key)
    if size in TABLETS:
        assert_touch_targets(qp)
    if key == "map":
        assert_map(qp, app_server)
        qp.screenshot(shot_name(key, size, "-map"), full_page=False)  # scrolled to the map


# --- presentation mode -------------------------------------------------------------------------------

PRESENT_JS = """() => {
  const vis = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const main = document.querySelector('[data-testid="stMain"]');
  const text = [...main.querySelectorAll('[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li, [data-testid="stCaptionContainer"], [data-testid="stTable"] td, [data-testid="stTable"] th')]
    .filter(vis).filter(e => e.innerText.trim())
    .map(e => ({text: e.innerText.trim().slice(0, 50), px: parseFloat(getComputedStyle(e).fontSize)}));
  const filters = [...main.querySelectorAll('.qh-filters')].filter(vis).map(e => e.innerText);
  const sidebar = [...document.querySelectorAll('[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"]')].filter(vis).length;
  const header = [...document.querySelectorAll('[data-testid="stHeader"], [data-testid="stToolbar"]')].filter(vis).length;
  return {text, filters, sidebar, header};
}"""


@pytest.mark.parametrize("size", PROJECTORS)
@pytest.mark.parametrize("key", PAGE_KEYS)
def test_page_presented(tabs, app_server, key, size):
    qp = tabs.get(key, size, present=True)
    qp.screenshot(shot_name(key, size, "-present"), full_page=False)
    assert_loaded_cleanly(qp, qp.failed_responses)
    assert_layout(qp, key)
    info = qp.page.evaluate(PRESENT_JS)
    assert info["sidebar"] == 0, "presentation mode shows the sidebar"
    assert info["header"] == 0, "presentation mode shows the header bar"
    assert info["filters"] and all(f.strip() for f in info["filters"]), "the filters are not written on the screen"
    assert info["text"], "no body text found to measure"
    if size == "projector_1080":
        small = [t for t in info["text"] if t["px"] < MIN_PRESENT_TEXT_PX]
        assert small == [], f"body text under {MIN_PRESENT_TEXT_PX} px on the projector: {small[:8]}"
    if key == "map":
        assert_map(qp, app_server)


# --- the map ------------------------------------------------------------------------------------------

PATHS_JS = """() => {
  const pane = document.querySelector('.leaflet-overlay-pane');
  return pane ? pane.querySelectorAll('path.leaflet-interactive').length : -1;
}"""


def _lang_son_units(app_server) -> tuple[str, int]:
    from qh_data import clock, queries

    engine = app_server.engine()
    province = next(p for p in queries.provinces(engine) if p["name"].endswith("Lạng Sơn"))
    return province["code"], len(queries.units.units_of(engine, province["code"], clock.today()))


def assert_map(qp, app_server) -> None:
    """One Leaflet path per unit in force today inside the st_folium iframe, Leaflet served by the app,
    the map within the window's width; every request elsewhere was blocked (and none was made)."""
    _province, n_districts = _lang_son_units(app_server)
    assert n_districts == 65  # Lạng Sơn since 1/7/2025: its 65 communes (the map opens on them)
    shown = qp.page.evaluate("() => document.querySelector('.qh-filters')?.innerText || ''")
    assert "Lạng Sơn" in shown, f"the map is not of Lạng Sơn (the demo's default province): {shown!r}"
    frame_el = qp.page.wait_for_selector('[data-testid="stMain"] iframe[title*="folium"]', state="attached")
    frame_el.scroll_into_view_if_needed()
    frame = frame_el.content_frame()
    assert frame is not None, "the st_folium iframe has no document"
    frame.wait_for_function("() => !!document.querySelector('.leaflet-overlay-pane path')", timeout=60_000)
    assert frame.evaluate(PATHS_JS) == n_districts
    assert frame.evaluate("() => typeof window.L === 'object' && !!L.version"), "Leaflet did not load"
    box = frame_el.bounding_box()
    viewport = qp.page.viewport_size
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 1, f"the map leaves the window: {box}"
    assert box["height"] <= viewport["height"], f"the map is taller than the screen: {box}"
    assert qp.blocked == [], f"the map asked for other hosts: {qp.blocked}"


# --- the resize stands for a fresh load ----------------------------------------------------------------

GEOMETRY_JS = """([figSel]) => {
  const r = e => { if (!e) return null; const b = e.getBoundingClientRect();
    return [Math.round(b.left), Math.round(b.top), Math.round(b.width), Math.round(b.height)]; };
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  return {
    sidebar: sidebar ? [sidebar.getAttribute('data-collapsed'), r(sidebar)] : null,
    main: r(main),
    h1: r(document.querySelector('[data-testid="stMain"] h1')),
    figures: [...document.querySelectorAll('[data-testid="stMain"] ' + figSel)].map(r),
  };
}"""


def test_turning_a_tablet_lays_out_as_opening_the_page_upright(browser_context, tab_pool, app_server):
    """The tablet tests open a page at 1024x768 and turn it to 768x1024: the sidebar, the main area,
    the title and the key figures land where they land when the page is opened at 768x1024 (Streamlit's
    frontend, the same for every page: checked on all eight when this was written, kept on one)."""
    key = "overview"
    turned = Tabs(browser_context, tab_pool, app_server.url)
    fresh = Tabs(browser_context, tab_pool, app_server.url)
    try:
        turned.get(key, "tablet_landscape", present=False)
        by_turning = turned.get(key, "tablet_portrait", present=False)
        by_opening = fresh.get(key, "tablet_portrait", present=False)
        assert by_opening is not by_turning
        sel = KEY_FIGURES[key][0]
        seen = by_turning.page.evaluate(GEOMETRY_JS, [sel])
        assert seen["sidebar"][0] == "true", "turned upright, the sidebar is collapsed"
        assert seen == by_opening.page.evaluate(GEOMETRY_JS, [sel])
    finally:
        turned.close()
        fresh.close()
