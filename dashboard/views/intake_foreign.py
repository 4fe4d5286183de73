"""The intake page's path for a sender's own workbook (issue 16): the proposed mapping, which the user edits
(columns -> period and kind, rows -> indicator, with the matcher's score), then the dry run and the commit
of the template path (dashboard/views/intake.py draws those), and the mapping kept as a profile.

Three confirmations at most: "Đọc theo cách này" (the mapping), "Ghi … số liệu" (the commit), and, for
the DPI role, the profile saved with the commit."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import components, data, fmt
from dashboard.components_text import esc_md
from dashboard.i18n import t
from qh_data import intake, periods, permissions
from qh_data.errors import QHError
from qh_data.intake import foreign, profiles
from qh_data.intake.match_rows import ACCEPT, SUGGEST

PROPOSAL_KEY, PROPOSAL_ID_KEY = "intake_f_proposal", "intake_f_proposal_id"
LEAVE_OUT = "—"
KINDS = ("actual", "estimate", "target")


def _proposal(v, upload):
    upload_id = f"{getattr(upload, 'file_id', '')}:{upload.name}:{upload.size}"
    if st.session_state.get(PROPOSAL_ID_KEY) != upload_id or PROPOSAL_KEY not in st.session_state:
        st.session_state[PROPOSAL_KEY] = foreign.propose(v.engine, v.actor, upload.getvalue(), upload.name)
        st.session_state[PROPOSAL_ID_KEY] = upload_id
    return st.session_state[PROPOSAL_KEY]


def forget() -> None:
    st.session_state.pop(PROPOSAL_KEY, None)
    st.session_state.pop(PROPOSAL_ID_KEY, None)


def _labels(v) -> dict[str, str]:
    return {i["code"]: f"{i['name_vi'] if v.lang == 'vi' else i['name_en']} ({i['unit']})" for i in v.indicators}


def _sender(v, mapping) -> None:
    s = mapping.sender
    if mapping.unit_code:
        who = s.get("agency_name") or s.get("unit_name") or mapping.unit_code
        st.markdown(t("intake.f_sender", text=esc_md(s.get("text") or "—"), who=esc_md(who)))
        return
    st.warning(t("intake.f_sender_unknown", text=esc_md(s.get("text") or "—")))
    units = {p["code"]: p["name"] for p in data.q("provinces")}
    units |= {d["code"]: d["name"] for d in data.q("districts", province=v.f.province)}
    units |= {c: n for c, n in s.get("candidates") or []}
    codes = list(units)
    mapping.unit_code = st.selectbox(t("intake.f_pick_unit"), codes, index=None, key="intake_f_unit",
                                     format_func=units.get, placeholder=t("intake.f_pick_unit"))


def _columns(v, sheet, index: int) -> None:
    words = {c.letter: (t("intake.f_col_value", period=periods.label(c.period, v.lang), kind=v.kind_word(c.kind))
                        if c.role == "value" else t(f"intake.f_col_{c.role}")) for c in sheet.columns}
    st.dataframe(pd.DataFrame({
        t("intake.col_column"): [c.letter for c in sheet.columns],
        t("intake.f_heading"): [c.heading for c in sheet.columns],
        t("intake.f_reading"): [words[c.letter] for c in sheet.columns],
        t("intake.f_reason"): [c.reason_vi if v.lang == "vi" else c.reason_en for c in sheet.columns],
    }), hide_index=True, width="stretch", key=f"intake_f_cols_{index}")
    choices = [f"{p}|{k}" for p in reversed(intake.period_choices(v.today)) for k in KINDS]
    for c in sheet.columns:
        if not c.asked:
            continue
        picked = st.selectbox(t("intake.f_pick_column", letter=c.letter, heading=c.heading), ["ignored", *choices],
                              key=f"intake_f_col_{index}_{c.letter}", index=0,
                              format_func=lambda x: t("intake.f_col_ignored") if x == "ignored" else
                              t("intake.f_col_value", period=periods.label(x.split("|")[0], v.lang),
                                kind=v.kind_word(x.split("|")[1])))
        if picked == "ignored":
            c.role = "ignored"
        else:
            c.role, c.period, c.kind = "value", *picked.split("|")
        c.source = "user"


def _rows(v, sheet, index: int) -> None:
    labels = _labels(v)
    by_label = {label: code for code, label in labels.items()}
    options = [LEAVE_OUT, *labels.values()]

    def shown_score(r) -> str:
        if r.code is not None:
            return fmt.number(r.score, 0, v.lang)
        best = r.candidates[0] if r.candidates else None
        if best is None or best[1] < SUGGEST:  # below the suggestion threshold: nothing is offered
            return t("intake.f_no_match")
        return t("intake.f_suggest", score=fmt.number(best[1], 0, v.lang), name=labels.get(best[0], best[0]))

    frame = pd.DataFrame({
        t("intake.col_row"): [r.row for r in sheet.rows],
        t("intake.f_name"): [r.name for r in sheet.rows],
        t("intake.f_unit"): [r.unit_text for r in sheet.rows],
        t("intake.f_score"): [shown_score(r) for r in sheet.rows],  # before the picker: seen on a tablet
        t("intake.col_indicator"): [labels.get(r.code, LEAVE_OUT) if r.code else None for r in sheet.rows],
    })
    edited = st.data_editor(
        frame, hide_index=True, width="stretch", key=f"intake_f_rows_{index}",
        disabled=[t("intake.col_row"), t("intake.f_name"), t("intake.f_unit"), t("intake.f_score")],
        column_config={t("intake.col_row"): st.column_config.NumberColumn(width=48),
                       t("intake.f_name"): st.column_config.TextColumn(width="medium"),
                       t("intake.f_unit"): st.column_config.TextColumn(width=64),
                       t("intake.f_score"): st.column_config.TextColumn(width="small"),
                       t("intake.col_indicator"): st.column_config.SelectboxColumn(options=options, width="medium")})
    for r, chosen in zip(sheet.rows, edited[t("intake.col_indicator")], strict=True):
        code = by_label.get(chosen) if isinstance(chosen, str) else None
        if chosen == LEAVE_OUT:
            r.code, r.source = None, "user"
        elif code is not None and code != r.code:
            r.code, r.source, r.score = code, "user", 100.0


def foreign_flow(v, upload, show_plan) -> None:
    """A workbook that is not the template: the proposal, its corrections, then ``show_plan(plan, after)``
    (the template's report, dry run and confirmation; ``after`` runs once the figures are written)."""
    proposal = _proposal(v, upload)
    mapping = proposal.mapping
    if any(p.severity == "error" and p.code != "unknown_sender" for p in proposal.problems):
        for p in proposal.problems:
            st.error(esc_md(p.message(v.lang)))
        return
    st.markdown(f"**{t('intake.f_heading_title')}**")
    st.caption(t("intake.f_intro", accept=fmt.number(ACCEPT, 0, v.lang)))
    if mapping.profile:
        st.info(t("intake.f_profile", name=esc_md(mapping.profile["name"])))
    for p in proposal.problems:
        if p.severity == "warning":
            st.warning(esc_md(p.message(v.lang)))
    _sender(v, mapping)
    for index, sheet in enumerate(mapping.sheets):
        with st.expander(t("intake.f_sheet", title=sheet.title, rows=len(sheet.rows)), expanded=index == 0):
            sheet.include = st.toggle(t("intake.f_include"), value=sheet.include, key=f"intake_f_inc_{index}")
            if skipped := foreign.skipped_text(sheet, v.lang):
                st.caption(t("intake.f_skipped", rows=esc_md(skipped)))
            _columns(v, sheet, index)
            _rows(v, sheet, index)
    may_keep = permissions.allowed(v.actor, "intake.profile")
    keep = may_keep and st.toggle(t("intake.f_keep"), value=not mapping.profile, key="intake_f_keep")
    name = st.text_input(t("intake.f_profile_name"), value=(mapping.profile or {}).get("name") or
                         (mapping.sender.get("text") or upload.name), key="intake_f_profile_name") if keep else None
    if not st.toggle(t("intake.f_read"), key="intake_f_read", help=t("intake.f_read_help")):
        return
    plan = foreign.dry_run(v.engine, v.actor, upload.getvalue(), upload.name, mapping)

    def keep_profile() -> None:
        if not (keep and name):
            return
        try:
            profiles.save_profile(v.engine, v.actor, name=name, sender_key=mapping.sender.get("key", ""),
                                  sender_text=mapping.sender.get("text"), agency_code=mapping.agency_code,
                                  unit_code=mapping.unit_code, fingerprint=mapping.fingerprint,
                                  mapping=profiles.body_of(mapping))
        except QHError as exc:
            st.error(esc_md(exc.message(v.lang)))

    show_plan(plan, keep_profile)


def profiles_section(v) -> None:
    """The saved profiles, for the DPI role: list, rename, delete."""
    if not permissions.allowed(v.actor, "intake.profile"):
        return
    found = data.read(profiles.list_profiles)
    with st.expander(t("intake.f_profiles", n=len(found))):
        if not found:
            components.empty_state(t("intake.f_no_profiles"))
            return
        st.dataframe(pd.DataFrame({
            t("intake.f_profile_name"): [p["name"] for p in found],
            t("intake.f_sender_col"): [p["sender_text"] or "—" for p in found],
            t("intake.f_rows_known"): [p["rows"] for p in found],
        }), hide_index=True, width="stretch", key="intake_f_profiles")
        ids = [p["id"] for p in found]
        names = {p["id"]: p for p in found}
        pick = st.selectbox(t("intake.f_profile_pick"), ids, format_func=lambda i: names[i]["name"],
                            key="intake_f_profile_pick")
        new_name = st.text_input(t("intake.f_profile_name"), value=names[pick]["name"], key="intake_f_rename")
        c1, c2 = st.columns(2)
        try:
            if c1.button(t("intake.f_rename"), key="intake_f_rename_btn"):
                profiles.update_profile(v.engine, v.actor, pick, names[pick]["version"], name=new_name)
                data.invalidate()
                st.rerun()
            if c2.button(t("intake.f_delete"), key="intake_f_delete_btn"):
                profiles.delete_profile(v.engine, v.actor, pick, names[pick]["version"])
                data.invalidate()
                st.rerun()
        except QHError as exc:
            st.error(esc_md(exc.message(v.lang)))
