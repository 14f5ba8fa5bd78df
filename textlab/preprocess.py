"""Passages and tokens: from cleaned documents to a :class:`TokenizedCorpus`."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["TokenizedCorpus"]


@dataclass(frozen=True)
class TokenizedCorpus:
    """Passages with their tokens.

    Attributes
    ----------
    passages
        One row per passage: ``passage_id``, ``doc_id``, ``position``, ``text``,
        ``n_words`` and the document's metadata columns.
    tokens
        One token list per passage, in the row order of ``passages``.
    surface_forms
        Token -> most frequent readable surface form, for figures.
    params
        The options that produced the tokens.
    """

    passages: pd.DataFrame
    tokens: list[list[str]]
    surface_forms: dict[str, str] = field(default_factory=dict)
    params: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.tokens)
