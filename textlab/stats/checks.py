"""Validation of the options every comparison shares (one wording for every analysis)."""

from __future__ import annotations

import numpy as np

from textlab._errors import bad_value

__all__ = ["RESAMPLING_UNITS", "check_unit", "check_level", "check_count"]

#: What a bootstrap or permutation resamples: whole documents, or passages (the fallback).
RESAMPLING_UNITS = ("document", "passage")


def check_unit(resampling_unit: str) -> None:
    """Refuse a resampling unit other than ``"document"`` or ``"passage"``.

    Examples
    --------
    >>> check_unit("document")
    """
    if resampling_unit not in RESAMPLING_UNITS:
        raise bad_value("resampling_unit", resampling_unit, "'document' or 'passage'")


def check_level(ci_level: float, name: str = "ci_level") -> None:
    """Refuse an interval level outside (0, 1).

    Examples
    --------
    >>> check_level(0.9)
    """
    try:
        ok = 0.0 < float(ci_level) < 1.0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise bad_value(name, ci_level, "a number strictly between 0 and 1, e.g. 0.95")


def check_count(name: str, value: int, minimum: int) -> None:
    """Refuse anything but an integer >= ``minimum`` (``bool`` is not an integer here).

    Examples
    --------
    >>> check_count("n_boot", 10, 0)
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise bad_value(name, value, f"an integer >= {minimum}")
