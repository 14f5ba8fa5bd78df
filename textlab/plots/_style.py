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

__all__ = ["SINGLE_COLUMN", "FULL_WIDTH", "MIN_FONT_SIZE", "STYLE_PATH", "style", "figure", "check_glyphs"]

#: Width of a single journal column, inches.
SINGLE_COLUMN = 3.5
#: Width of a full page (two columns), inches.
FULL_WIDTH = 7.2
#: Smallest font size used anywhere, points at print size.
MIN_FONT_SIZE = 7.0
#: The style sheet shipped with textlab.
STYLE_PATH = Path(__file__).with_name("textlab.mplstyle")

_WIDTHS = {"single": SINGLE_COLUMN, "full": FULL_WIDTH}
#: Labels come from data (group, frame and term names): a ``$`` is a dollar sign, never matplotlib math
#: (``US$ 5 $ funds`` would lose its dollars, ``$\\frac{$`` would crash). The few labels textlab writes
#: with math ask for it themselves (``parse_math=True``).
_PLAIN_TEXT = {"text.parse_math": False}


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
    with plt.style.context(str(STYLE_PATH)), mpl.rc_context({**_PLAIN_TEXT, **overrides}):
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


# --------------------------------------------------------------------------- glyph coverage

_CHARMAPS: dict[str, set[int]] = {}
_WARNED: set[str] = set()


def _charmap(fontfile: str) -> set[int]:
    if fontfile not in _CHARMAPS:
        from matplotlib.ft2font import FT2Font

        try:
            _CHARMAPS[fontfile] = set(FT2Font(fontfile).get_charmap())
        except (OSError, RuntimeError):
            _CHARMAPS[fontfile] = set()
    return _CHARMAPS[fontfile]


def _covering_family(missing: set[int]) -> str | None:
    """An installed font family that draws every character of ``missing`` (fc-list's fonts, via matplotlib)."""
    from matplotlib import font_manager

    for entry in sorted(font_manager.fontManager.ttflist, key=lambda e: (e.name, e.fname)):
        if entry.name.startswith("Last Resort"):  # matplotlib's own: maps every character to a box
            continue
        if missing <= _charmap(entry.fname):
            return entry.name
    return None


def check_glyphs(fig: Figure) -> list[str]:
    """Make every label of ``fig`` drawable, or say once which cannot be drawn.

    Labels come from data (group, frame and term names) and may hold CJK characters or emoji
    that the style's font (DejaVu Sans) lacks. For each such label an installed font that covers
    its characters is added after the style's fonts (matplotlib falls back glyph by glyph); when
    no installed font covers them, one :class:`~textlab._errors.TextlabWarning` names the labels
    (instead of one matplotlib warning per missing glyph) and they are drawn with empty boxes.

    Parameters
    ----------
    fig
        A finished figure.

    Returns
    -------
    list of str
        The labels that cannot be drawn with the fonts installed.

    Examples
    --------
    >>> fig, ax = figure("single", 1.5)
    >>> _ = ax.set_title("plain ASCII title")
    >>> check_glyphs(fig)
    []
    """
    import warnings

    from matplotlib import font_manager
    from matplotlib.text import Text

    from textlab._errors import TextlabWarning

    undrawable: list[str] = []
    for text in fig.findobj(Text):
        label = text.get_text()
        if not label or label.isascii():
            continue
        font = font_manager.findfont(text.get_fontproperties(), fallback_to_default=True)
        missing = {ord(c) for c in label if not c.isspace() and ord(c) not in _charmap(font)}
        if not missing:
            continue
        family = _covering_family(missing)
        if family is not None:  # the font in use first, the covering one for what it lacks
            text.set_fontfamily([font_manager.get_font(font).family_name, family])
        elif label not in undrawable:
            undrawable.append(label)
    new = [label for label in undrawable if label not in _WARNED]
    if new:
        _WARNED.update(new)
        shown = ", ".join(repr(label) for label in new[:10]) + (f" and {len(new) - 10} more" if len(new) > 10 else "")
        warnings.warn(f"no installed font draws every character of {shown}; they appear as empty boxes in the "
                      "figures. Install a font that covers them (e.g. Noto Sans CJK, Noto Color Emoji: "
                      "fc-list shows what is installed) and draw again", TextlabWarning, stacklevel=2)
    return undrawable
