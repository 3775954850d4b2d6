"""Metadata helpers shared by assets: previews and tables a person would rather look at than read."""

from __future__ import annotations

from collections.abc import Iterable

import dagster as dg
import pandas as pd


def preview(frame: pd.DataFrame, rows: int = 8, columns: Iterable[str] | None = None, width: int = 60) -> dg.MetadataValue:
    shown = frame[list(columns)] if columns is not None else frame
    shown = shown.head(rows).copy()
    for col in shown.columns:
        shown[col] = shown[col].map(lambda v: _cell(v, width))
    return dg.MetadataValue.md(shown.to_markdown(index=False) if len(shown) else "_empty_")


def _cell(value: object, width: int) -> str:
    if isinstance(value, (list, tuple)):
        value = ", ".join(map(str, value))
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    text = text.replace("\n", " ").replace("|", "/")
    return text if len(text) <= width else text[: width - 1] + "…"


def md_table(frame: pd.DataFrame) -> dg.MetadataValue:
    return dg.MetadataValue.md(frame.to_markdown(index=False) if len(frame) else "_empty_")


def share(mask: pd.Series) -> float:
    return round(float(mask.mean()), 4) if len(mask) else 0.0
