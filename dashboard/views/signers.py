"""The administrator's form for who signs the province's documents (services.signers.set_signer)."""

from __future__ import annotations

import streamlit as st

from dashboard.components_text import esc_md
from dashboard.i18n import t
from qh_data.errors import QHError
from qh_data.models import SIGNED_DOCUMENTS
from qh_data.reports.common import signer_settings
from qh_data.reports.conclusions_notice import OFFICE_SIGNATURE
from qh_data.reports.meeting_pack import PACK_SIGNATURE
from qh_data.services.signers import SignerDraft, set_signer

DEFAULTS = {"notice": OFFICE_SIGNATURE, "pack": PACK_SIGNATURE}
FIELDS = ("authority", "deputy", "title", "name")


def render(engine, actor, province: str, lang: str, done) -> None:
    """One form per document kind; blank fields print the usual lines, a blank name prints "………"."""
    st.caption(t("users.signers_intro"))
    stored = signer_settings(engine, province)
    for document in SIGNED_DOCUMENTS:
        row = stored.get(document, {})
        default = DEFAULTS[document]
        with st.form(f"signer_{document}"):
            st.markdown(f"**{t(f'users.signer_{document}')}**")
            c1, c2 = st.columns(2)
            values = {}
            for i, field in enumerate(FIELDS):
                values[field] = (c1 if i % 2 == 0 else c2).text_input(
                    t(f"users.signer_{field}"),
                    value=row.get(field) or "",
                    placeholder=getattr(default, field) or "………",
                    max_chars=120,
                )
            if st.form_submit_button(t("users.signer_save")):
                try:
                    set_signer(
                        engine,
                        actor,
                        province=province,
                        document=document,
                        draft=SignerDraft(**values),
                        expected_version=row.get("version"),
                    )
                except QHError as exc:
                    st.error(esc_md(exc.message(lang)))
                else:
                    done(t("users.signer_saved"))
