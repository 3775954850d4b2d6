"""Plots as metadata: PNGs embedded in markdown so the Dagster UI shows them with the run."""

from __future__ import annotations

import base64
import io

import dagster as dg
import numpy as np

LABELS = ["0 Irrelevant", "1 Poor", "2 Fair", "3 Good", "4 Excellent"]


def _png(fig) -> dg.MetadataValue:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    encoded = base64.b64encode(buffer.getvalue()).decode()
    return dg.MetadataValue.md(f"![plot](data:image/png;base64,{encoded})")


def smooth(values: list[float], window: int = 10) -> list[float]:
    """A moving average for loss curves (the raw values when there are fewer than `window`)."""
    if len(values) < window:
        return values
    return list(np.convolve(values, np.ones(window) / window, mode="valid"))


def _figure(size: tuple[float, float]):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=size)


def confusion_plot(matrix: np.ndarray, title: str) -> dg.MetadataValue:
    fig, ax = _figure((4.8, 4.2))
    ax.imshow(matrix, cmap="Blues")
    for (i, j), value in np.ndenumerate(matrix):
        ax.text(j, i, str(value), ha="center", va="center", color="black" if value < matrix.max() / 2 else "white")
    ax.set_xticks(range(5), [label.split()[0] for label in LABELS])
    ax.set_yticks(range(5), LABELS)
    ax.set_xlabel("predicted grade")
    ax.set_ylabel("golden grade")
    ax.set_title(title, fontsize=9)
    return _png(fig)


def line_plot(series: dict[str, list[float]], title: str, xlabel: str, ylabel: str) -> dg.MetadataValue:
    return scatter_lines({name: (list(range(1, len(v) + 1)), v) for name, v in series.items()}, title, xlabel, ylabel,
                         markers=False)


def scatter_lines(series: dict[str, tuple[list[float], list[float]]], title: str, xlabel: str, ylabel: str,
                  diagonal: bool = False, markers: bool = True) -> dg.MetadataValue:
    """One line per series through (x, y) points; `diagonal` draws y = x (a calibration reference)."""
    fig, ax = _figure((5.5, 3.2))
    for name, (x, y) in series.items():
        ax.plot(x, y, marker="o" if markers else None, markersize=3, label=name)
    if diagonal:
        top = max(max(max(x), max(y)) for x, y in series.values())
        ax.plot([0, top], [0, top], linestyle="--", color="grey", linewidth=0.8, label="perfect calibration")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    if len(series) > 1 or diagonal:
        ax.legend(fontsize=8)
    return _png(fig)
