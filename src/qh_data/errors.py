"""Errors a user may see: each carries one clear sentence in Vietnamese and in English."""

from __future__ import annotations


class QHError(Exception):
    """Base of every error meant for a person, not a traceback."""

    def __init__(self, message_vi: str, message_en: str | None = None):
        super().__init__(message_vi)
        self.message_vi = message_vi
        self.message_en = message_en or message_vi

    def message(self, lang: str = "vi") -> str:
        return self.message_en if lang == "en" else self.message_vi


class ConfigError(QHError):
    """A setting is wrong (database URL, a missing data file)."""


class DatabaseUnavailable(QHError):
    """The database cannot be reached right now."""


class PermissionDenied(QHError):
    """The acting user may not do this."""


class StaleEdit(QHError):
    """Someone else changed the record since it was read."""

    def __init__(self, message_vi: str, message_en: str, *, changed_by: str | None = None,
                 changed_at=None, current_version: int | None = None):
        super().__init__(message_vi, message_en)
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.current_version = current_version


class ValidationFailed(QHError):
    """Input that cannot be accepted; nothing was written."""


class NotFound(QHError):
    """The record asked for does not exist."""
