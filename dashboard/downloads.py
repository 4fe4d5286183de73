"""Download payloads for pages; spreadsheet formulas are neutralised by qh_data.export."""

from __future__ import annotations

import pandas as pd

from qh_data import export


def xlsx(df: pd.DataFrame, sheet: str) -> bytes:
    return export.dataframe_to_xlsx_bytes(df, sheet)


def csv(df: pd.DataFrame) -> bytes:
    return export.dataframe_to_csv_bytes(df)
