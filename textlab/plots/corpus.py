"""Corpus overview: words per document before and after cleaning, by group."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from textlab._errors import ConfigError
from textlab.plots._colors import resolve_colors
from textlab.plots._common import require_columns, shorten
from textlab.plots._style import finish_ticks, new_axes, style

__all__ = ["corpus_overview_table", "plot_corpus_overview"]


def corpus_overview_table(docs: pd.DataFrame, *, group_column: str, title_column: str | None = "title") -> pd.DataFrame:
    """Build the per-document table drawn by :func:`plot_corpus_overview`.

    Parameters
    ----------
    docs
        Cleaned documents (``CleanResult.corpus.docs``): index ``doc_id``,
        columns ``n_words_raw``, ``n_words_clean`` and ``group_column``.
    group_column
        Metadata column holding the group (e.g. ``"outlet"``).
    title_column
        Optional column with document titles (skipped if absent).

    Returns
    -------
    DataFrame
        ``doc_id, group, n_words_raw, n_words_clean, n_words_removed,
        share_removed[, title]`` ordered by group then ``doc_id``.

    Examples
    --------
    >>> docs = pd.DataFrame({"n_words_raw": [10, 8], "n_words_clean": [5, 8], "g": ["a", "b"]},
    ...                     index=pd.Index(["d1", "d2"], name="doc_id"))
    >>> corpus_overview_table(docs, group_column="g")["share_removed"].tolist()
    [0.5, 0.0]
    """
    if group_column not in docs.columns:
        raise ConfigError(f"group_column={group_column!r} is not a column of docs; columns are {list(docs.columns)}")
    table = pd.DataFrame(
        {
            "doc_id": docs.index.astype(str) if "doc_id" not in docs.columns else docs["doc_id"].astype(str),
            "group": docs[group_column].astype(str).to_numpy(),
            "n_words_raw": docs["n_words_raw"].to_numpy(dtype=np.int64),
            "n_words_clean": docs["n_words_clean"].to_numpy(dtype=np.int64),
        }
    )
    table["n_words_removed"] = table["n_words_raw"] - table["n_words_clean"]
    raw = table["n_words_raw"]
    table["share_removed"] = np.where(raw > 0, table["n_words_removed"] / raw.clip(lower=1), 0.0)
    if title_column and title_column in docs.columns:
        table["title"] = docs[title_column].astype(str).to_numpy()
    return table.sort_values(["group", "doc_id"], kind="stable").reset_index(drop=True)


def plot_corpus_overview(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    colors: Mapping[str, str] | None = None,
    title_width: int = 0,
    max_documents: int = 40,
) -> Axes:
    """Horizontal bars of words per document: kept (group colour) and removed by cleaning (hatched).

    Each document is one row, in the order of ``table`` (use
    :func:`corpus_overview_table` to order by group). The full bar is the
    raw length; its solid part the words kept, the hatched rest the words
    removed, with the share removed printed at the end of the bar.

    Parameters
    ----------
    table
        ``doc_id, group, n_words_raw, n_words_clean`` (optional ``title``).
    ax
        Axes to draw on; default a new single-column figure.
    colors
        ``{group: colour}``; default :func:`group_colors`.
    title_width
        With a ``title`` column, tick labels are ``doc_id`` plus the title cut
        to this many characters; 0 (default) shows ``doc_id`` only (titles
        belong in the caption of a single-column figure).
    max_documents
        With more documents than this, one bar per document is unreadable:
        each group gets two box plots instead (words before cleaning,
        hatched; after cleaning, filled; log scale) with the share of words
        removed from the group written beside them.

    Returns
    -------
    Axes

    Examples
    --------
    >>> t = pd.DataFrame({"doc_id": ["1", "2"], "group": ["outlet-b", "mixed"],
    ...                   "n_words_raw": [100, 50], "n_words_clean": [90, 50]})
    >>> ax = plot_corpus_overview(t)
    >>> len(ax.patches)
    4
    """
    require_columns(table, ["doc_id", "group", "n_words_raw", "n_words_clean"], "table")
    groups = table["group"].astype(str)
    colors = resolve_colors(sorted(groups.unique()), colors)
    n = len(table)
    if n > max_documents:
        return _plot_overview_distribution(table, ax=ax, colors=colors)
    with style():
        ax = new_axes(ax, "single", 0.9 + 0.28 * n)
        y = np.arange(n)[::-1]
        raw = table["n_words_raw"].to_numpy(dtype=float)
        clean = table["n_words_clean"].to_numpy(dtype=float)
        bar_colors = [colors[g] for g in groups]
        ax.barh(y, raw, height=0.7, color="white", edgecolor=bar_colors, hatch="/////", linewidth=0.6)
        ax.barh(y, clean, height=0.7, color=bar_colors, edgecolor=bar_colors, linewidth=0.6)
        for yi, r, c in zip(y, raw, clean, strict=True):
            share = 0.0 if r <= 0 else (r - c) / r
            label = f" \u2212{share:.0%}" if share > 0 else " 0%"
            ax.text(r, yi, label, va="center", ha="left", fontsize=7, clip_on=False)
        if title_width > 0 and "title" in table.columns:
            labels = [f"{d} {shorten(t, title_width)}" for d, t in zip(table["doc_id"], table["title"], strict=True)]
        else:
            labels = table["doc_id"].astype(str).tolist()
        ax.set_yticks(y, labels)
        ax.set_xlim(0, raw.max() * 1.22 if raw.max() > 0 else 1)
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlabel("Words per document")
        ax.set_ylabel("Document")
        handles = [Patch(facecolor=colors[g], edgecolor=colors[g], label=f"{g}: kept") for g in colors]
        handles.append(Patch(facecolor="white", edgecolor="#555555", hatch="/////", label="removed in cleaning"))
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2, fontsize=7)
        finish_ticks(ax)
    return ax


def _plot_overview_distribution(table: pd.DataFrame, *, ax: Axes | None, colors: dict[str, str]) -> Axes:
    """Box plots of words per document before/after cleaning, one pair per group (large corpora)."""
    groups = list(colors)
    with style():
        ax = new_axes(ax, "single", 0.9 + 0.45 * len(groups))
        ticks = []
        for i, g in enumerate(groups):
            rows = table[table["group"].astype(str) == g]
            raw = rows["n_words_raw"].to_numpy(dtype=float)
            clean = rows["n_words_clean"].to_numpy(dtype=float)
            base = len(groups) - 1 - i
            for values, offset, filled in ((raw, 0.18, False), (clean, -0.18, True)):
                ax.boxplot(
                    np.clip(values, 1, None), positions=[base + offset], widths=0.3, orientation="horizontal",
                    patch_artist=True, showfliers=False, manage_ticks=False,
                    boxprops={"facecolor": colors[g] if filled else "white", "edgecolor": colors[g],
                              "hatch": None if filled else "/////", "linewidth": 0.6},
                    medianprops={"color": "white" if filled else colors[g], "linewidth": 1.0},
                    whiskerprops={"color": colors[g], "linewidth": 0.6},
                    capprops={"color": colors[g], "linewidth": 0.6},
                )
            share = 1 - clean.sum() / raw.sum() if raw.sum() > 0 else 0.0
            ax.text(1.0, base, f" \u2212{share:.0%}", transform=ax.get_yaxis_transform(), va="center", ha="left",
                    fontsize=7, clip_on=False)
            ticks.append((base, f"{g} (n={len(rows)})"))
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_yticks([t for t, _ in ticks], [label for _, label in ticks])
        ax.set_ylim(-0.6, len(groups) - 0.4)
        ax.set_xlabel("Words per document (log scale)")
        handles = [Patch(facecolor="white", edgecolor="#555555", hatch="/////", label="before cleaning"),
                   Patch(facecolor="#555555", edgecolor="#555555", label="after cleaning")]
        # anchored at the right edge of the axes: the group names on the left leave room, the figure edge does not
        ax.legend(handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, fontsize=7)
        finish_ticks(ax)
    return ax
