"""Quản lý người dùng — administrators create accounts, change roles, deactivate, reset passwords, and set
who signs the province's documents (dashboard/views/signers.py)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import auth, components, data, fmt, state
from dashboard.components_text import esc_md
from dashboard.i18n import t
from dashboard.safe_text import md, plain
from dashboard.views import signers
from qh_data import clock
from qh_data.errors import QHError
from qh_data.models import ROLES
from qh_data.services import users as user_service

actor = auth.require_page("user.manage")
lang = st.session_state.get("f_lang", "vi")
FLASH = "_users_flash"
CREATE_KEYS = ("new_username", "new_display_name", "new_email", "new_password", "new_password_again")

st.title(t("users.title"))
st.caption(t("users.intro"))
if st.session_state.get(FLASH):
    st.success(st.session_state.pop(FLASH))

engine = data.engine()
accounts = user_service.list_users(engine)
agencies = {a["code"]: a["name"] for a in data.q("agencies", province=state.current().province)}
for row in accounts:  # an account of another province keeps its agency in the lists
    if row["agency_code"] and row["agency_code"] not in agencies:
        agencies[row["agency_code"]] = row["agency_code"]
    row["locked"] = row["locked_until"] is not None and row["locked_until"] > clock.now()


def role_word(role: str) -> str:
    return t(f"auth.role.{role}")


def agency_word(code: str | None) -> str:
    return t("users.no_agency") if code is None else plain(agencies.get(code, code))


def done(message: str, clear: tuple[str, ...] = ()) -> None:
    st.session_state[FLASH] = message
    for key in clear:  # an account made: its form starts empty again (no password left in the state)
        st.session_state.pop(key, None)
    data.invalidate()
    st.rerun()


def attempt(fn, *args, **kwargs) -> bool:
    try:
        fn(*args, **kwargs)
    except QHError as exc:
        st.error(esc_md(exc.message(lang)))
        return False
    return True


table = pd.DataFrame([{
    "username": r["username"], "display_name": r["display_name"], "email": r["email"] or "",
    "role": role_word(r["role"]), "agency": agency_word(r["agency_code"]),
    "active": t("users.yes") if r["is_active"] else t("users.no"),
    "locked_until": fmt.datetime(r["locked_until"], lang) if r["locked"] else "",
    "created_at": fmt.date(r["created_at"].date() if r["created_at"] else None, lang),
} for r in accounts])
if table.empty:
    components.empty_state(t("users.empty"))
else:
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={c: t(f"users.col_{c}") for c in table.columns})

agency_options = [None, *sorted(agencies, key=lambda c: agencies[c])]
create_tab, edit_tab, signers_tab = st.tabs([t("users.tab_create"), t("users.tab_edit"), t("users.tab_signers")])

with signers_tab:  # before the edit tab, whose st.stop() ends the page when there is no account
    signers.render(engine, actor, state.current().province, lang, done)

with create_tab, st.form("user_create", clear_on_submit=False):
    c1, c2 = st.columns(2)
    username = c1.text_input(t("users.username"), max_chars=80, help=t("users.username_help"),
                             key="new_username")
    display_name = c2.text_input(t("users.display_name"), max_chars=200, key="new_display_name")
    email = c1.text_input(t("users.email"), max_chars=200, help=t("users.email_help"), key="new_email")
    role = c2.selectbox(t("users.role"), list(ROLES), format_func=role_word, key="new_role")
    agency = st.selectbox(t("users.agency"), agency_options, format_func=agency_word, key="new_agency")
    c3, c4 = st.columns(2)
    password = c3.text_input(t("users.password"), type="password", autocomplete="new-password",
                             key="new_password")
    password_again = c4.text_input(t("users.password_again"), type="password", autocomplete="new-password",
                                   key="new_password_again")
    if st.form_submit_button(t("users.create"), type="primary"):
        if password != password_again:
            st.error(t("auth.passwords_differ"))
        elif attempt(user_service.create_user, engine, actor, username=username, display_name=display_name,
                     role=role, agency_code=agency, email=email or None, password=password or None):
            done(t("users.created", username=md(username.strip().lower())), clear=CREATE_KEYS)

with edit_tab:
    if not accounts:
        components.empty_state(t("users.empty"))
        st.stop()
    by_id = {r["id"]: r for r in accounts}
    chosen = st.selectbox(t("users.choose"), list(by_id), key="users_chosen",
                          format_func=lambda i: f"{by_id[i]['username']} · {by_id[i]['display_name']}")
    who = by_id[chosen]
    is_self = who["id"] == actor.user_id
    st.markdown(t("users.current", role=components.esc(role_word(who["role"])),
                  agency=components.esc(agency_word(who["agency_code"]))))

    col_role, col_password = st.columns(2)
    with col_role, st.form(f"user_role_{who['id']}"):
        st.markdown(f"**{t('users.change_role')}**")
        new_role = st.selectbox(t("users.role"), list(ROLES), index=list(ROLES).index(who["role"]),
                                format_func=role_word)
        options = list(agency_options)
        if who["agency_code"] not in options:
            options.append(who["agency_code"])
        new_agency = st.selectbox(t("users.agency"), options, index=options.index(who["agency_code"]),
                                  format_func=agency_word)
        if st.form_submit_button(t("users.save_role")) and attempt(
                user_service.change_role, engine, actor, who["id"], new_role, new_agency,
                expected_version=who["version"]):
            done(t("users.role_saved", username=md(who["username"])))

    with col_password, st.form(f"user_password_{who['id']}", clear_on_submit=True):
        st.markdown(f"**{t('users.reset_password')}**")
        new_password = st.text_input(t("users.password"), type="password", autocomplete="new-password")
        new_again = st.text_input(t("users.password_again"), type="password", autocomplete="new-password")
        if st.form_submit_button(t("users.save_password")):
            if new_password != new_again:
                st.error(t("auth.passwords_differ"))
            elif attempt(user_service.reset_password, engine, actor, who["id"], new_password):
                done(t("users.password_saved", username=md(who["username"])))

    with st.form(f"user_details_{who['id']}"):
        st.markdown(f"**{t('users.details')}**")
        c1, c2 = st.columns(2)
        new_name = c1.text_input(t("users.display_name"), value=who["display_name"], max_chars=200)
        new_email = c2.text_input(t("users.email"), value=who["email"] or "", max_chars=200)
        if st.form_submit_button(t("users.save_details")) and attempt(
                user_service.update_details, engine, actor, who["id"], display_name=new_name,
                email=new_email or None, expected_version=who["version"]):
            done(t("users.details_saved", username=md(who["username"])))

    c1, c2 = st.columns(2)
    if who["is_active"]:
        if not is_self and c1.button(t("users.deactivate"), key=f"deactivate_{who['id']}") and attempt(
                user_service.deactivate_user, engine, actor, who["id"], expected_version=who["version"]):
            done(t("users.deactivated", username=md(who["username"])))
    elif c1.button(t("users.reactivate"), key=f"reactivate_{who['id']}") and attempt(
            user_service.reactivate_user, engine, actor, who["id"], expected_version=who["version"]):
        done(t("users.reactivated", username=md(who["username"])))
    if who["locked"] and c2.button(t("users.unlock"), key=f"unlock_{who['id']}") and attempt(
            user_service.unlock_user, engine, actor, who["id"]):
        done(t("users.unlocked", username=md(who["username"])))
