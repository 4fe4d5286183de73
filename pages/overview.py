"""Tổng quan — the chair's overview: big figures, completion by agency, most overdue, changes."""

from dashboard import page
from dashboard.views import overview

ctx = page.context("overview")
overview.render(ctx)
ctx.footer()
