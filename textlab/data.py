"""The container every analysis takes, and the base of every result.

:class:`TextData` holds one table of rows (passages, documents or groups, with their
metadata), one table of terms (with readable labels), the counts (rows x terms) in a
*store*, and, when the rows came from running text, each row's tokens.  The store may
be an in-memory sparse matrix (:class:`~textlab.store.memory.MemoryStore`) or Parquet
shards on disk (:class:`~textlab.store.disk.DiskStore`); every analysis reads counts
through the store protocol (:func:`iter_blocks`, :func:`aggregate`) and so gives the
same answer whichever store holds them.

:class:`Result` is the base of every analysis result: its pandas tables plus the
settings (``params``) that made them.  Results are written and read back as plain
CSV/Parquet + JSON by :mod:`textlab.study.results` (never pickled).

For code written against the older types, a :class:`TextData` also answers to the
names of ``DocumentTermMatrix`` (``counts``, ``vocabulary``, ``passages``) and of
``TokenizedCorpus`` (``passages``, ``tokens``, ``surface_forms``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from textlab._errors import ConfigError

__all__ = ["UNITS", "CountStore", "TextData", "Result", "require_tokens", "as_text_data"]

#: What one row of a :class:`TextData` is.
UNITS = ("passage", "document", "group")


@runtime_checkable
class CountStore(Protocol):
    """Where counts live: rows x terms non-negative integers, read in row blocks.

    Implementations: :class:`textlab.store.memory.MemoryStore` (a CSR matrix) and
    :class:`textlab.store.disk.DiskStore` (Parquet shards).  ``iter_blocks`` yields
    ``(first_row, csr_block)`` in row order; concatenating the blocks gives ``to_csr()``.
    """

    kind: ClassVar[str]

    @property
    def shape(self) -> tuple[int, int]: ...

    def iter_blocks(self, block_rows: int | None = None) -> Iterator[tuple[int, Any]]: ...

    def to_csr(self) -> Any: ...


@dataclass(frozen=True)
class TextData:
    """Rows x terms counts with row metadata, readable terms and (optionally) tokens.

    Attributes
    ----------
    rows
        One row per unit, in count-row order: ``passage_id`` (passages), ``doc_id``,
        ``position``, ``text`` where the text is held in memory, and every metadata column.
    terms
        One row per term, in count-column order: ``term`` (the token) and ``label`` (its
        most frequent readable surface form, e.g. ``"data_center" -> "data center"``).
    store
        The counts (:class:`CountStore`).
    tokens
        A re-iterable of token lists in row order (a list in memory, a Parquet-backed
        sequence on disk), or ``None`` when the data was read as counts only (then KWIC,
        frames over phrases and topic fits that need order say so, see :func:`require_tokens`).
    unit
        ``"passage"``, ``"document"`` or ``"group"``.
    params
        How the data was made (reader, cleaning, tokenizer, counting settings).

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> from textlab.store.memory import MemoryStore
    >>> data = TextData(rows=pd.DataFrame({"doc_id": ["a", "b"]}),
    ...                 terms=pd.DataFrame({"term": ["x", "y"], "label": ["x", "y"]}),
    ...                 store=MemoryStore(sp.csr_matrix([[1, 0], [2, 3]])), unit="document")
    >>> data.shape
    (2, 2)
    """

    rows: pd.DataFrame
    terms: pd.DataFrame
    store: Any
    tokens: Sequence[list[str]] | None = None
    unit: str = "passage"
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ConfigError(f"unit={self.unit!r} is not allowed: expected one of {UNITS}")
        n_rows, n_terms = self.store.shape
        if len(self.rows) != n_rows:
            raise ConfigError(f"TextData: rows has {len(self.rows)} rows but the counts have {n_rows}")
        if len(self.terms) != n_terms:
            raise ConfigError(f"TextData: terms has {len(self.terms)} rows but the counts have {n_terms} columns")

    # -- shape and names ---------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        """``(n_rows, n_terms)``."""
        return tuple(self.store.shape)

    @property
    def vocabulary(self) -> np.ndarray:
        """Term strings in column order (``DocumentTermMatrix.vocabulary``)."""
        return self.terms["term"].astype(str).to_numpy()

    @property
    def surface_forms(self) -> dict[str, str]:
        """Term -> readable label (``TokenizedCorpus.surface_forms``)."""
        return dict(zip(self.terms["term"].astype(str), self.terms["label"].astype(str)))

    @property
    def passages(self) -> pd.DataFrame:
        """The row table (the name older code uses)."""
        return self.rows

    @property
    def counts(self):
        """All counts as one CSR matrix (materialised from the store; prefer ``store.iter_blocks``)."""
        return self.store.to_csr()

    def require_tokens(self, what: str) -> Sequence[list[str]]:
        """The token lists, or a one-line error saying ``what`` needs running text (see :func:`require_tokens`)."""
        return require_tokens(self, what)

    def texts(self, indices: Sequence[int] | None = None) -> list[str]:
        """Row texts in row order (or of the rows ``indices``), from ``rows["text"]`` or the token shards.

        On disk only the shards holding the rows asked for are read.  Raises a one-line
        error when the data holds no text (counts-only data, or rows without ``text``).
        """
        if "text" in self.rows.columns:
            column = self.rows["text"]
            values = column if indices is None else column.iloc[list(indices)]
            return [v if isinstance(v, str) else "" for v in values]
        tokens = require_tokens(self, "reading the row texts")
        if indices is None and hasattr(tokens, "iter_texts"):
            return list(tokens.iter_texts())
        if hasattr(tokens, "read_texts"):
            return tokens.read_texts(list(indices))
        raise ConfigError("this data holds no row texts (its rows have no 'text' column)")

    def with_(self, **changes: Any) -> "TextData":
        """A copy with some fields replaced (the container is never changed in place)."""
        return replace(self, **changes)


def require_tokens(data: Any, what: str) -> Sequence[list[str]]:
    """Return ``data.tokens`` or raise a one-line error saying ``what`` needs running text."""
    tokens = getattr(data, "tokens", None)
    if tokens is None:
        how = ("summed per " + repr(data.params["aggregated_by"]) if "aggregated_by" in getattr(data, "params", {})
               else "read as counts only (a document-term matrix)")
        raise ConfigError(f"{what} needs running text, but this data was {how}; it is unavailable for it")
    return tokens


def as_text_data(data: Any, *, name: str = "data") -> TextData:
    """``data`` as a :class:`TextData`: returned as is, or built from a ``DocumentTermMatrix``-like object.

    Anything with ``counts`` (a sparse matrix), ``vocabulary`` and ``passages`` (or ``rows``)
    is wrapped in a :class:`~textlab.store.memory.MemoryStore`; ``tokens`` and
    ``surface_forms`` are kept when present.  ``name`` is the parameter named in errors.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> from textlab.preprocessing.counts import DocumentTermMatrix
    >>> dtm = DocumentTermMatrix(sp.csr_matrix([[1, 2]]), np.array(["a", "b"]), pd.DataFrame({"doc_id": ["d"]}))
    >>> as_text_data(dtm).terms["term"].tolist()
    ['a', 'b']
    """
    if isinstance(data, TextData):
        return data
    counts = getattr(data, "counts", None)
    vocabulary = getattr(data, "vocabulary", None)
    rows = getattr(data, "passages", getattr(data, "rows", None))
    if counts is None or vocabulary is None or not isinstance(rows, pd.DataFrame):
        raise ConfigError(f"{name} must be a TextData (from count_terms or load_counts) or a DocumentTermMatrix, "
                          f"got {type(data).__name__}")
    from textlab.store.memory import MemoryStore

    terms = [str(t) for t in np.asarray(vocabulary, dtype=object)]
    forms = dict(getattr(data, "surface_forms", None) or {})
    params = dict(getattr(data, "params", None) or {})
    unit = params.get("unit", "passage")
    unit = unit if unit in UNITS else "group"
    return TextData(rows=rows.reset_index(drop=True), terms=pd.DataFrame({"term": terms,
                    "label": [str(forms.get(t, t)) for t in terms]}), store=MemoryStore(counts),
                    tokens=getattr(data, "tokens", None), unit=unit, params=params)


@dataclass(frozen=True)
class Result:
    """Base of every analysis result: pandas tables plus the settings that made them.

    Subclasses are frozen dataclasses whose ``pd.DataFrame`` fields are the tables and
    whose ``params`` dict holds every setting (``ci_level``, resampling unit, fallbacks,
    seeds ...).  ``params`` is keyword-only, so subclasses may declare their tables
    without defaults and be built positionally: ``KeynessResult(table, params={...})``.
    :meth:`tables` lists the tables by field name; :meth:`from_tables` rebuilds the result
    from them, so a results folder can be read back without pickles.
    """

    params: dict = field(default_factory=dict, kw_only=True)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Field name -> table, for every DataFrame field that is set."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, pd.DataFrame):
                out[f.name] = value
        return out

    def _repr_html_(self) -> str:
        """Notebook display: the first rows of each table (cells escaped by pandas)."""
        import html

        parts = [f"<p><b>{html.escape(type(self).__name__)}</b></p>"]
        for name, table in self.tables().items():
            more = f" (first 20 of {len(table)} rows)" if len(table) > 20 else ""
            parts.append(f"<p><code>.{html.escape(name)}</code>{more}</p>{table.head(20).to_html(escape=True)}")
        return "".join(parts)

    @classmethod
    def from_tables(cls, tables: dict[str, pd.DataFrame], params: dict) -> "Result":
        """Rebuild a result from its tables and params (fields that are not tables get defaults)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in tables.items() if k in names}, params=dict(params))
