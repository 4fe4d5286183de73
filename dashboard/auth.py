"""Who is using the app, and the door: sign-in form, single sign-on, idle expiry, sign-out.

QH_AUTH picks the door:
- ``none``: no sign-in; everyone is the read-only viewer (kiosk, projector, demo);
- ``password``: every page asks for a user name and password first (accounts in the database);
- ``oidc``: single sign-on through Streamlit's ``st.login`` (provider in .streamlit/secrets.toml);
  the identity's e-mail must belong to an active user of the table.
An unknown value is treated as ``password``: the door stays shut rather than open.

Hiding a control here is a courtesy; the protection is ``qh_data.permissions.require`` in every
write service.
"""

from __future__ import annotations

import logging
import os

import streamlit as st

from qh_data import auth as qauth
from qh_data import clock, config
from qh_data.errors import QHError
from qh_data.permissions import KIOSK, Actor, allowed

from .components_text import esc_md
from .i18n import current_lang, t

log = logging.getLogger("qh.dashboard.auth")

MODES = ("none", "password", "oidc")
ACTOR_KEY = "actor"
LAST_SEEN_KEY = "_auth_last_seen"
NOTICE_KEY = "_auth_notice"

# Pages shown only to the roles that may do what the page is for (nav key -> action).
PAGE_ACTIONS = {"audit": "audit.view", "users": "user.manage", "intake": "values.submit"}
ALL_PAGES = ("overview", "progress", "tasks", "issues", "meetings", "slideshow", "map", "indicators",
             "intake", "audit", "users")


def mode() -> str:
    wanted = config.auth_mode()
    if wanted not in MODES:
        log.warning("QH_AUTH=%r is not one of %s: asking for a password", wanted, "|".join(MODES))
        return "password"
    return wanted


def current_actor() -> Actor:
    actor = st.session_state.get(ACTOR_KEY)
    if isinstance(actor, Actor):
        return actor
    return KIOSK


def needs_signin() -> bool:
    return mode() != "none" and not isinstance(st.session_state.get(ACTOR_KEY), Actor)


def can(action: str, agency_codes=None) -> bool:
    """Whether the current user may ``action`` (for ``agency_codes``): decides which controls to draw."""
    return allowed(current_actor(), action, agency_codes)


def visible_pages(actor: Actor | None = None) -> set[str]:
    """The navigation keys this actor may open (pages for rights the actor lacks are left out)."""
    actor = actor or current_actor()
    return {key for key in ALL_PAGES if key not in PAGE_ACTIONS or allowed(actor, PAGE_ACTIONS[key])}


def require_page(action: str) -> Actor:
    """At the top of a page meant for some roles: a clear sentence and a stop for everyone else."""
    actor = current_actor()
    if not allowed(actor, action):
        st.error(t("auth.no_access"))
        st.stop()
    return actor


# --- the session --------------------------------------------------------------------------------


def _engine():
    from . import data

    return data.engine()


def start_session(actor: Actor) -> None:
    st.session_state[ACTOR_KEY] = actor
    st.session_state[LAST_SEEN_KEY] = clock.now()
    st.session_state.pop(NOTICE_KEY, None)


def end_session(notice: str | None = None) -> None:
    """Forget who is signed in; with single sign-on also drop the identity cookie (``st.logout``)."""
    st.session_state.pop(ACTOR_KEY, None)
    st.session_state.pop(LAST_SEEN_KEY, None)
    if notice:
        st.session_state[NOTICE_KEY] = notice
    if mode() == "oidc" and _oidc_logged_in():
        st.logout()


def _oidc_logged_in() -> bool:
    try:
        return bool(st.user.get("is_logged_in"))
    except Exception:  # noqa: BLE001 - no auth configured: nobody is signed in
        return False


def gate() -> Actor:
    """Call once per run before drawing any page: returns the actor, or draws sign-in and stops."""
    how = mode()
    if how == "none":
        st.session_state.pop(ACTOR_KEY, None)
        return KIOSK
    actor = st.session_state.get(ACTOR_KEY)
    if isinstance(actor, Actor):
        if qauth.idle_expired(st.session_state.get(LAST_SEEN_KEY)):
            log.info("session of %r expired after %d idle minutes", actor.username, config.idle_minutes())
            end_session("expired")
            actor = None
        else:
            actor = qauth.refresh_actor(_engine(), actor)
            if actor is None:
                end_session("gone")
    if isinstance(actor, Actor):
        st.session_state[ACTOR_KEY] = actor
        st.session_state[LAST_SEEN_KEY] = clock.now()
        return actor
    if how == "oidc":
        actor = _oidc_door()
        if actor is not None:
            return actor
    else:
        _password_door()
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def _heading() -> None:
    st.title(t("auth.title"))
    st.caption(t("common.app_title"))
    st.segmented_control(t("common.language"), options=["vi", "en"], key="f_lang",
                         format_func=lambda c: {"vi": "Tiếng Việt", "en": "English"}[c],
                         selection_mode="single", required=True)  # a click on the chosen one keeps it
    notice = st.session_state.get(NOTICE_KEY)
    if notice in ("expired", "gone", "signed_out"):
        st.info(t(f"auth.notice_{notice}", minutes=config.idle_minutes()))


def _password_door() -> None:
    _heading()
    with st.form("qh_signin", clear_on_submit=True):
        username = st.text_input(t("auth.username"), key="signin_username", max_chars=80,
                                 autocomplete="username")
        password = st.text_input(t("auth.password"), key="signin_password", type="password",
                                 max_chars=qauth.MAX_PASSWORD_LENGTH, autocomplete="current-password")
        submitted = st.form_submit_button(t("auth.submit"), type="primary")
    if submitted:
        try:
            actor = qauth.authenticate(_engine(), username, password)
        except QHError as exc:
            st.error(esc_md(exc.message(current_lang())))
        else:
            start_session(actor)
            st.rerun()
    st.caption(t("auth.help"))


def _oidc_door() -> Actor | None:
    if _oidc_logged_in():
        email = st.user.get("email")
        try:
            if st.user.get("email_verified") is False:  # the provider says the address is unproven
                raise qauth.NoAccountForEmail(email)
            actor = qauth.actor_for_email(_engine(), email)
        except QHError as exc:
            _heading()
            st.error(esc_md(exc.message(current_lang())))
            if st.button(t("auth.sign_out"), key="oidc_refused_logout"):
                st.logout()
            return None
        start_session(actor)
        return actor
    _heading()
    st.write(t("auth.sso_intro"))
    if st.button(t("auth.sso_button"), type="primary", key="oidc_login"):
        try:
            st.login(os.environ.get("QH_OIDC_PROVIDER") or None)
        except Exception as exc:  # noqa: BLE001 - StreamlitAuthError: secrets missing or Authlib absent
            log.error("single sign-on is not configured: %s", exc)
            st.error(t("auth.sso_not_configured"))
    return None


# --- sidebar ------------------------------------------------------------------------------------


def sidebar_controls() -> None:
    """Sign-out button (and change of one's own password) for a signed-in user; nothing for the kiosk."""
    actor = current_actor()
    if mode() == "none" or actor.user_id is None:
        return
    if st.button(t("auth.sign_out"), key="qh_sign_out", icon=":material/logout:"):
        log.info("sign-out: %r", actor.username)
        end_session("signed_out")
        st.rerun()
    if mode() == "password":
        with st.popover(t("auth.change_password"), icon=":material/key:"):
            _change_password_form(actor)


def _change_password_form(actor: Actor) -> None:
    from qh_data.services import users

    with st.form("qh_change_password", clear_on_submit=True):
        current = st.text_input(t("auth.current_password"), type="password", key="cp_current",
                                autocomplete="current-password")
        new = st.text_input(t("auth.new_password"), type="password", key="cp_new",
                            autocomplete="new-password")
        again = st.text_input(t("auth.new_password_again"), type="password", key="cp_again",
                              autocomplete="new-password")
        submitted = st.form_submit_button(t("auth.change_password_submit"))
    if submitted:
        if new != again:
            st.error(t("auth.passwords_differ"))
            return
        try:
            users.change_own_password(_engine(), actor, current, new)
        except QHError as exc:
            st.error(esc_md(exc.message(current_lang())))
        else:
            st.success(t("auth.password_changed"))
