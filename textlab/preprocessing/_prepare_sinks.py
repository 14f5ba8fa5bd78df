"""Where :func:`textlab.preprocessing.pipeline.prepare_data` keeps what the workers return.

:class:`MemorySink` collects rows, tokens and the audit in memory; :class:`DiskSink` streams them
to Parquet (pre-phrase parts, then token shards; the audit to ``audit.parquet``). Both learn the
phrases with the same function on the same token lists in the same order, and build the same
tables, so the two stores give identical data.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from textlab._errors import ConfigError
from textlab.preprocessing.clean import CleanedBatch, audit_frame
from textlab.preprocessing.passages import TEXT_COLUMNS, SplitDocuments, passage_table
from textlab.preprocessing.tokens import (
    TokenizedCorpus,
    TokenizerOptions,
    apply_phrases,
    learn_corpus_phrases,
    surface_forms,
    tokens_params,
)

__all__ = ["MemorySink", "DiskSink"]

_AUDIT_SCHEMA = pa.schema([("doc_id", pa.string()), ("line_start", pa.int64()), ("line_end", pa.int64()),
                           ("rule", pa.string()), ("text", pa.string())])
_PART_ROWS = 20_000  # rows per pre-phrase part file (memory while writing or reading one part)
_WORK = ".work"


def rows_table(split: SplitDocuments, meta: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The row table of one task: passages with their documents' metadata, or the documents."""
    if unit == "passage":
        return passage_table(split, meta)
    table = pd.DataFrame({"doc_id": pd.Series(split.doc_id, dtype=object).to_numpy(),
                          "text": pd.Series(split.text, dtype=object).to_numpy(),
                          "n_words": pd.array(split.n_words, dtype="int64")})
    columns = [c for c in meta.columns if c not in TEXT_COLUMNS and c not in table.columns]
    return pd.concat([table, meta[columns].reset_index(drop=True)], axis=1) if columns else table


def documents_table(meta: pd.DataFrame, cleaned: CleanedBatch) -> pd.DataFrame:
    """One row per document of a task: ``doc_id``, metadata, ``n_words_raw``, ``n_words_clean``."""
    columns = [c for c in meta.columns if c not in TEXT_COLUMNS]
    table = meta[columns].reset_index()
    table["doc_id"] = table["doc_id"].astype(str).astype(object)
    table["n_words_raw"] = pd.array(cleaned.n_words_raw, dtype="int64")
    table["n_words_clean"] = pd.array(cleaned.n_words_clean, dtype="int64")
    return table


def _tokens_params(options: TokenizerOptions, frozen, n_rows: int, n_tokens: int, passage_opts: dict | None) -> dict:
    params = tokens_params(options, frozen, n_rows, n_tokens)
    if passage_opts is not None:  # as textlab.preprocessing.tokens.preprocess records them
        params = {"max_words": passage_opts["max_words"], "min_words": passage_opts["min_words"], **params}
    return params


class MemorySink:
    """Rows, tokens and the audit collected in memory."""

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self.rows: list[pd.DataFrame] = []
        self.tokens: list[list[str]] = []
        self.words: Counter = Counter()
        self.audit_rows: list[tuple] = []
        self.docs: list[pd.DataFrame] = []

    def add(self, meta: pd.DataFrame, cleaned: CleanedBatch, split: SplitDocuments, tokens: list, words: Counter):
        self.rows.append(rows_table(split, meta, self.unit))
        self.tokens.extend(tokens)
        self.words.update(words)
        self.audit_rows.extend(cleaned.audit_rows)
        self.docs.append(documents_table(meta, cleaned))

    def finish(self, options: TokenizerOptions, passage_opts: dict | None) -> tuple[TokenizedCorpus, pd.DataFrame]:
        tokens = self.tokens
        frozen = learn_corpus_phrases(tokens, options) if tokens else None
        if frozen is not None:
            tokens = apply_phrases(tokens, frozen)
        forms = surface_forms(self.words, options, (t for doc in tokens for t in doc))
        rows = pd.concat(self.rows, ignore_index=True) if self.rows else pd.DataFrame()
        params = _tokens_params(options, frozen, len(tokens), sum(map(len, tokens)), passage_opts)
        return TokenizedCorpus(rows, tokens, forms, params), audit_frame(self.audit_rows)

    def documents(self) -> pd.DataFrame:
        return pd.concat(self.docs, ignore_index=True) if self.docs else pd.DataFrame()

    def abort(self) -> None:
        self.rows, self.tokens = [], []


class DiskSink:
    """Rows and tokens streamed to Parquet under ``folder``; the audit to ``folder/audit.parquet``.

    Rows and their pre-phrase tokens go to parts of exactly one shard each (cut at the
    writer's ``shard_rows`` rows or ``shard_tokens`` tokens); once the phrases are learnt,
    each part becomes ``data/tokens-NNNNN.parquet`` in one task
    (:class:`~textlab.store._shard_tasks.WriteTokenShard`), on the Dask workers when a
    cluster is active, else here: the same files either way.
    """

    def __init__(self, folder: Path, unit: str, *, phrases: bool) -> None:
        from textlab.store import disk

        self.folder, self.unit, self.phrases = Path(folder), unit, phrases
        self.folder.mkdir(parents=True, exist_ok=True)
        self.work = self.folder / _WORK
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir()
        self.audit_path = self.folder / "audit.parquet"
        self._audit_writer = pq.ParquetWriter(self.work / "audit.parquet", _AUDIT_SCHEMA)
        self._audit_buffer: list[tuple] = []
        self._rows: list[pd.DataFrame] = []
        self._tokens: list[list[str]] = []
        self._n_buffered = self._n_tokens_buffered = 0
        self._parts: list[Path] = []
        self.words: Counter = Counter()
        self.docs: list[pd.DataFrame] = []
        self.writer = disk.TokenShardWriter(self.folder / "data", unit=unit)  # its shard size cuts the parts
        self._part_rows = min(_PART_ROWS, self.writer.shard_rows)

    def add(self, meta: pd.DataFrame, cleaned: CleanedBatch, split: SplitDocuments, tokens: list, words: Counter):
        rows = rows_table(split, meta, self.unit)
        self.words.update(words)
        self.docs.append(documents_table(meta, cleaned))
        self._audit_buffer.extend(cleaned.audit_rows)
        if len(self._audit_buffer) >= _PART_ROWS:
            self._flush_audit()
        self._rows.append(rows)
        self._tokens.extend(tokens)
        self._n_buffered += len(rows)
        self._n_tokens_buffered += sum(map(len, tokens))
        while self._n_buffered >= self._part_rows or self._n_tokens_buffered >= self.writer.shard_tokens:
            ends = np.cumsum([len(t) for t in self._tokens])
            self._flush_part(min(self._part_rows, int(np.searchsorted(ends, self.writer.shard_tokens)) + 1))

    def _flush_audit(self) -> None:
        frame = audit_frame(self._audit_buffer)
        self._audit_writer.write_table(pa.Table.from_pandas(frame, schema=_AUDIT_SCHEMA, preserve_index=False))
        self._audit_buffer = []

    def _flush_part(self, n: int) -> None:
        """Write the first ``n`` buffered rows (one future shard) as a pre-phrase part."""
        if not self._n_buffered:
            return
        rows = pd.concat(self._rows, ignore_index=True) if len(self._rows) > 1 else self._rows[0]
        part, rest = rows.iloc[:n], rows.iloc[n:].reset_index(drop=True)
        tokens, self._tokens = self._tokens[:n], self._tokens[n:]
        try:
            table = pa.Table.from_pandas(part.reset_index(drop=True), preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
            raise ConfigError(f"document metadata cannot be stored in Parquet ({err}); give each metadata column "
                              "one type") from None
        table = table.append_column("tokens", pa.array(tokens, type=pa.list_(pa.string())))
        path = self.work / f"part-{len(self._parts):05d}.parquet"
        pq.write_table(table, path)
        self._parts.append(path)
        self._rows = [rest] if len(rest) else []
        self._n_buffered = len(rest)
        self._n_tokens_buffered -= sum(map(len, tokens))

    def _iter_part_tokens(self) -> Iterator[list[str]]:
        for path in self._parts:
            column = pq.read_table(path, columns=["tokens"]).column(0)
            for start in range(0, len(column), 2_000):
                yield from column.slice(start, 2_000).to_pylist()

    def finish(self, options: TokenizerOptions, passage_opts: dict | None) -> tuple[TokenizedCorpus, Path]:
        from textlab.store._shard_tasks import WriteTokenShard, map_shards

        while self._n_buffered:
            self._flush_part(self._n_buffered)
        frozen = learn_corpus_phrases(self._iter_part_tokens(), options) if self._parts else None
        task = WriteTokenShard(str(self.writer.folder), frozen)
        vocabulary: set[str] = set()
        n_rows = n_tokens = 0
        for (_, part), shard in map_shards(task, [(i, str(p)) for i, p in enumerate(self._parts)]):
            if not (self.writer.folder / shard["name"]).is_file():
                raise ConfigError(f"{self.writer.folder / shard['name']}: written by a Dask worker but not found "
                                  "here; put the store ([compute] cache_dir) on storage the workers and this "
                                  "process share")
            self.writer.add_written(shard)  # written by a worker when a Dask cluster is active
            vocabulary.update(shard["vocabulary"])
            n_rows += shard["n_rows"]
            n_tokens += shard["n_tokens"]
            Path(part).unlink()
        self._flush_audit()
        self._audit_writer.close()
        (self.work / "audit.parquet").replace(self.audit_path)
        forms = surface_forms(self.words, options, vocabulary)
        params = _tokens_params(options, frozen, n_rows, n_tokens, passage_opts)
        tokenized = self.writer.close(params, surface_forms=forms)
        shutil.rmtree(self.work, ignore_errors=True)
        return tokenized, self.audit_path

    def documents(self) -> pd.DataFrame:
        return pd.concat(self.docs, ignore_index=True) if self.docs else pd.DataFrame()

    def abort(self) -> None:
        try:
            self._audit_writer.close()
        except Exception:  # noqa: BLE001 - already failing; the error that matters is being raised
            pass
        self.writer.__exit__(RuntimeError, None, None)  # removes the shards recorded so far
        shutil.rmtree(self.work, ignore_errors=True)
