"""Secrets: none in the repository, none in the logs.

Repository: every tracked file (``git ls-files``) is scanned for private-key blocks, well-known token
formats (AWS, GitHub, Slack, Google, JWT, Stripe), credentials inside URLs, and password-like
assignments (``password = "…"``, ``client_secret: "…"``) whose value is not an obvious placeholder.
The assignment rule skips tests/ (throw-away passwords of accounts in temporary databases) and the
interface catalogues (``password = "Mật khẩu"`` is a label); the other rules cover every file. Files
that must never be tracked (``.streamlit/secrets.toml``, keys, databases, dumps, ``.env``) are not.
A planted example proves each rule fires.

Logs: sign-ins (right, wrong, lock-out), account creation, password reset and change run with every
logger at DEBUG, SQLAlchemy's statement logging included; no password typed appears in any log
record, nor in the audit trail. The dashboard's sign-in form (AppTest) is checked the same way.
"""

from __future__ import annotations

import logging
import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from qh_data import auth
from qh_data.db import make_engine, read_session
from qh_data.models import AuditEntry, User
from qh_data.services import users as user_service

ROOT = Path(__file__).resolve().parents[1]

PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
TOKENS = {
    "AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{60,}\b"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "Stripe key": re.compile(r"\b[sr]k_live_[0-9A-Za-z]{16,}\b"),
    "JWT": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
}
URL_CREDENTIALS = re.compile(r"\b[a-z][a-z0-9+.-]*://([^/\s:@'\"]+):([^@\s/'\"]+)@")
ASSIGNMENT = re.compile(
    r"""(?ix)\b([a-z0-9_.-]*(?:password|passwd|pwd|secret|token|api_?key|access_?key|private_?key))\b
        ["']?\s*[:=]\s*(?:[rbuf]?)(["'])([^"'\n]{4,})\2""")
PLACEHOLDER = re.compile(r"(?i)replace|example|changeme|change-me|placeholder|your[-_ ]|xxx|<[^>]*>|\$\{|\{\{|"
                         r"^\*+$|dummy|not-a-real|redacted|\.\.\.")
NEVER_TRACKED = re.compile(r"(^|/)(\.streamlit/secrets\.toml|\.env(\..*)?|id_rsa[^/]*|id_ed25519[^/]*|"
                           r"[^/]+\.(pem|key|p12|pfx|sqlite3?|db|qhb))$")


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [p for p in out.decode().split("\0") if p]


def read_text(path: str) -> str | None:
    try:
        data = (ROOT / path).read_bytes()
    except OSError:
        return None  # listed but deleted in the working tree
    if b"\0" in data[:8192]:
        return None  # binary (images, fonts, spreadsheets of the test corpus)
    return data.decode("utf-8", "replace")


def findings(path: str, text: str) -> list[str]:
    """What looks like a secret in ``text`` (the file at ``path``): one line per finding."""
    found = []
    if PRIVATE_KEY.search(text):
        found.append(f"{path}: private key block")
    for name, pattern in TOKENS.items():
        for m in pattern.finditer(text):
            found.append(f"{path}: {name} {m.group(0)[:12]}…")
    for m in URL_CREDENTIALS.finditer(text):
        password = m.group(2)
        if not PLACEHOLDER.search(password) and not password.startswith(("$", "%", "{")):
            found.append(f"{path}: credentials in a URL ({m.group(1)}:…)")
    checks_assignments = not path.startswith(("tests/", "dashboard/locales/"))
    if checks_assignments:
        for m in ASSIGNMENT.finditer(text):
            value = m.group(3)
            if PLACEHOLDER.search(value) or " " in value.strip():
                continue  # a placeholder, or a sentence (a label, a message), not a secret
            found.append(f"{path}: {m.group(1)} = {value[:3]}…")
    return found


def test_the_scanner_finds_what_it_looks_for():
    # Assembled from pieces so that this file itself holds no secret-shaped text for the scan below.
    planted = {
        "deploy/key.txt": "-----BEGIN OPENSSH " + "PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n",
        "src/settings.py": 'DB_PASSWORD = "hunter2-Real-9"\n',
        "config/app.toml": 'client_secret = "s3cr3t-value-123"\n',
        "README.md": "QH_DATABASE_URL=postgresql://qh:" + "S3cret-pw@db.example.vn:5432/qh\n",
        "ci.yml": "token: ghp_" + "a1B2" * 9 + "\n",
        "aws.cfg": "aws_access_key_id = AKIA" + "ABCDEFGHIJKLMNOP" + "\n",
    }
    for path, text in planted.items():
        assert findings(path, text), path
    harmless = {
        "dashboard/locales/vi/auth.toml": 'password = "Mật khẩu"\n',
        ".streamlit/secrets.example.toml": 'cookie_secret = "REPLACE-WITH-A-LONG-RANDOM-STRING"\n',
        "tests/test_auth.py": 'PASSWORD = "mat-khau-thu-nghiem-1"\n',
        "src/qh_data/db.py": 'url = "postgresql://nguoidung@may:5432/csdl"\n',
        "src/x.py": 'message = "Mật khẩu phải có ít nhất 8 ký tự."\n',
    }
    for path, text in harmless.items():
        assert findings(path, text) == [], path


def test_no_secret_in_any_tracked_file():
    files = tracked_files()
    assert len(files) > 50
    found = []
    scanned = 0
    for path in files:
        text = read_text(path)
        if text is None:
            continue
        scanned += 1
        found += findings(path, text)
    assert scanned > 50
    assert found == [], "\n".join(found)


def test_files_that_hold_secrets_are_never_tracked_and_are_ignored():
    tracked = [p for p in tracked_files() if NEVER_TRACKED.search(p)]
    assert tracked == []
    ignore = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".streamlit/secrets.toml" in ignore
    assert any(line.startswith("data/*.sqlite3") for line in ignore)
    for path in (".streamlit/secrets.toml", "data/qh.sqlite3", "data/qh.sqlite3-wal"):
        check = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT, check=False)
        assert check.returncode == 0, f"{path} is not ignored by git"


# --- logs -------------------------------------------------------------------------------------------

PASSWORDS = {"first": "Mat-Khau-Ban-Dau-1", "wrong": "Sai-Mat-Khau-Roi-2", "reset": "Dat-Lai-Moi-3",
             "own": "Tu-Doi-Lan-Nua-4"}


@pytest.fixture
def debug_logs(caplog, backend, _templates, tmp_path, pg_databases):
    """Every logger at DEBUG (SQLAlchemy's statements and parameters included) while the test runs, on an
    engine created after the levels were set (SQLAlchemy reads them when it connects)."""
    from conftest import _copy

    caplog.set_level(logging.DEBUG)
    for name in ("sqlalchemy.engine", "sqlalchemy.pool", "qh", "qh.auth", "streamlit"):
        caplog.set_level(logging.DEBUG, logger=name)
    engine = make_engine(_copy(backend, _templates(backend, True), tmp_path, pg_databases))
    yield engine, caplog
    engine.dispose()


def _all_logged(caplog) -> str:
    parts = [caplog.text]
    for record in caplog.records:
        parts.append(repr(record.args))
        parts.append(str(record.msg))
    return "\n".join(parts)


def test_passwords_never_reach_the_logs_or_the_audit_trail(debug_logs):
    engine, caplog = debug_logs
    admin = auth.actor_of(_user(engine, "admin"))
    user = user_service.create_user(engine, admin, username="nhat.ky", display_name="Người thử nhật ký",
                                    role="agency_editor", agency_code="LS-SXD", password=PASSWORDS["first"])
    assert auth.authenticate(engine, "nhat.ky", PASSWORDS["first"]).user_id == user.id
    for _ in range(auth.MAX_FAILED_ATTEMPTS):  # wrong five times: locked
        with pytest.raises(auth.AuthFailed):
            auth.authenticate(engine, "nhat.ky", PASSWORDS["wrong"])
    with pytest.raises(auth.AuthFailed):
        auth.authenticate(engine, "nhat.ky", PASSWORDS["first"])  # right, but locked
    with pytest.raises(auth.AuthFailed):  # a password typed into the user-name field
        auth.authenticate(engine, PASSWORDS["wrong"], PASSWORDS["first"])
    user_service.unlock_user(engine, admin, user.id)
    user_service.reset_password(engine, admin, user.id, PASSWORDS["reset"])
    me = auth.authenticate(engine, "nhat.ky", PASSWORDS["reset"])
    user_service.change_own_password(engine, me, PASSWORDS["reset"], PASSWORDS["own"])
    assert auth.authenticate(engine, "nhat.ky", PASSWORDS["own"]).user_id == user.id

    logged = _all_logged(caplog)
    assert "sign-in" in logged and "locked" in logged  # the events themselves are logged
    assert any(r.name.startswith("sqlalchemy.engine") for r in caplog.records)  # statements were logged
    for label, password in PASSWORDS.items():
        assert password not in logged, label
    with read_session(engine) as s:
        trail = "\n".join(f"{e.before} {e.after}" for e in s.scalars(select(AuditEntry)))
        hashes = [h for h in s.scalars(select(User.password_hash)) if h]
    for label, password in PASSWORDS.items():
        assert password not in trail, label
    assert not any(h in trail for h in hashes)  # not even the hashes
    own_lines = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("sqlalchemy"))
    assert not any(h in own_lines for h in hashes)  # the app's own log lines never carry a hash


def _user(engine, username: str) -> User:
    with read_session(engine) as s:
        user = s.scalar(select(User).where(User.username == username))
        s.expunge(user)
        return user


def test_the_sign_in_form_logs_no_password(sqlite_demo_url, monkeypatch, caplog):
    from apptest_helpers import APP
    from streamlit.testing.v1 import AppTest

    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("QH_DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("QH_AUTH", "password")
    engine = make_engine(sqlite_demo_url)
    admin = auth.actor_of(_user(engine, "admin"))
    user_service.create_user(engine, admin, username="mau.dang.nhap", display_name="Người thử form",
                             role="viewer", password=PASSWORDS["first"])
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    for password in (PASSWORDS["wrong"], PASSWORDS["first"]):
        at.text_input(key="signin_username").input("mau.dang.nhap")
        at.text_input(key="signin_password").input(password)
        next(b for b in at.button if b.label == "Đăng nhập").click()
        at.run()
    assert not at.exception
    assert at.session_state["actor"].username == "mau.dang.nhap"  # signed in at the second try
    logged = _all_logged(caplog)
    assert "sign-in" in logged
    assert PASSWORDS["first"] not in logged and PASSWORDS["wrong"] not in logged
    engine.dispose()
