"""Việc của cơ quan đã giải thể / sáp nhập (issue 15, point 2): the flag everyone sees on the task register,
and for the DPI role, behind a switch, the worklist with the reassignment form (``services.reassignment.reassign``): pick one
or more rows, the agency (or the communes of an abolished district) that takes them, save."""

from __future__ import annotations

import streamlit as st

from dashboard import data, fmt
from dashboard.i18n import t
from dashboard.safe_text import md, plain
from qh_data import permissions
from qh_data.errors import QHError
from qh_data.services.reassignment import Reassignment, reassign


def render(ctx, actor) -> bool:
    """The flag (nothing when no open work of a ceased agency is left in the province on the day); for the
    DPI role a switch that shows the worklist instead of the register. True when the worklist was drawn."""
    f, lang = ctx.filters, ctx.lang
    counts = data.q("ceased_counts", province=f.province, as_of=ctx.today)
    if not counts["total"]:
        return False
    st.warning(t("tasks.ceased_flag", tasks=fmt.number(counts["tasks"], lang=lang),
                 issues=fmt.number(counts["issues"], lang=lang)), icon=":material/move_up:")
    if not permissions.allowed(actor, "agencies.reassign") or not st.toggle(t("tasks.ceased_title"),
                                                                          key="ceased_show"):
        return False
    _worklist(ctx, actor)
    return True


def _worklist(ctx, actor) -> None:
    f, lang = ctx.filters, ctx.lang
    rows = data.q("ceased_worklist", province=f.province, as_of=ctx.today)
    view = rows.assign(
        kind_word=rows["kind"].map(lambda k: t(f"tasks.ceased_kind_{k}")),
        ended=rows["agency_valid_to"].map(lambda d: fmt.date(d, lang)),
        due=rows["due_on"].map(lambda d: fmt.date(d, lang) if d is not None and d == d else ""),
        takes_over=[", ".join(names) if names else (text or "") for names, text
                    in zip(rows["successor_names"], rows["successor_text"], strict=True)],
    )
    event = st.dataframe(
        view[["kind_word", "code", "title", "agency_name", "ended", "takes_over", "due"]].map(plain),
        hide_index=True, width="stretch", on_select="rerun", selection_mode="multi-row", key="ceased_table",
        column_config={
            "kind_word": t("tasks.ceased_col_kind"), "code": t("tasks.col_code"),
            "title": st.column_config.TextColumn(t("tasks.col_title"), width="large"),
            "agency_name": t("tasks.ceased_col_agency"), "ended": t("tasks.ceased_col_ended"),
            "takes_over": t("tasks.ceased_col_successor"), "due": t("tasks.col_due"),
        },
    )
    picked = event.selection.rows if event and event.selection else []
    if not picked:
        st.caption(t("tasks.ceased_hint"))
        return
    chosen = rows.iloc[picked]
    agencies = data.q("agencies_in_force", province=f.province, as_of=ctx.today)
    names = dict(zip(agencies["code"], agencies["name"], strict=True))
    suggested = [c for c in dict.fromkeys(code for found in chosen["successors"] for code in found) if c in names]
    with st.form("ceased_reassign"):
        targets = st.multiselect(t("tasks.ceased_to"), list(names), default=suggested[:1],
                                 format_func=lambda c: plain(names[c]), placeholder=t("tasks.ceased_to_hint"))
        note = st.text_input(t("tasks.note"), max_chars=2000)
        if st.form_submit_button(t("tasks.ceased_save", n=fmt.number(len(chosen), lang=lang)), type="primary"):
            items = [Reassignment(r.kind, int(r.id), int(r.version), tuple(targets)) for r in chosen.itertuples()]
            try:
                reassign(data.engine(), actor, items, note=note or None)
            except QHError as exc:
                st.error(md(exc.message(lang)))
            else:
                data.invalidate()
                st.toast(t("tasks.ceased_saved", n=fmt.number(len(items), lang=lang)), icon=":material/check_circle:")
                st.rerun()
