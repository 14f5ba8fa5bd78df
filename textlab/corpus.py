"""Load a corpus: texts plus metadata, checked, into a :class:`Corpus`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

__all__ = ["Corpus"]


@dataclass(frozen=True)
class Corpus:
    """Documents and their metadata.

    Attributes
    ----------
    docs
        Table indexed by ``doc_id`` (unique strings) with a ``text`` column and
        one column per metadata field.
    root
        Folder the files were read from, or ``None`` for in-memory tables.
    params
        How the corpus was loaded (source, encoding, per-file SHA-256).
    """

    docs: pd.DataFrame
    root: Path | None = None
    params: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.docs)
