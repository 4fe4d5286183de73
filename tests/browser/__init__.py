"""Browser tests (see conftest.py for the fixtures)."""
