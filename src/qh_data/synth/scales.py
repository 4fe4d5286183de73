"""The sizes of the synthetic store (``qh demo synth --scale``), its seed and the source of its rows."""

from __future__ import annotations

from dataclasses import dataclass

SEED = 20250701
SYNTH_SOURCE = "Dữ liệu tổng hợp cho kiểm thử quy mô (synthetic)"


@dataclass(frozen=True)
class Scale:
    provinces: tuple[str, ...] | None  # None: every province of the boundary file
    indicators: int
    tasks: int
    issues: int
    meetings: int


SCALES = {
    "national": Scale(None, 200, 10_000, 3_000, 150),
    # every unit of the national store, few indicators and records: the tests' view of the whole country
    "national-lite": Scale(None, 1, 200, 60, 40),
    # Lạng Sơn and Thái Nguyên (so the demo accounts' agencies exist) and Bắc Kạn
    "small": Scale(("06", "19", "20"), 12, 150, 40, 8),
}
