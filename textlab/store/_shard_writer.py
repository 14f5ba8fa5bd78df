"""Writing tokens to Parquet shards: :class:`TokenShardWriter` (see :mod:`textlab.store.disk`).

Rows and their token lists are buffered and cut into ``tokens-NNNNN.parquet`` shards by row and
token count; :meth:`TokenShardWriter.close` writes the manifest last and returns the tokens
reopened through :mod:`textlab.store.disk`, which re-exports everything here and holds the
folder layout and the reading side.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from textlab._errors import ConfigError, bad_value
from textlab._io import write_json
from textlab.store._manifest import FORMAT, MANIFEST, VERSION, _prepare_folder, _write_parquet
from textlab.store._shard_tasks import token_table

__all__ = ["TokenShardWriter", "DEFAULT_SHARD_ROWS", "DEFAULT_SHARD_TOKENS"]

DEFAULT_SHARD_ROWS = 20_000
DEFAULT_SHARD_TOKENS = 2_000_000  # a shard's tokens: ~20 MB in Arrow, ~150 MB as Python lists when read whole

# --- writing ------------------------------------------------------------------------------------
def _to_arrow(rows: pd.DataFrame) -> pa.Table:
    try:
        return pa.Table.from_pandas(rows, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as err:
        raise ConfigError(f"rows cannot be stored in Parquet ({err}); give each metadata column one type") from None


class TokenShardWriter:
    """Write rows and their tokens to Parquet shards in ``folder`` (see the module docstring).

    Parameters
    ----------
    folder
        New, empty, or written by textlab before (then replaced).
    unit
        What a row is: ``"passage"`` or ``"document"``.
    shard_rows, shard_tokens
        A shard is cut at this many rows or tokens, whichever comes first (memory while
        writing is one shard; while reading, one shard's Arrow column and one batch of lists).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "tokens"
    >>> with TokenShardWriter(folder, shard_rows=2) as writer:
    ...     writer.add(pd.DataFrame({"passage_id": ["a:000", "a:001", "b:000"], "doc_id": ["a", "a", "b"],
    ...                              "text": ["AI hub.", "Hub!", "Chips."]}), [["ai", "hub"], ["hub"], ["chip"]])
    ...     tokenized = writer.close({"stem": "plural"})
    >>> list(tokenized.passages.columns), len(tokenized.tokens), tokenized.tokens[2]
    (['passage_id', 'doc_id'], 3, ['chip'])
    >>> tokenized.tokens.read_texts([2, 0])
    ['Chips.', 'AI hub.']
    """

    def __init__(self, folder: str | Path, *, unit: str = "passage", shard_rows: int = DEFAULT_SHARD_ROWS,
                 shard_tokens: int = DEFAULT_SHARD_TOKENS) -> None:
        if unit not in ("passage", "document"):
            raise bad_value("unit", unit, "'passage' or 'document'")
        for name, value in (("shard_rows", shard_rows), ("shard_tokens", shard_tokens)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise bad_value(name, value, "an integer >= 1")
        self.folder = Path(folder)
        self.unit = unit
        self.shard_rows = shard_rows
        self.shard_tokens = shard_tokens
        self._n_tokens = 0
        _prepare_folder(self.folder)
        self._rows: list[pd.DataFrame] = []
        self._tokens: list[list[str]] = []
        self._n_buffered = 0
        self._columns: list[str] | None = None
        self._shards: list[dict] = []
        self._files: dict[str, dict] = {}
        self._closed = False

    def __enter__(self) -> "TokenShardWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and not self._closed:
            for name in list(self._files):
                (self.folder / name).unlink(missing_ok=True)
            self._closed = True

    def add(self, rows: pd.DataFrame, tokens: Sequence[Sequence[str]]) -> None:
        """Append rows (same columns every call) and one token list per row."""
        if self._closed:
            raise ConfigError("TokenShardWriter.add after close(): make a new writer")
        if not isinstance(rows, pd.DataFrame):
            raise bad_value("rows", type(rows).__name__, "a pandas DataFrame")
        if len(rows) != len(tokens):
            raise ConfigError(f"rows has {len(rows)} rows but tokens has {len(tokens)} token lists; they must match")
        columns = [str(c) for c in rows.columns]
        if "tokens" in columns:
            raise ConfigError("rows has a 'tokens' column; the tokens are given separately")
        if self._columns is None:
            self._columns = columns
        elif columns != self._columns:
            raise ConfigError(f"rows columns {columns} differ from the first chunk's {self._columns}; "
                              "give every chunk the same columns")
        self._rows.append(rows.reset_index(drop=True))
        self._tokens.extend(list(t) for t in tokens)
        self._n_buffered += len(rows)
        self._n_tokens += sum(map(len, self._tokens[len(self._tokens) - len(rows):]))
        while self._n_buffered >= self.shard_rows or self._n_tokens >= self.shard_tokens:
            ends = np.cumsum([len(t) for t in self._tokens])
            self._flush(min(self.shard_rows, int(np.searchsorted(ends, self.shard_tokens)) + 1))

    def _flush(self, n: int) -> None:
        rows = pd.concat(self._rows, ignore_index=True) if len(self._rows) > 1 else self._rows[0]
        part, rest = rows.iloc[:n], rows.iloc[n:].reset_index(drop=True)
        tokens, self._tokens = self._tokens[:n], self._tokens[n:]
        self._n_tokens -= sum(map(len, tokens))
        table = token_table(_to_arrow(part), tokens)
        name = f"tokens-{len(self._shards):05d}.parquet"
        self._files[name] = _write_parquet(table, self.folder / name)
        self._shards.append({"tokens": name, "n_rows": len(part)})
        self._rows = [rest] if len(rest) else []
        self._n_buffered = len(rest)

    def add_written(self, shard: dict) -> None:
        """Record a shard written elsewhere (a worker's :class:`~textlab.store._shard_tasks.WriteTokenShard`).

        ``shard`` is the task's result; it must be the next shard (``tokens-NNNNN``) and have the
        same row columns as the others. Not to be mixed with :meth:`add` in one writer.
        """
        name = f"tokens-{len(self._shards):05d}.parquet"
        if self._closed or self._n_buffered or shard["name"] != name:
            raise ConfigError(f"{self.folder}: shard {shard['name']!r} given where {name!r} was due (or after close)")
        if self._columns is None:
            self._columns = list(shard["columns"])
        elif list(shard["columns"]) != self._columns:
            raise ConfigError(f"rows columns {shard['columns']} differ from the first shard's {self._columns}; "
                              "give every chunk the same columns")
        self._files[name] = dict(shard["file"])
        self._shards.append({"tokens": name, "n_rows": int(shard["n_rows"])})

    def close(self, params: dict | None = None, *, surface_forms: dict[str, str] | None = None):
        """Write the last shard and the manifest; return a ``TokenizedCorpus`` over the shards.

        Parameters
        ----------
        params
            Tokenizer settings (``TokenizedCorpus.params``), stored in the manifest (JSON).
        surface_forms
            Token -> readable label, stored as ``surface_forms.parquet``.
        """
        if self._closed:
            raise ConfigError("TokenShardWriter.close called twice")
        if self._n_buffered:
            self._flush(self._n_buffered)
        if not self._shards:
            raise ConfigError(f"{self.folder}: no rows were added; nothing to write")
        forms = dict(surface_forms or {})
        if forms:
            table = pa.table({"token": list(map(str, forms)), "label": list(map(str, forms.values()))})
            self._files["surface_forms.parquet"] = _write_parquet(table, self.folder / "surface_forms.parquet")
        manifest = {
            "format": FORMAT, "version": VERSION, "unit": self.unit,
            "n_rows": sum(s["n_rows"] for s in self._shards), "shards": self._shards,
            "row_columns": [c for c in self._columns if c != "text"], "has_text": "text" in self._columns,
            "params": dict(params or {}), "counts": None, "files": self._files,
        }
        write_json(manifest, self.folder / MANIFEST)
        self._closed = True
        from textlab.store.disk import _tokenized  # the reading side, which imports this module

        return _tokenized(self.folder, manifest)
