"""The synthetic store for scale tests (``qh demo synth``): see ``store`` for what it holds.

- ``scales``: the sizes (``national``, ``small``), the seed and the source label;
- ``places``: units and the agencies of each province's committee;
- ``figures``: indicators and their figures;
- ``register``: meetings, conclusions, tasks and updates, issues;
- ``bulk``: batched inserts (executemany on SQLite, COPY on PostgreSQL);
- ``store``: ``synth()`` puts them in an empty database in one transaction; ``main`` is the command.
"""

from .scales import SCALES, SEED, SYNTH_SOURCE, Scale
from .store import content_checksum, expected_counts, format_report, main, synth

__all__ = [
    "SCALES",
    "SEED",
    "SYNTH_SOURCE",
    "Scale",
    "content_checksum",
    "expected_counts",
    "format_report",
    "main",
    "synth",
]
