"""Settings, read from the environment. One setting picks the database: QH_DATABASE_URL."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("QH_DATA_DIR", PROJECT_ROOT / "data"))
DEFAULT_SQLITE = DATA_DIR / "qh.sqlite3"


def database_url() -> str:
    url = os.environ.get("QH_DATABASE_URL", "").strip()
    return url or f"sqlite:///{DEFAULT_SQLITE}"


def auth_mode() -> str:
    """none (read-only viewer), password or oidc."""
    return os.environ.get("QH_AUTH", "none").strip().lower() or "none"


def default_province() -> str:
    return os.environ.get("QH_PROVINCE", "20")


def tile_url() -> str | None:
    """Basemap tiles are off unless a tile URL is configured (the app works with no internet)."""
    return os.environ.get("QH_TILE_URL") or None


def idle_minutes() -> int:
    try:
        return int(os.environ.get("QH_IDLE_MINUTES", "30"))
    except ValueError:
        return 30
