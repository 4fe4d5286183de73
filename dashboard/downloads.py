"""Download payloads for pages; spreadsheet formulas are neutralised by qh_data.export."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from qh_data import export


def xlsx(df: pd.DataFrame, sheet: str) -> bytes:
    return export.dataframe_to_xlsx_bytes(df, sheet)


def csv(df: pd.DataFrame) -> bytes:
    return export.dataframe_to_csv_bytes(df)


# Streamlit builds a callable's payload only when the button is clicked, not on every rerun: a page's
# Excel workbook (openpyxl) costs more than the rest of the page at national scale.
def xlsx_on_click(df: pd.DataFrame, sheet: str) -> Callable[[], bytes]:
    return lambda: xlsx(df, sheet)


def csv_on_click(df: pd.DataFrame) -> Callable[[], bytes]:
    return lambda: csv(df)
