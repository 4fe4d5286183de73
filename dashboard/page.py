"""What every page starts with: the filters, the title, the filters written out, the footer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from qh_data import clock
from qh_data.rules.end_of_day import moment

from . import components, data, fmt, state
from .i18n import current_lang, t


@dataclass
class PageContext:
    name: str
    filters: state.Filters
    lang: str

    @property
    def today(self) -> dt.date:
        return self.filters.as_of or clock.today()

    @property
    def as_of_dt(self) -> dt.datetime | None:
        """The last instant of the chosen day (``qh_data.rules.end_of_day``), or None for "now"
        (current figures)."""
        return moment(self.filters.as_of)

    def task_scope(self) -> dict:
        f = self.filters
        return {"province": f.province, "districts": f.districts or None, "agency": f.agency,
                "as_of": self.today}

    def filter_units(self) -> list[dict]:
        """The units the sidebar's unit filter offers on the as-of day (districts before 1/7/2025, communes
        from then): [{code, name, type, level}]; ``filters.districts`` holds codes of these."""
        return data.q("filter_units", province=self.filters.province, day=self.today)

    def province_name(self) -> str:
        return next((p["name"] for p in data.q("provinces") if p["code"] == self.filters.province),
                    self.filters.province)

    def filters_parts(self) -> list[str]:
        f = self.filters
        parts = [t("common.filters_line_province", name=self.province_name()),
                 t("common.filters_line_as_of", date=fmt.date(self.today, self.lang))]
        if f.districts:
            rows = self.filter_units()
            names = {u["code"]: u["name"] for u in rows}
            key = "common.filters_line_communes" if rows and rows[0]["level"] == "commune" else \
                "common.filters_line_districts"
            parts.append(t(key, names=", ".join(names.get(c, c) for c in f.districts)))
        if f.agency:
            names = {a["code"]: a["name"] for a in data.q("agencies", province=f.province)}
            parts.append(t("common.filters_line_agency", name=names.get(f.agency, f.agency)))
        return parts

    def footer(self) -> None:
        components.demo_note()


def context(name: str, *, title: bool = True) -> PageContext:
    ctx = PageContext(name=name, filters=state.current(), lang=current_lang())
    if title:
        st.title(t(f"{name}.title"))
        components.filters_line(ctx.filters_parts())
    return ctx
