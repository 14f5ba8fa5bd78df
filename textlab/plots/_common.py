"""Small helpers shared by the plot modules (internal)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from textlab._errors import ConfigError


def require_columns(table: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    """Raise if ``table`` is not a DataFrame with ``columns``."""
    if not isinstance(table, pd.DataFrame):
        raise ConfigError(f"{name} must be a pandas DataFrame, got {type(table).__name__}")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ConfigError(
            f"{name} is missing column(s) {missing}; it has {list(table.columns)} and needs {list(columns)}"
        )
    if table.empty:
        raise ConfigError(f"{name} is empty: nothing to draw")


def interval_percent(ci_level: float | None, table: pd.DataFrame | None = None) -> str:
    """``"95%"`` for ``ci_level=0.95``; ``None`` reads ``table.attrs["ci_level"]`` (default 0.95).

    >>> interval_percent(0.9), interval_percent(0.975)
    ('90%', '97.5%')
    """
    if ci_level is None:
        ci_level = (table.attrs.get("ci_level") if table is not None else None) or 0.95
    return f"{float(ci_level) * 100:.10g}%"


def shorten(text: str, width: int = 24) -> str:
    """Cut ``text`` to ``width`` characters with an ellipsis."""
    text = str(text)
    return text if len(text) <= width else text[: width - 1].rstrip() + "\u2026"


def topic_names(topics: Sequence[int], labels: Mapping[int, str] | None, width: int = 28) -> list[str]:
    """``"Topic 3"`` or ``"3: label"`` for each topic number."""
    out = []
    for t in topics:
        if labels and t in labels and str(labels[t]).strip():
            out.append(shorten(f"{t}: {labels[t]}", width))
        else:
            out.append(f"Topic {t}")
    return out


def group_legend(ax: Axes, colors: Mapping[str, str], *, marker: str = "o", title: str | None = None, **kw) -> None:
    """Legend with one entry per group in the order of ``colors``."""
    handles = [
        Line2D([], [], marker=marker, linestyle="none", color=c, markersize=5, label=g) for g, c in colors.items()
    ]
    ax.legend(handles=handles, title=title, **kw)


def dot_interval(
    ax: Axes,
    table: pd.DataFrame,
    *,
    category: str,
    category_labels: Sequence[str],
    categories: Sequence,
    colors: Mapping[str, str],
    dodge: float = 0.6,
) -> None:
    """Points (``mean``) with horizontal intervals (``ci_low``-``ci_high``), one row per category,
    groups dodged vertically in the order of ``colors``; first category at the top."""
    groups = list(colors)
    n_groups = len(groups)
    offsets = np.linspace(-dodge / 2, dodge / 2, n_groups) if n_groups > 1 else np.zeros(1)
    pos = {c: len(categories) - 1 - i for i, c in enumerate(categories)}
    for j, g in enumerate(groups):
        rows = table[table["group"].astype(str) == g]
        if rows.empty:
            continue
        y = rows[category].map(pos).to_numpy(dtype=float) - offsets[j]
        x = rows["mean"].to_numpy(dtype=float)
        lo = x - rows["ci_low"].to_numpy(dtype=float)
        hi = rows["ci_high"].to_numpy(dtype=float) - x
        ax.errorbar(
            x, y, xerr=np.vstack([lo, hi]), fmt="o", color=colors[g], ecolor=colors[g],
            elinewidth=1.0, capsize=0, markersize=3.5, label=g,
        )
    ax.set_yticks([pos[c] for c in categories], list(category_labels))
    ax.set_ylim(-0.7, len(categories) - 0.3)
    for k in range(len(categories) - 1):
        ax.axhline(k + 0.5, color="#EEEEEE", linewidth=0.5, zorder=0)
    ax.set_xlim(left=min(0.0, ax.get_xlim()[0]))
