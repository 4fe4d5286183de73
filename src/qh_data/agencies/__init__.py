"""Agencies over time (issue 15; docs/agencies-over-time.md): the succession file layout
(``succession_csv``) and its load into the store (``store``). Reads are in ``queries.agencies``; the
reassignment of a ceased agency's open work in ``services.reassignment``."""
