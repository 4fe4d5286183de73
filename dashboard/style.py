"""The app's CSS: big figures, badges, presentation mode and touch-friendly sizes."""

from __future__ import annotations

import streamlit as st

LANG_KEY = "qh_document_lang"  # the container of the script that sets <html lang>, hidden
BASE_CSS = """
<style>
.st-key-qh_document_lang {display: none;}
.qh-figure {border-left: 8px solid #0B5394; background: #F1F4F8; border-radius: 6px;
  padding: 0.6rem 0.9rem; margin-bottom: 0.6rem; min-height: 6.2rem;}
.qh-figure-value {font-size: clamp(1.5rem, 2.5vw, 2.6rem); font-weight: 700; line-height: 1.1;
  color: #111827; font-variant-numeric: tabular-nums; white-space: nowrap;}
.qh-figure-label {font-size: clamp(0.9rem, 1.1vw, 1.05rem); color: #374151; line-height: 1.25;
  overflow-wrap: anywhere;}
.qh-badge {display: inline-block; padding: 0.1rem 0.55rem; border-radius: 0.8rem; font-weight: 600;
  font-size: 0.9rem; white-space: nowrap;}
.qh-filters {font-size: 1rem; color: #374151; margin: -0.4rem 0 0.8rem 0;}
.qh-demo {display: inline-block; background: #FFF4CC; color: #5C4400; border: 1px solid #E6C200;
  border-radius: 4px; padding: 0 0.4rem; font-size: 0.85rem; font-weight: 600;}
/* touch targets at least 44 px: buttons, selects and inputs everywhere */
.stButton button, .stDownloadButton button, .stFormSubmitButton button, .stPopover button,
[data-testid="stButtonGroup"] button, .react-aria-ComboBox > [role="group"],
[data-testid="stDateInputField"], [data-testid="stTextInputRootElement"],
[data-testid="stNumberInputContainer"] {min-height: 44px;}
/* ... and on touch screens (or narrow windows) the menu, radios, toggles, tabs and folds too */
@media (pointer: coarse), (max-width: 1100px) {
  [data-testid="stSidebarNavLink"] {min-height: 44px; align-items: center;}
  [data-testid="stRadioOption"], [data-testid="stCheckbox"] label {min-height: 44px; align-items: center;}
  [data-testid="stExpander"] summary {min-height: 44px;}
  button[role="tab"] {min-height: 44px;}
  [data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapseButton"] button,
  [data-testid="stBaseButton-headerNoPadding"] {min-width: 44px; min-height: 44px;}
  /* the (?) of a widget's help: a 44 px target around the 16 px icon, the label line unchanged */
  [data-testid="stTooltipIcon"] button {min-width: 44px; min-height: 44px; margin: -14px -14px -14px 0;
    display: inline-flex; align-items: center; justify-content: center;}
}
/* the header bar (60 px, with the toolbar) stays on top: the title starts below it */
[data-testid="stMainBlockContainer"] {max-width: 100%; padding-top: 4.25rem;}
/* the <style> blocks of this module are drawn as empty elements: no gap for them */
[data-testid="stElementContainer"]:has(> [data-testid="stMarkdown"] style) {display: none;}
@media (max-width: 900px) {
  .st-key-qh_split [data-testid="stHorizontalBlock"] {flex-wrap: wrap;}
  .st-key-qh_split [data-testid="stColumn"] {min-width: 100%; flex: 1 1 100%;}
}
@media (max-width: 1100px) {
  [data-testid="stMainBlockContainer"] {padding-left: 1rem; padding-right: 1rem;}
  .qh-figure {padding: 0.5rem 0.6rem; min-height: 5rem;}
}
</style>
"""

PRESENT_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"] {display: none;}
/* type sized to the picture on the wall: 22 px at 1920 wide, never under 18 px */
html {font-size: clamp(18px, 1.15vw, 30px);}
body, [data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li,
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stTable"] td, [data-testid="stTable"] th, [data-testid="stWidgetLabel"] p {font-size: 1rem;}
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {color: #374151; opacity: 1;}
h1 {font-size: 2.6rem !important; padding-top: 0.6rem !important;}
h2 {font-size: 2rem !important;}
h3 {font-size: 1.6rem !important;}
.qh-figure-value {font-size: clamp(2.2rem, 3.1vw, 3.6rem);}
.qh-figure-label {font-size: 1rem; color: #111827;}
.qh-filters {font-size: 1.15rem; color: #111827; font-weight: 600;}
[data-testid="stMainBlockContainer"] {padding: 0.8rem 2rem 2rem 2rem;}
</style>
"""


def inject(present: bool) -> None:
    st.markdown(BASE_CSS, unsafe_allow_html=True)
    if present:
        st.markdown(PRESENT_CSS, unsafe_allow_html=True)


def document_language(lang: str) -> None:
    """Set ``<html lang>`` to the interface language (WCAG 3.1.1): Streamlit serves ``lang="en"`` and has
    no setting for it. A fixed script, no user text in it; drawn again (and so run again) when the
    language changes."""
    code = "en" if lang == "en" else "vi"
    with st.container(key=LANG_KEY):
        st.html(f'<script>document.documentElement.lang = "{code}";</script>', unsafe_allow_javascript=True)
