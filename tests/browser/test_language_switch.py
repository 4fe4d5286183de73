"""The language switch in a real browser: a click on the language already chosen changes nothing."""

from __future__ import annotations


def _click_language(qp, label: str) -> None:
    qp.page.locator('[data-testid="stSidebar"] [data-testid="stButtonGroup"] button', has_text=label).click()
    qp.wait_idle()


def test_clicking_the_chosen_language_again_keeps_it(page_at, app_server):
    qp = page_at("projector_1080", app_server.url)
    qp.open("progress", p="20")
    title = qp.page.locator('[data-testid="stMain"] h1').first.inner_text()
    _click_language(qp, "Tiếng Việt")  # already chosen: a second click used to clear it and crash
    assert qp.exceptions() == [], qp.exceptions()
    assert qp.page.locator('[data-testid="stMain"] h1').first.inner_text() == title
    _click_language(qp, "English")
    assert qp.exceptions() == []
    english = qp.page.locator('[data-testid="stMain"] h1').first.inner_text()
    assert english != title
    _click_language(qp, "English")
    assert qp.exceptions() == [], qp.exceptions()
    assert qp.page.locator('[data-testid="stMain"] h1').first.inner_text() == english
    assert qp.page_errors == [] and qp.dialogs == []
