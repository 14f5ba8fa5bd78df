"""Progress bars for long steps (tqdm; notebook-aware via ``tqdm.auto``).

Bars are shown when stderr is a terminal or in Jupyter; set the environment
variable ``TEXTLAB_PROGRESS=0`` to silence them, ``=1`` to force them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

__all__ = ["progress"]

T = TypeVar("T")


def _disabled(disable: bool | None) -> bool | None:
    if disable is not None:
        return disable
    flag = os.environ.get("TEXTLAB_PROGRESS")
    if flag == "0":
        return True
    if flag == "1":
        return False
    return None  # tqdm's rule: off when not attached to a terminal


def progress(
    iterable: Iterable[T],
    *,
    desc: str,
    total: int | None = None,
    unit: str = "it",
    disable: bool | None = None,
) -> Iterator[T]:
    """Wrap ``iterable`` in a progress bar showing count and rate.

    Parameters
    ----------
    iterable
        Items to iterate over.
    desc
        Short label for the step (``"tokenising"``).
    total
        Number of items, if ``len(iterable)`` is not available.
    unit
        Name of one item (``"doc"``, ``"passage"``).
    disable
        ``True`` to hide, ``False`` to force; ``None`` follows
        ``TEXTLAB_PROGRESS`` and whether stderr is a terminal.
    """
    return iter(tqdm(iterable, desc=desc, total=total, unit=unit, disable=_disabled(disable), leave=False))
