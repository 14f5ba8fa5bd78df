"""Corpora distributed only as counts: a document-term matrix, or a long ``(doc_id, term, count)`` table.

Replication archives often ship counts instead of texts.  :func:`load_counts` reads them
into a :class:`~textlab.data.TextData` with ``unit="document"`` and ``tokens=None``, so
every count-based analysis (TF-IDF, keyness, similarity, aggregation, LDA from counts)
runs on them, and analyses that need running text (KWIC, representative passages,
frames over phrases) say they are unavailable (:func:`textlab.data.require_tokens`).
Nothing is unpickled: ``.npz`` files are read with ``allow_pickle=False``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from textlab._errors import ConfigError, InputFileError, bad_value
from textlab.data import TextData
from textlab.store.memory import MemoryStore

__all__ = ["load_counts"]

_TABLES = (".csv", ".parquet", ".pq", ".tsv")


def _read_table(path: Path, what: str, columns: dict[str, Any] | None = None) -> pd.DataFrame:
    """A CSV/TSV/Parquet table, every error one line naming the file."""
    if not path.is_file():
        raise InputFileError(path, f"not found ({what})")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
        if suffix in (".csv", ".tsv"):
            return pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", dtype=columns, keep_default_na=False,
                               na_values=[""], encoding="utf-8")
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise InputFileError(path, f"cannot be read as the {what} ({str(err).splitlines()[0]})") from None
    raise InputFileError(path, f"has suffix {suffix!r}; the {what} must be .csv, .tsv or .parquet")


def _vocabulary(vocabulary: Any, n_terms: int) -> list[str]:
    if vocabulary is None:
        raise ConfigError("vocabulary= is needed with a matrix: one term per column (a list, a .txt file with "
                          "one term per line, or a .csv/.parquet table with a 'term' column)")
    if isinstance(vocabulary, (str, os.PathLike)):
        path = Path(vocabulary)
        if path.suffix.lower() == ".txt":
            if not path.is_file():
                raise InputFileError(path, "not found (vocabulary)")
            try:
                terms = path.read_text(encoding="utf-8").splitlines()
            except UnicodeDecodeError as err:
                raise InputFileError(path, f"is not UTF-8 text ({err.reason}); save the vocabulary as UTF-8") from None
        else:
            table = _read_table(path, "vocabulary", {"term": str})
            if "term" not in table.columns:
                raise InputFileError(path, f"has no 'term' column (columns found: {list(map(str, table.columns))})")
            terms = table["term"].tolist()
    else:
        terms = list(vocabulary)
    terms = [str(t) for t in terms]
    if len(terms) != n_terms:
        raise ConfigError(f"vocabulary has {len(terms)} terms but the matrix has {n_terms} columns; they must match")
    duplicated = pd.Index(terms)[pd.Index(terms).duplicated()]
    if len(duplicated):
        raise ConfigError(f"vocabulary repeats the term {duplicated[0]!r}; each column needs its own term")
    return terms


def _rows(rows: Any, id_column: str, n_rows: int | None) -> pd.DataFrame | None:
    if rows is None:
        return None
    table = _read_table(Path(rows), "row metadata", {id_column: str}) if isinstance(rows, (str, os.PathLike)) \
        else rows.reset_index(drop=True) if isinstance(rows, pd.DataFrame) else None
    if table is None:
        raise bad_value("rows", type(rows).__name__, "a DataFrame or a .csv/.parquet file of row metadata")
    if id_column not in table.columns:
        raise ConfigError(f"rows has no {id_column!r} column (columns: {list(map(str, table.columns))}); "
                          "pass id_column= naming the document id column")
    table[id_column] = table[id_column].astype(str)
    if table[id_column].duplicated().any():
        raise ConfigError(f"rows repeats the {id_column} {table[id_column][table[id_column].duplicated()].iloc[0]!r}")
    if n_rows is not None and len(table) != n_rows:
        raise ConfigError(f"rows has {len(table)} rows but the matrix has {n_rows}; they must match")
    return table


def _integer_counts(values: np.ndarray, where: str) -> np.ndarray:
    values = np.asarray(values)
    if values.dtype.kind not in "iuf" or (values.dtype.kind == "f" and not np.isfinite(values).all()):
        raise ConfigError(f"{where} holds non-numeric or missing counts; counts must be integers >= 0")
    if values.dtype.kind == "f" and not np.array_equal(values, np.round(values)):
        raise ConfigError(f"{where} holds non-integer counts (e.g. {values[values != np.round(values)][0]!r}); "
                          "counts must be integers >= 0 (TF-IDF weights or shares are not counts)")
    if len(values) and values.min() < 0:
        raise ConfigError(f"{where} holds negative counts (e.g. {values.min()!r}); counts must be integers >= 0")
    return values.astype(np.int64)


def _from_matrix(matrix: Any, vocabulary: Any, rows: Any, id_column: str, source: str) -> TextData:
    counts = sp.csr_matrix(matrix)
    counts.sum_duplicates()
    counts = sp.csr_matrix((_integer_counts(counts.data, source), counts.indices, counts.indptr), shape=counts.shape)
    counts.eliminate_zeros()
    counts.sort_indices()
    terms = _vocabulary(vocabulary, counts.shape[1])
    table = _rows(rows, id_column, counts.shape[0])
    if table is None:
        table = pd.DataFrame({id_column: [str(i) for i in range(counts.shape[0])]})
    return _data(table, terms, counts, {"source": source, "format": "matrix"})


def _from_long(long: pd.DataFrame, rows: Any, columns: tuple[str, str, str], source: str) -> TextData:
    id_column, term_column, count_column = columns
    missing = [c for c in columns if c not in long.columns]
    if missing:
        raise ConfigError(f"the long table {source} has no column {missing[0]!r} (columns: "
                          f"{list(map(str, long.columns))}); pass id_column=/term_column=/count_column=")
    if long[[id_column, term_column]].isna().any().any():
        raise ConfigError(f"the long table {source} has rows without a {id_column} or {term_column}")
    ids = long[id_column].astype(str).to_numpy()
    term_values = long[term_column].astype(str).to_numpy()
    values = _integer_counts(long[count_column].to_numpy(), f"the long table {source}")
    table = _rows(rows, id_column, None)
    if table is None:
        doc_order = pd.unique(ids)
        table = pd.DataFrame({id_column: doc_order})
    else:
        unknown = pd.Index(ids).difference(table[id_column])
        if len(unknown):
            raise ConfigError(f"the long table {source} has {id_column} {unknown[0]!r}, which rows does not list")
    row_of = pd.Index(table[id_column]).get_indexer(ids)
    terms = np.sort(pd.unique(term_values).astype(object))  # sorted as scikit-learn orders columns
    col_of = pd.Index(terms).get_indexer(term_values)
    counts = sp.csr_matrix((values, (row_of, col_of)), shape=(len(table), len(terms)), dtype=np.int64)
    counts.sum_duplicates()
    counts.eliminate_zeros()
    counts.sort_indices()
    n_repeated = int(len(ids) - pd.MultiIndex.from_arrays([ids, term_values]).nunique())
    return _data(table, [str(t) for t in terms], counts,
                 {"source": source, "format": "long", "n_repeated_pairs_summed": n_repeated})


def _data(table: pd.DataFrame, terms: list[str], counts: sp.csr_matrix, params: dict) -> TextData:
    params = {**params, "unit": "document", "n_rows": int(counts.shape[0]), "n_terms": int(counts.shape[1]),
              "n_tokens": int(counts.sum()), "store": "memory"}
    return TextData(rows=table.reset_index(drop=True), terms=pd.DataFrame({"term": terms, "label": terms}),
                    store=MemoryStore(counts), tokens=None, unit="document", params=params)


def load_counts(
    source: Any,
    *,
    vocabulary: Sequence[str] | str | os.PathLike | None = None,
    rows: pd.DataFrame | str | os.PathLike | None = None,
    id_column: str = "doc_id",
    term_column: str = "term",
    count_column: str = "count",
) -> TextData:
    """Read a corpus distributed as counts into a :class:`~textlab.data.TextData` (one row per document).

    Parameters
    ----------
    source
        A SciPy sparse matrix (or dense array) of documents x terms; a ``.npz`` file written
        by ``scipy.sparse.save_npz``; or a long table with one row per (document, term): a
        DataFrame, ``.csv``, ``.tsv`` or ``.parquet`` file.
    vocabulary
        Matrix input only: one term per column, in column order (a list, a ``.txt`` file
        with one term per line, or a table with a ``term`` column).
    rows
        Row metadata with an ``id_column`` (a DataFrame or a CSV/Parquet file): for a matrix,
        one row per matrix row in order (default ids ``"0", "1", ...``); for a long table,
        the documents and their order (default: order of first appearance).
    id_column, term_column, count_column
        Column names in the long table and in ``rows``.

    Returns
    -------
    TextData
        ``unit="document"``, ``tokens=None``; counts int64 in a ``MemoryStore``; terms
        in the matrix's column order, or sorted (as ``count_terms`` orders them) for a long
        table, whose repeated (document, term) pairs are summed (``params`` counts them).

    Examples
    --------
    >>> long = pd.DataFrame({"doc_id": ["a", "a", "b"], "term": ["tax", "vote", "tax"], "count": [2, 1, 5]})
    >>> data = load_counts(long)
    >>> data.unit, list(data.vocabulary), data.counts.toarray().tolist()
    ('document', ['tax', 'vote'], [[2, 1], [5, 0]])
    >>> load_counts(sp.csr_matrix([[1, 0]]), vocabulary=["x", "y"]).rows["doc_id"].tolist()
    ['0']
    """
    columns = (id_column, term_column, count_column)
    if sp.issparse(source) or isinstance(source, np.ndarray):
        return _from_matrix(source, vocabulary, rows, id_column, "matrix")
    if isinstance(source, pd.DataFrame):
        return _from_long(source, rows, columns, "DataFrame")
    if not isinstance(source, (str, os.PathLike)):
        raise bad_value("source", type(source).__name__,
                        "a sparse matrix, a .npz file, or a long (doc_id, term, count) table or file")
    path = Path(source)
    if path.suffix.lower() == ".npz":
        if not path.is_file():
            raise InputFileError(path, "not found (document-term matrix)")
        try:
            matrix = sp.load_npz(path)  # np.load(..., allow_pickle=False) inside
        except (ValueError, OSError, KeyError) as err:
            raise InputFileError(path, f"is not a scipy.sparse.save_npz matrix ({str(err).splitlines()[0]})") from None
        return _from_matrix(matrix, vocabulary, rows, id_column, str(path))
    if path.suffix.lower() not in _TABLES:
        raise InputFileError(path, f"has suffix {path.suffix!r}: expected .npz (a sparse matrix) or a long "
                             ".csv/.tsv/.parquet table")
    if vocabulary is not None:
        raise ConfigError("vocabulary= is for a matrix; a long table names its terms in the term column")
    long = _read_table(path, "long (doc_id, term, count) table", {id_column: str, term_column: str})
    return _from_long(long, rows, columns, str(path))
