"""Every page in a real browser, at the projector's and the tablets' sizes (issue 8).

One app server (``app_server``: the real ``streamlit run`` on a copy of the seeded demo SQLite
database) and one chromium per test worker; each test opens a fresh tab. Every request to a host
other than the app is aborted (the meeting room's network may be closed), so a page that needs the
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


# --- helpers -------------------------------------------------------------------------------------


def _watch_responses(qp) -> list[tuple[int, str]]:
    failed: list[tuple[int, str]] = []
    qp.page.on("response", lambda r: failed.append((r.status, r.url)) if r.status >= 400 else None)
    return failed


DRAWN_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main) return false;
  if (main.querySelector('[data-testid="stSkeleton"]')) return false;
  for (const c of main.querySelectorAll('[data-testid="stVegaLiteChart"]'))
    if (!c.querySelector('canvas, svg')) return false;
  for (const d of main.querySelectorAll('[data-testid="stDataFrame"]'))
    if (!d.querySelector('canvas')) return false;
  return true;
}"""

SIGNATURE_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  return main ? main.querySelectorAll('*').length + ':' + main.innerText.length : '';
}"""


def open_settled(qp, path: str, **params):
    """Open a page and wait until charts and tables are drawn and the page stopped changing."""
    qp.open(path, **params)
    return settle(qp)


def settle(qp):
    page = qp.page
    page.wait_for_function(DRAWN_JS, timeout=60_000)
    previous = None
    for _ in range(40):
        sig = page.evaluate(SIGNATURE_JS)
        if sig == previous and page.evaluate(DRAWN_JS):
            break
        previous = sig
        page.wait_for_timeout(250)
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
# A fresh tab (its own browser context, like ``page_at``) per page and size, except that the two
# projector sizes share one: the page opened at 1920x1080 is resized to 1280x720 (a projector's
# resolution changed), which halves the number of page loads. Tablets always load afresh, with touch,
# since the sidebar's initial state depends on the width the page was opened at.


SCROLL_TOP_JS = """() => {
  window.scrollTo(0, 0);
  for (const e of document.querySelectorAll('*')) if (e.scrollTop) e.scrollTop = 0;
}"""


class Tabs:
    def __init__(self, browser, base_url: str):
        self.browser = browser
        self.base_url = base_url
        self.slot: tuple[tuple[str, bool], object] | None = None

    def _new(self, size: str):
        width, height = SIZES[size]
        context = self.browser.new_context(viewport={"width": width, "height": height},
                                           has_touch=size in TABLETS, locale="vi-VN",
                                           timezone_id="Asia/Ho_Chi_Minh", service_workers="block")
        qp = QHPage(context, self.base_url)
        qp.failed_responses = _watch_responses(qp)
        return qp

    def get(self, key: str, size: str, present: bool):
        """A tab showing page ``key`` at ``size``, settled; what it recorded so far is forgotten."""
        want = (key, present)
        if size in PROJECTORS and self.slot and self.slot[0] == want:
            qp = self.slot[1]
            for recorded in (qp.console_errors, qp.page_errors, qp.dialogs, qp.blocked, qp.failed_responses):
                recorded.clear()
            width, height = SIZES[size]
            qp.page.evaluate(SCROLL_TOP_JS)  # back at the top (the map test scrolled down to the map)
            qp.page.set_viewport_size({"width": width, "height": height})
            settle(qp)
            return qp
        self.close()
        qp = self._new(size)
        open_settled(qp, URL_PATH[key], **({"present": "1"} if present else {}))
        if size in PROJECTORS:
            self.slot = (want, qp)
        else:
            self.slot = (("", False), qp)  # closed by the next get()
        return qp

    def close(self) -> None:
        if self.slot:
            self.slot[1].close()
            self.slot = None


@pytest.fixture(scope="module")
def tabs(browser, app_server):
    t = Tabs(browser, app_server.url)
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


def _lang_son_districts(app_server) -> tuple[str, int]:
    from qh_data import clock, queries

    engine = app_server.engine()
    province = next(p for p in queries.provinces(engine) if p["name"].endswith("Lạng Sơn"))
    return province["code"], len(queries.districts(engine, province=province["code"], on=clock.today()))


def assert_map(qp, app_server) -> None:
    """One Leaflet path per district inside the st_folium iframe, Leaflet served by the app, the
    map within the window's width; every request elsewhere was blocked (and none was made)."""
    _province, n_districts = _lang_son_districts(app_server)
    assert n_districts == 11  # Lạng Sơn: Lạng Sơn city and 10 districts
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
