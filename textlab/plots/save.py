"""The one function that writes figures: deterministic bytes, written atomically."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from textlab._errors import bad_value
from textlab._io import atomic_write

__all__ = ["save_figure"]

# Metadata that would otherwise carry dates or software versions into the files.
_METADATA = {
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
}
_RC = {"pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none", "svg.hashsalt": "textlab"}


def save_figure(
    fig: Figure,
    path_stem: str | Path,
    *,
    formats: Sequence[str] = ("pdf", "png"),
    dpi: int = 300,
) -> list[Path]:
    """Save ``fig`` once per format, byte-identical on every rerun.

    PDFs embed TrueType fonts (Type 42) and carry no creation date or
    producer; PNGs carry no software tag; SVGs keep text as text with a fixed
    hash salt. The layout is computed once and shared by all formats (see
    ``_freeze_layout``); the figure's layout engine is restored afterwards.
    Each file is written to a temporary name and moved into place.

    Parameters
    ----------
    fig
        The figure (its size is the print size; it is not resized).
    path_stem
        Path without extension, e.g. ``"figures/keyness"`` (a ``.pdf``,
        ``.png`` or ``.svg`` suffix is dropped). Parent folders are created.
    formats
        Any of ``"pdf"``, ``"png"``, ``"svg"``.
    dpi
        Resolution of raster output.

    Returns
    -------
    list of Path
        The files written, in the order of ``formats``.

    Examples
    --------
    >>> import tempfile, matplotlib
    >>> from textlab.plots import figure
    >>> fig, ax = figure("single", 1.5)
    >>> paths = save_figure(fig, tempfile.mkdtemp() + "/demo", formats=("png",))
    >>> paths[0].suffix
    '.png'
    """
    if isinstance(formats, str):
        formats = (formats,)
    unknown = [f for f in formats if f not in _METADATA]
    if unknown or not formats:
        raise bad_value("formats", tuple(formats), f"one or more of {sorted(_METADATA)}")
    if not isinstance(dpi, int | float) or dpi <= 0:
        raise bad_value("dpi", dpi, "a positive number")
    stem = Path(path_stem)
    name = stem.stem if stem.suffix.lstrip(".") in _METADATA else stem.name
    written = []
    engine = fig.get_layout_engine()
    with mpl.rc_context(_RC):
        _freeze_layout(fig)
        try:
            for fmt in formats:
                path = stem.parent / f"{name}.{fmt}"
                with atomic_write(path, "wb") as handle:
                    fig.savefig(handle, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
                written.append(path)
        finally:
            if engine is not None:
                fig.set_layout_engine(engine)
    return written


def _freeze_layout(fig: Figure) -> None:
    """Run the layout engine once, round the axes positions and switch the engine off.

    Constrained layout is iterative: each draw moves axes by ~1e-12, enough
    to change PDF bytes between two saves of the same figure. Rounding the
    settled positions to 1e-6 of the figure (far below a printed dot) and
    writing every format with the engine off gives the same bytes on every
    save, and the same layout in the PDF and the PNG.
    """
    if fig.get_layout_engine() is None:
        return
    fig.draw_without_rendering()
    for ax in fig.axes:
        bounds = np.round(np.asarray(ax.get_position(original=False).bounds, dtype=float), 6)
        ax.set_position(bounds, which="both")
    fig.set_layout_engine("none")
