"""Cleaning of free text and names: Unicode NFC, no invisible or direction-changing characters.

``clean_text`` is the door for what people write (forms, services, the Excel import, the lineage CSV):
direction controls refused with one sentence. ``inert`` is the same normalisation without the refusal,
for bulk files the project trusts (backup restore, reference CSVs) and for every display of stored text."""

from __future__ import annotations

import re
import unicodedata

from .errors import ValidationFailed

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def inert(value) -> str:
    """Text made harmless without refusing it: NFC, with zero-width, control (but tab and line break)
    and direction-control characters removed; nothing else changes (no trimming, no length limit).

    People's input is refused when it holds direction controls (``clean_text``, one sentence naming the
    field). What arrives in bulk from a file the project trusts (a restored backup, the reference CSVs)
    goes through this instead, and so does stored text at display time (``dashboard.safe_text``, the
    documents, the maps): a text that reached the store some other way can never reorder what a reader sees."""
    text = "" if value is None else str(value)
    return BIDI_CONTROLS.sub("", CONTROL.sub("", nfc(text).translate(ZERO_WIDTH)))


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def clean_text(value: str | None, *, field: str, max_len: int = 2000, required: bool = False) -> str | None:
    """NFC, zero-width characters dropped, surrounding spaces trimmed; bidi overrides refused."""
    if value is None:
        if required:
            raise _required(field)
        return None
    text = nfc(str(value)).translate(ZERO_WIDTH)
    text = CONTROL.sub("", text).strip()
    if BIDI_CONTROLS.search(text):
        raise ValidationFailed(
            f"Trường '{field}' chứa ký tự điều khiển chiều viết (phải-sang-trái); hãy gõ lại nội dung.",
            f"Field '{field}' contains a text-direction control character; please retype it.",
        )
    if required and not text:
        raise _required(field)
    if len(text) > max_len:
        raise ValidationFailed(
            f"Trường '{field}' dài {len(text)} ký tự, vượt quá {max_len} ký tự cho phép.",
            f"Field '{field}' is {len(text)} characters long, more than the {max_len} allowed.",
        )
    return text or None


def _required(field: str) -> ValidationFailed:
    return ValidationFailed(f"Trường '{field}' không được để trống.", f"Field '{field}' must not be empty.")


def fold(value: str) -> str:
    """Lower case without diacritics, for search ("tien do" finds "tiến độ")."""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
