"""The publication style: a shipped style sheet applied temporarily, and figure sizes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from textlab._errors import bad_value

__all__ = ["SINGLE_COLUMN", "FULL_WIDTH", "MIN_FONT_SIZE", "STYLE_PATH", "style", "figure"]

#: Width of a single journal column, inches.
SINGLE_COLUMN = 3.5
#: Width of a full page (two columns), inches.
FULL_WIDTH = 7.2
#: Smallest font size used anywhere, points at print size.
MIN_FONT_SIZE = 7.0
#: The style sheet shipped with textlab.
STYLE_PATH = Path(__file__).with_name("textlab.mplstyle")

_WIDTHS = {"single": SINGLE_COLUMN, "full": FULL_WIDTH}


@contextlib.contextmanager
def style(**overrides: Any) -> Iterator[None]:
    """Apply the textlab style sheet inside a ``with`` block only.

    Parameters
    ----------
    **overrides
        rcParams to change on top of the sheet, dots written as usual
        (pass a dict: ``style(**{"font.size": 9})``).

    Examples
    --------
    >>> import matplotlib as mpl
    >>> with style():
    ...     mpl.rcParams["pdf.fonttype"]
    42
    """
    with plt.style.context(str(STYLE_PATH)), mpl.rc_context(overrides):
        yield


def figure(
    width: str | float = "single",
    height: float | None = None,
    *,
    nrows: int = 1,
    ncols: int = 1,
    **subplot_kw: Any,
) -> tuple[Figure, Axes | Any]:
    """Create a figure at print size in the textlab style.

    Parameters
    ----------
    width
        ``"single"`` (3.5 in), ``"full"`` (7.2 in) or a width in inches.
    height
        Height in inches; default 0.75 x width for one panel, capped at 9 in.
    nrows, ncols
        Grid of axes, as :func:`matplotlib.pyplot.subplots`.
    **subplot_kw
        Passed to :func:`matplotlib.pyplot.subplots` (``sharex=True`` ...).

    Returns
    -------
    (Figure, Axes or array of Axes)

    Examples
    --------
    >>> fig, ax = figure("single", 2.0)
    >>> fig.get_size_inches().tolist()
    [3.5, 2.0]
    """
    if isinstance(width, str):
        if width not in _WIDTHS:
            raise bad_value("width", width, '"single", "full" or a number of inches')
        width_in = _WIDTHS[width]
    else:
        width_in = float(width)
        if not 0 < width_in <= 20:
            raise bad_value("width", width, "a width in inches between 0 and 20")
    height_in = float(height) if height is not None else min(0.75 * width_in, 9.0)
    with style():
        fig, axes = plt.subplots(nrows, ncols, figsize=(width_in, height_in), squeeze=True, **subplot_kw)
    return fig, axes


def new_axes(ax: Axes | None, width: str | float, height: float) -> Axes:
    """Return ``ax`` or a new single-panel figure's axes (internal)."""
    if ax is not None:
        return ax
    return figure(width, height)[1]


def finish_ticks(ax: Axes) -> None:
    """Fix tick label sizes on ``ax`` from the style so later redraws keep them (internal)."""
    ax.tick_params(axis="x", labelsize=mpl.rcParams["xtick.labelsize"])
    ax.tick_params(axis="y", labelsize=mpl.rcParams["ytick.labelsize"])
