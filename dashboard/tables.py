"""Shaping query results into the tables pages show and export (no Streamlit here)."""

from __future__ import annotations

import pandas as pd

from qh_data.queries.succession import display_name

from . import fmt
from .components_text import esc_md
from .i18n import translate


def progress_table(counts: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({
        "agency": counts["agency_name"],
        "assigned": counts["assigned"],
        "done": counts["done"],
        "done_late": counts["done_late"],
        "in_progress": counts["in_progress"],
        "overdue": counts["overdue"],
        "share_on_time": (counts["share_done_on_time"] * 100).round(1),
        "avg_days_late": counts["avg_days_late"].round(1),
    })
    return out.sort_values(["overdue", "assigned"], ascending=[False, False]).reset_index(drop=True)


def progress_export(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    headers = {c: translate(f"progress.col_{c}", lang) for c in table.columns}
    return table.rename(columns=headers)


def lead_names(tasks: pd.DataFrame, holders: pd.DataFrame, lang: str) -> list[str]:
    """Each task's lead as shown (``holder_names``)."""
    return holder_names(tasks["lead_agency_code"], tasks["lead_short_name"], holders, lang)


def holder_names(codes, shorts, holders: pd.DataFrame, lang: str) -> list[str]:
    """The agencies as shown beside their work: the one answering for it on the day, with the former
    agency's short name when that is another one ("Sở Tài chính (trước đây: Sở KH&ĐT)"); ``holders`` is
    ``queries.holders`` indexed by code."""
    out = []
    for code, short in zip(codes, shorts, strict=True):
        if code in holders.index and holders.at[code, "holder_code"] != code:
            out.append(display_name(holders.at[code, "holder_short_name"], [short],
                                    lambda key, **values: translate(key, lang, **values)))
        else:
            out.append(short)
    return out


def task_summary_md(row, lang: str) -> str:
    """Markdown for a task's detail; every value from the data is escaped for markdown and HTML."""
    lines = [
        (translate("tasks.field_lead", lang), row.lead_name),
        (translate("tasks.field_supporting", lang), row.supporting or "–"),
        (translate("tasks.field_units", lang), row.units or "–"),
        (translate("tasks.field_due", lang), fmt.date(row.due_on, lang)),
        (translate("tasks.field_status", lang), translate(f"status.task.{row.status}", lang)),
        (translate("tasks.field_percent", lang), fmt.percent(row.percent_done, 0, lang)),
        (translate("tasks.field_source", lang), row.source_document or "–"),
    ]
    return "  \n".join(f"**{esc_md(k)}:** {esc_md(v)}" for k, v in lines)


def history_table(history: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        translate("tasks.hist_at", lang): history["at"].map(lambda v: fmt.datetime(v, lang)),
        translate("tasks.hist_user", lang): history["user_name"].fillna("–"),
        translate("tasks.hist_status", lang): history["status"].map(
            lambda s: translate(f"status.task.{s}", lang)),
        translate("tasks.hist_percent", lang): history["percent_done"],
        translate("tasks.hist_note", lang): history["note"].fillna(""),
    })
