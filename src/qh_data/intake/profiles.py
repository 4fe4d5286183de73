"""Profiles: a confirmed mapping remembered for a sender and a layout, so next month's file from the same
sender is recognised and imported with one confirmation (issue 16).

- ``fingerprint(tables)``: the layout, from the headings of the figure columns of each sheet, folded, with
  digits written as "#" (next year's "Thực hiện 2025" is the same layout as this year's "Thực hiện 2024")
  and the ignored columns left out (a "Cùng kỳ" column added does not change the layout); the header
  row's position does not count either;
- ``body_of(mapping)``: what is kept: each heading's confirmed meaning, each row name's indicator (or
  "leave out"), the sender's unit and agency;
- ``find_profile``: the profile of (sender, layout); failing that the sender's latest profile (marked
  ``exact=False``: the layout changed, the choices still apply by heading and by name);
- ``apply(mapping, body)``: the choices put on a new proposal.

The writes (save, change, delete; DPI role, audit entries) are ``services.intake_profiles``.
"""

from __future__ import annotations

import hashlib
import json
import re

from sqlalchemy import Engine, bindparam, select

from ..models import IntakeProfile
from ..services.intake_profiles import delete_profile, save_profile, update_profile
from .headings import words_of
from .mapping import Mapping
from .match_rows import name_key

_DIGITS = re.compile(r"\d")

_P = IntakeProfile
PROFILE_COLUMNS = (_P.id, _P.name, _P.sender_key, _P.sender_text, _P.agency_code, _P.unit_code, _P.fingerprint,
                   _P.mapping, _P.updated_at, _P.version)
BY_LAYOUT = select(*PROFILE_COLUMNS).where(_P.sender_key == bindparam("sender"),
                                           _P.fingerprint == bindparam("fingerprint"))
BY_SENDER = select(*PROFILE_COLUMNS).where(_P.sender_key == bindparam("sender")).order_by(
    _P.updated_at.desc(), _P.id.desc()).limit(1)
BY_NAME = select(*PROFILE_COLUMNS).where(_P.name == bindparam("name"))
ALL = select(*PROFILE_COLUMNS).order_by(_P.name)


def heading_key(text: str) -> str:
    return " ".join(words_of(text))


def pattern(text: str) -> str:
    return _DIGITS.sub("#", heading_key(text))


def fingerprint(sheets) -> str:
    """The layout of a workbook: per sheet (a list of (heading, role) of its columns), the figure columns'
    heading patterns in order."""
    parts = []
    for columns in sheets:
        parts.append("|".join(pattern(heading) for heading, role in columns if role in ("value", "unknown")))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def body_of(mapping: Mapping) -> dict:
    columns, rows = {}, {}
    for s in mapping.sheets:
        for c in s.columns:
            columns[heading_key(c.heading)] = {"role": c.role, "period": c.period, "kind": c.kind}
        for r in s.rows:
            if r.code is not None or r.source in ("user", "profile"):
                rows[name_key(r.name)] = r.code
    return {"columns": columns, "rows": rows, "unit_code": mapping.unit_code, "agency_code": mapping.agency_code}


def _record(row) -> dict:
    d = dict(row)
    d["body"] = json.loads(d.pop("mapping") or "{}")
    return d


def find_profile(engine: Engine, sender_key: str, fp: str) -> dict | None:
    """The profile for this sender and layout (``exact``), else the sender's latest one, else None."""
    with engine.connect() as c:
        row = c.execute(BY_LAYOUT, {"sender": sender_key, "fingerprint": fp}).mappings().first()
        if row is not None:
            return {**_record(row), "exact": True}
        row = c.execute(BY_SENDER, {"sender": sender_key}).mappings().first()
    return {**_record(row), "exact": False} if row is not None else None


def profile_named(engine: Engine, name: str) -> dict | None:
    with engine.connect() as c:
        row = c.execute(BY_NAME, {"name": name}).mappings().first()
    return _record(row) if row is not None else None


def list_profiles(engine: Engine) -> list[dict]:
    """Every profile, by name: id, name, sender, agency, unit, rows and columns remembered, version."""
    with engine.connect() as c:
        out = []
        for row in c.execute(ALL).mappings():
            rec = _record(row)
            body = rec.pop("body")
            out.append({**rec, "rows": len(body.get("rows", {})), "columns": len(body.get("columns", {}))})
        return out


def apply(mapping: Mapping, profile: dict) -> None:
    """Put a profile's choices on a proposal: headings it knows, and the sender's unit and agency when the
    file's heading does not name one (a file that names another sender keeps it: ``foreign.propose`` warns).
    (Row names go through the matcher's ``known`` table, see ``foreign.propose``.)"""
    body = profile["body"]
    columns = body.get("columns", {})
    patterns = {pattern(k): v for k, v in columns.items() if v.get("role") == "ignored"}
    for s in mapping.sheets:
        for c in s.columns:
            known = columns.get(heading_key(c.heading))
            if known is None and pattern(c.heading) in patterns:
                known = patterns[pattern(c.heading)]
            if known is not None and known.get("role") in ("value", "ignored"):
                c.role, c.period, c.kind, c.source = known["role"], known.get("period"), known.get("kind"), "profile"
    if body.get("unit_code") and not mapping.unit_code:  # the file's own heading wins over the profile's
        mapping.unit_code = body["unit_code"]
        mapping.agency_code = body.get("agency_code") or mapping.agency_code
    mapping.profile = {"id": profile["id"], "name": profile["name"], "version": profile["version"],
                       "exact": profile.get("exact", True)}


__all__ = ["apply", "body_of", "delete_profile", "find_profile", "fingerprint", "list_profiles", "profile_named",
           "save_profile", "update_profile"]
