"""The real app in a real browser: a Streamlit server per test session and Debian's chromium.

Every test here is marked ``browser`` (``-m browser`` / ``-m "not browser"``). Under xdist (``make test``
runs ``-n 2 --dist worksteal``) they run on whichever workers take them, each worker with its own app
server, database copy and chromium. worksteal hands each worker a contiguous run of tests and moves
runs from a busy worker to an idle one, so neighbours (a page's two projector sizes sharing one tab, a
module's tests sharing its server) mostly stay together. (``xdist_group`` marks are not used: with
pytest 9 and pytest-xdist 3.8, ``--dist loadgroup`` ignores them.)

Fixtures and helpers (use them from any ``tests/browser/test_*.py``)
--------------------------------------------------------------------
``app_server`` (session)
    An ``AppServer``: ``.venv/bin/streamlit run dashboard/app.py --server.port <free port>
    --server.headless true`` with ``QH_DATABASE_URL`` on a temporary copy of the session's migrated and
    seeded SQLite demo (``qh_data.schema.upgrade`` + ``qh_data.demo.seed``, made once per worker by
    ``_templates`` in tests/conftest.py), ``QH_AUTH=none``. Started once per worker, ready when
    ``/_stcore/health`` answers, stopped at the end of the session.
    Attributes: ``url`` (``http://127.0.0.1:<port>``), ``db_url``, ``port``, ``log_path``;
    ``page_url(path="", **params)`` (``path`` is a page's url_path: "", "progress", "tasks",
    "issues", "meetings", "slideshow", "map", "indicators", ...); ``engine()`` (a SQLAlchemy engine on
    the same database, for reading the figures a page should show); ``log_text()``; ``rss_kb()``.
``launch_app`` (session)
    ``launch_app(name, prepare=None, env=None) -> AppServer``: another server on a database of its own,
    seeded, then passed to ``prepare(engine)`` before the app starts (plant data, break things);
    ``env`` adds environment variables. Servers started this way stop at the end of the session.
``browser`` (session)
    A playwright ``Browser``: chromium from ``/usr/bin/chromium`` (``QH_CHROMIUM`` overrides) with
    ``--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
    --disable-component-update --disable-sync``. ``playwright install`` is never needed. Its proxy is
    a loopback port bound and never listened on, which every host but loopback (127.0.0.1, localhost,
    ::1) goes through: a request to another host fails in the browser itself, whatever frame, worker
    or element makes it (no request interception, which would turn off the HTTP cache and send every
    request through Python).
``browser_context`` (session)
    ``browser_context(touch: bool)``: the worker's browser context without or with touch (locale
    vi-VN, Asia/Ho_Chi_Minh, service workers blocked), shared by the tabs of the tests so the app's
    static files (immutable, cached) are loaded once. The app keeps its state in the URL and the
    server's session, not in cookies or storage, so tabs do not see each other's state; a test that
    signs in asks ``page_at`` for a context of its own.
``tab_pool`` (session)
    A ``TabPool``: the tab of each kind of screen kept from test to test (a renderer that has
    compiled the app's scripts), handed over blank with its session storage emptied.
``page_at`` (function)
    ``page_at(size, base_url=None, own_context=False) -> QHPage``. ``size`` is a key of ``SIZES``
    ("projector_1080", "projector_720", "tablet_landscape", "tablet_portrait") or a ``(width, height)``
    tuple. A tab with that viewport (touch enabled for the tablet sizes): the pool's, blank, in the
    shared context, or, with ``own_context=True``, a new one in a fresh context. The ``QHPage`` records ``.console_errors`` (console
    messages of type error), ``.page_errors`` (uncaught exceptions), ``.dialogs`` (alert/confirm/prompt
    texts; each dismissed) and ``.blocked`` (URLs of requests to other hosts, which all fail), and has
    ``open(path="", **params)`` (navigate to the app's page and wait until the script has finished
    and the page is drawn), ``wait_idle()`` (after a click or input), ``screenshot(name)`` (a PNG under
    ``test-artifacts/screenshots/``), ``body_text()``, ``exceptions()`` (texts of Streamlit exception
    boxes), ``errors()`` (texts of ``st.error`` boxes), ``scroll_overflow()`` (document scrollWidth
    minus window width, > 0 means horizontal scrolling). ``.page`` is the playwright ``Page``.
``SIZES``, ``SCREENSHOTS``: the four viewports of issue 8 and the screenshot folder.

Example::

    @pytest.mark.parametrize("size", list(SIZES))
    def test_overview(page_at, size):
        p = page_at(size)
        p.open("", p="20")
        assert p.exceptions() == [] and p.dialogs == [] and p.console_errors == []
        p.screenshot(f"overview-{size}")
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("QH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SIZES = {
    "projector_1080": (1920, 1080),
    "projector_720": (1280, 720),
    "tablet_landscape": (1024, 768),
    "tablet_portrait": (768, 1024),
}
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
START_TIMEOUT = 90.0
RUN_TIMEOUT_MS = 60_000


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


# --- the app server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seeded_sqlite(path: Path, template: str) -> str:
    """A copy of the migrated and seeded SQLite demo ``template`` at ``path``; returns its URL."""
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@dataclass
class AppServer:
    db_url: str
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    proc: subprocess.Popen | None = None
    _engine: object = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def page_url(self, path: str = "", **params) -> str:
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        return f"{self.url}/{path.lstrip('/')}" + (f"?{query}" if query else "")

    def start(self) -> AppServer:
        self.port = free_port()
        streamlit = Path(sys.executable).parent / "streamlit"
        env = dict(os.environ, QH_DATABASE_URL=self.db_url, QH_AUTH="none", PYTHONUNBUFFERED="1")
        env.update(self.env)
        self._log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [str(streamlit), "run", "dashboard/app.py", "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited ({self.proc.returncode}):\n{self.log_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"streamlit did not answer /_stcore/health in {START_TIMEOUT:.0f} s:\n{self.log_text()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(15)
        if getattr(self, "_log", None):
            self._log.close()
        if self._engine is not None:
            self._engine.dispose()

    def engine(self):
        if self._engine is None:
            from qh_data.db import make_engine

            self._engine = make_engine(self.db_url)
        return self._engine

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def rss_kb(self) -> int:
        """Resident memory of the server process, in kB (from /proc)."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1))


@pytest.fixture(scope="session")
def launch_app(tmp_path_factory, _templates):
    started: list[AppServer] = []

    def launch(name: str, prepare=None, env: dict[str, str] | None = None) -> AppServer:
        root = tmp_path_factory.mktemp(f"app_{name}")
        db_url = seeded_sqlite(root / "qh.sqlite3", _templates("sqlite", True))
        if prepare is not None:
            from qh_data.db import make_engine

            engine = make_engine(db_url)
            try:
                prepare(engine)
            finally:
                engine.dispose()
        server = AppServer(db_url=db_url, log_path=root / "streamlit.log", env=dict(env or {}))
        started.append(server)
        return server.start()

    yield launch
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def app_server(launch_app) -> AppServer:
    return launch_app("demo")


# --- the browser -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _dead_proxy():
    """A loopback port bound and never listened on: connecting to it is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture(scope="session")
def browser(_dead_proxy):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} not found: install Debian's chromium (make browser / .ci/ensure-chromium)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                               proxy={"server": _dead_proxy, "bypass": "127.0.0.1,localhost,[::1]"})
        yield b
        b.close()


def new_context(browser, touch: bool):
    width, height = SIZES["projector_1080"]
    return browser.new_context(viewport={"width": width, "height": height}, has_touch=touch,
                               locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", service_workers="block")


@pytest.fixture(scope="session")
def browser_context(browser):
    made: dict[bool, object] = {}

    def get(touch: bool):
        if touch not in made:
            made[touch] = new_context(browser, touch)
        return made[touch]

    yield get
    for context in made.values():
        context.close()


def _is_local(url: str) -> bool:
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme in ("data", "blob", "about"):
        return True
    return (parsed.hostname or "") in LOOPBACK


# Streamlit's script run has finished (the frontend's own flag), the connection is up, the main area
# holds at least one element and no skeleton placeholder, and the main area's element count and text
# length have stayed the same for ``settleMs`` (a run may queue another one). Polled in the page.
IDLE_JS = """([settleMs]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const main = document.querySelector('[data-testid="stMain"]');
  const w = window.__qhIdle || (window.__qhIdle = {sig: null, since: 0});
  const ready = !!app && !!main && app.getAttribute('data-test-script-state') === 'notRunning'
    && [null, 'CONNECTED'].includes(app.getAttribute('data-test-connection-state'))
    && main.querySelector('[data-testid="stElementContainer"]') !== null
    && document.querySelector('[data-testid="stSkeleton"]') === null;
  if (!ready) { w.sig = null; return false; }
  const sig = main.querySelectorAll('[data-testid="stElementContainer"]').length + ':' + main.innerText.length;
  const now = performance.now();
  if (sig !== w.sig) { w.sig = sig; w.since = now; return false; }
  return now - w.since >= settleMs;
}"""
IDLE_STATE_JS = """() => { const app = document.querySelector('[data-testid="stApp"]');
  return app && [app.getAttribute('data-test-script-state'), app.getAttribute('data-test-connection-state'),
                 window.__qhIdle]; }"""


class TabPool:
    """The worker's tabs, lent to one ``QHPage`` at a time: one per kind of screen (touch or not) is
    kept between tests, so a test's page loads in a renderer that has compiled the app's scripts
    already (a new tab costs chromium ~2 s of CPU a load more). A tab is handed over on a blank
    document with its session storage emptied: Streamlit keeps its session id there, so the next
    load starts a session of its own, as in a new tab."""

    def __init__(self, browser_context):
        self.browser_context = browser_context
        self.free: dict[bool, object] = {}

    def take(self, touch: bool):
        page = self.free.pop(touch, None)
        if page is None or page.is_closed():
            return self.browser_context(touch).new_page()
        with contextlib.suppress(Exception):  # a blank or crashed document has no storage
            page.evaluate("() => sessionStorage.clear()")
        page.goto("about:blank")
        return page

    def give_back(self, touch: bool, page) -> None:
        if page.is_closed():
            return
        if touch in self.free:
            page.close()
        else:
            self.free[touch] = page


@pytest.fixture(scope="session")
def tab_pool(browser_context):
    return TabPool(browser_context)


class QHPage:
    """One browser tab on the app, with what went wrong recorded (see the module docstring)."""

    def __init__(self, context, base_url: str, viewport: tuple[int, int] | None = None,
                 own_context: bool = False, pool: TabPool | None = None, touch: bool = False):
        self.context = context
        self.own_context = own_context
        self.pool, self.touch = pool, touch
        self.base_url = base_url.rstrip("/")
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []
        self.blocked: list[str] = []
        self.page = pool.take(touch) if pool is not None else context.new_page()
        if viewport is not None:
            self.page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
        self._listeners = [("request", self._request), ("console", self._console),
                           ("pageerror", self._page_error), ("dialog", self._dialog)]
        for event_name, listener in self._listeners:
            self.page.on(event_name, listener)
        self.page.set_default_timeout(RUN_TIMEOUT_MS)

    def _page_error(self, exc) -> None:
        self.page_errors.append(str(exc))

    def _request(self, request) -> None:
        if not _is_local(request.url):
            self.blocked.append(request.url)  # it fails at the browser's dead proxy

    def _console(self, msg) -> None:
        if msg.type == "error":
            self.console_errors.append(msg.text)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        with contextlib.suppress(Exception):  # the page may already be gone
            dialog.dismiss()

    # --- navigation ---
    def open(self, path: str = "", **params) -> QHPage:
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        url = f"{self.base_url}/{path.lstrip('/')}" + (f"?{query}" if query else "")
        self.page.goto(url, wait_until="domcontentloaded")
        self.wait_idle(settle_ms=300)  # a new document: its first run cannot have finished before
        return self

    def wait_idle(self, settle_ms: int = 500) -> QHPage:
        """Wait until Streamlit's script run has finished and the page stopped changing.

        Finished: ``stApp``'s ``data-test-script-state`` is ``notRunning``, the connection is up, the
        main area holds at least one element and no skeleton placeholder; stopped changing: the main
        area's text length and element count stayed the same for ``settle_ms``, watched from the
        moment of the call (after a click the rerun starts within it).
        """
        page = self.page
        page.wait_for_selector('[data-testid="stApp"]', state="attached")
        page.evaluate("() => { window.__qhIdle = null; }")
        try:
            page.wait_for_function(IDLE_JS, arg=[settle_ms], polling=50, timeout=RUN_TIMEOUT_MS)
        except Exception as exc:
            raise TimeoutError(f"the app did not finish drawing {page.url} in {RUN_TIMEOUT_MS / 1000:.0f} s "
                               f"(last state {page.evaluate(IDLE_STATE_JS)})") from exc
        return self

    # --- reading the page ---
    def body_text(self) -> str:
        return self.page.inner_text("body")

    def exceptions(self) -> list[str]:
        return [e.inner_text() for e in self.page.query_selector_all('[data-testid="stException"]')]

    def errors(self) -> list[str]:
        return [e.inner_text() for e in self.page.query_selector_all('[data-testid="stAlertContentError"]')]

    def scroll_overflow(self) -> int:
        return int(self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))

    def screenshot(self, name: str, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def close(self) -> None:
        if self.own_context:
            self.context.close()
        elif self.pool is not None:
            for event_name, listener in self._listeners:
                self.page.remove_listener(event_name, listener)
            self.pool.give_back(self.touch, self.page)
        else:
            self.page.close()


def viewport_of(size) -> tuple[tuple[int, int], bool]:
    """((width, height), touch) of a key of ``SIZES`` or a ``(width, height)`` tuple."""
    if isinstance(size, str):
        return SIZES[size], size.startswith("tablet")
    return tuple(size), False


@pytest.fixture
def page_at(browser, browser_context, tab_pool, request):
    opened: list[QHPage] = []

    def make(size, base_url: str | None = None, own_context: bool = False) -> QHPage:
        if base_url is None:
            base_url = request.getfixturevalue("app_server").url
        viewport, touch = viewport_of(size)
        if own_context:
            qp = QHPage(new_context(browser, touch), base_url, viewport, own_context=True)
        else:
            qp = QHPage(browser_context(touch), base_url, viewport, pool=tab_pool, touch=touch)
        opened.append(qp)
        return qp

    yield make
    for qp in opened:
        qp.close()
