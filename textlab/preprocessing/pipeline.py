"""One preparation path from files to counts, in memory or on disk: :func:`prepare_data`.

read (:func:`~textlab.preprocessing.read.iter_corpus`) -> clean, with the audit and the
per-document overrides (:func:`~textlab.preprocessing.clean.clean_batch`) -> passages
(:func:`~textlab.preprocessing.passages.split_documents`) -> tokens
(:func:`~textlab.preprocessing.tokens.tokenize_texts`) -> phrases learned once on every token list
(:func:`~textlab.preprocessing.tokens.learn_corpus_phrases`) and applied -> counts
(:func:`~textlab.preprocessing.counts.count_terms`).

The corpus is read in chunks, and each chunk is cut into tasks of :data:`TASK_DOCS` documents
that worker processes clean, split and tokenise (:func:`~textlab.preprocessing.stream.map_ordered`:
results in input order, so ``n_jobs`` never changes the output). Only what is kept differs
between the two stores:

``store="memory"``
    passages (with their text), tokens and the audit are collected in memory; the result
    holds a :class:`~textlab.store.memory.MemoryStore`.
``store="disk"``
    passages and pre-phrase tokens go to Parquet parts in ``cache_dir/.work``, the audit is
    streamed to ``cache_dir/audit.parquet``; phrases are learned streaming the parts, then
    the phrased tokens and passages (with text) are written to token shards in
    ``cache_dir/data`` (:class:`~textlab.store.disk.TokenShardWriter`) and counted there
    (a :class:`~textlab.store.disk.DiskStore`). No step holds the corpus text in memory.

Both give identical passages, tokens, audit, surface forms and counts (``tests/test_pipeline.py``).
``store="auto"`` chooses by the size of the input (:func:`choose_store`).
"""

from __future__ import annotations

import shutil
import tempfile
from itertools import chain
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from textlab._errors import InputFileError, bad_value
from textlab._progress import counter
from textlab.data import Result, TextData
from textlab.preprocessing._prepare_sinks import DiskSink, MemorySink
from textlab.preprocessing._clean_furniture import furniture_summary, source_values
from textlab.preprocessing.clean import (
    OVERRIDE_COLUMNS,
    CleanedBatch,
    CleaningPlan,
    clean_batch,
    clean_params,
    count_words,
    emit_notes,
    plan_cleaning,
    warn_emptied,
    with_fields,
)
from textlab.preprocessing.passages import SplitDocuments, split_documents, warn_no_passages
from textlab.preprocessing.read import Corpus, CorpusReader, corpus_size, iter_corpus
from textlab.compute import active_client, ordered_map
from textlab.preprocessing.stream import resolve_n_jobs
from textlab.preprocessing.tokens import TokenizerOptions, tokenize_texts

__all__ = ["PreparedCorpus", "prepare_data", "choose_store", "AUTO_MEMORY_BYTES", "AUTO_MEMORY_DOCS", "TASK_DOCS"]

#: ``store="auto"`` keeps a corpus in memory up to this many bytes of text on disk ...
AUTO_MEMORY_BYTES = 200_000_000
#: ... and this many documents (when cheap to count); above either it uses the disk store.
AUTO_MEMORY_DOCS = 100_000
#: Documents per task sent to a worker process.
TASK_DOCS = 200
_STORES = ("auto", "memory", "disk")


@dataclass(frozen=True)
class PreparedCorpus(Result):
    """A prepared corpus: counts and tokens (``data``), one row per document, and the cleaning audit.

    Attributes
    ----------
    data
        :class:`~textlab.data.TextData`: rows (passages, or documents with ``passages=False``),
        terms with readable labels, counts in a memory or disk store, and the tokens.
    documents
        One row per document: ``doc_id``, its metadata, ``n_words_raw``, ``n_words_clean``
        (no text).
    clean_summary
        Furniture removed per source (news-export profile), else ``None``.
    audit
        The cleaning audit (``doc_id, line_start, line_end, rule, text``): a DataFrame, or
        the path of its Parquet file on the disk path (read it with :meth:`audit_table`).
    params
        ``store`` (and why), ``read`` (the reader's params, with the fingerprint of every
        file read), ``clean``, ``passages``, ``tokens``, ``counts``, ``n_jobs``, ``cache_dir``.
    """

    data: TextData | None = None
    documents: pd.DataFrame | None = None
    audit: pd.DataFrame | Path | None = None
    clean_summary: pd.DataFrame | None = None

    def audit_table(self) -> pd.DataFrame:
        """The audit as a DataFrame (read from Parquet on the disk path)."""
        if isinstance(self.audit, pd.DataFrame):
            return self.audit
        return pd.read_parquet(self.audit)


# --------------------------------------------------------------------------- options


def _options(value: Any, name: str, defaults: dict) -> dict | None:
    """``None`` -> defaults, ``False`` -> off (``None``), a dict -> defaults updated (unknown keys refused)."""
    if value is None or value is True:
        return dict(defaults)
    if value is False:
        return None
    if not isinstance(value, dict):
        raise bad_value(name, value, f"None, False or a dict with keys {sorted(defaults)}")
    unknown = sorted(set(value) - set(defaults))
    if unknown:
        raise bad_value(name, value, f"a dict with keys among {sorted(defaults)} (unknown: {unknown})")
    return {**defaults, **value}


def _tokenizer(tokens: Any) -> TokenizerOptions:
    if tokens is None:
        return TokenizerOptions()
    if isinstance(tokens, TokenizerOptions):
        return tokens
    if isinstance(tokens, dict):
        return TokenizerOptions(**tokens)
    raise bad_value("tokens", tokens, "None, a TokenizerOptions or a dict of its fields")


def choose_store(source: Any, store: str = "auto") -> tuple[str, str]:
    """The store to use for ``source`` and why: ``store`` itself unless it is ``"auto"``.

    ``"auto"`` keeps an in-memory :class:`Corpus` in memory; for files it uses the disk
    store when the input holds more than :data:`AUTO_MEMORY_BYTES` bytes of text or more than
    :data:`AUTO_MEMORY_DOCS` documents (:func:`~textlab.preprocessing.read.corpus_size`:
    file sizes and metadata only), and memory otherwise.

    Examples
    --------
    >>> choose_store("anything.jsonl", "memory")
    ('memory', 'store=memory given')
    """
    if store not in _STORES:
        raise bad_value("store", store, "'auto', 'memory' or 'disk'")
    if store != "auto":
        return store, f"store={store} given"
    if isinstance(source, Corpus):
        return "memory", "store=auto: the corpus is already in memory"
    path = source.path if isinstance(source, CorpusReader) else Path(source)
    size = corpus_size(path)
    docs = "an unknown number of" if size.n_docs is None else f"{size.n_docs:,}"
    if size.n_bytes > AUTO_MEMORY_BYTES or (size.n_docs or 0) > AUTO_MEMORY_DOCS:
        return "disk", (f"store=auto: {docs} documents, {size.n_bytes:,} bytes > {AUTO_MEMORY_BYTES:,} bytes or "
                        f"{AUTO_MEMORY_DOCS:,} documents")
    return "memory", f"store=auto: {docs} documents, {size.n_bytes:,} bytes of text"


# --------------------------------------------------------------------------- the per-task work


@dataclass(frozen=True)
class _Prepare:
    """Picklable task: clean, split and tokenise a few documents (runs in worker processes)."""

    rules: tuple[str, ...] | None  # None: no cleaning
    max_words: int | None  # None: documents are the rows
    min_words: int
    options: TokenizerOptions
    patterns: tuple[str, ...] = ()  # the study's removal patterns
    furniture: dict | None = None  # {source: {shape: field}} learnt on the first chunk
    furniture_max_words: int = 40

    def __call__(self, item: tuple[list[str], list[str], dict]) -> tuple[CleanedBatch, SplitDocuments, list, Counter]:
        doc_ids, texts, overrides = item
        if self.rules is None:
            words = [count_words(t) for t in texts]
            cleaned = CleanedBatch(list(texts), [], words, list(words), fields=[{} for _ in texts])
        else:
            overrides = dict(overrides)
            sources = overrides.pop(_SOURCE, None)
            cleaned = clean_batch(doc_ids, texts, overrides, rules=self.rules, patterns=self.patterns,
                                  furniture=self.furniture, sources=sources, max_words=self.furniture_max_words)
        if self.max_words is None:
            n = len(doc_ids)
            split = SplitDocuments(list(doc_ids), list(doc_ids), list(range(n)), [0] * n, list(cleaned.texts),
                                   list(cleaned.n_words_clean), [])
        else:
            split = split_documents(doc_ids, cleaned.texts, max_words=self.max_words, min_words=self.min_words)
        tokens, words = tokenize_texts(split.text, self.options)
        return replace(cleaned, texts=[]), split, tokens, words  # the cleaned texts live on in the passages


_SOURCE = "_source"  # key of each document's source in a task's overrides (furniture is per source)


def _tasks(chunks: Iterator[pd.DataFrame], overrides: bool, columns: list,
           source: str, source_column: str | None = None) -> Iterator[tuple[pd.DataFrame, tuple]]:
    """``(metadata of the task's documents, (ids, texts, overrides))`` for every task of every chunk."""
    for chunk in chunks:
        chunk = _same_columns(chunk, columns, source)
        for start in range(0, len(chunk), TASK_DOCS):
            part = chunk.iloc[start:start + TASK_DOCS]
            over = {c: part[c].tolist() for c in OVERRIDE_COLUMNS if overrides and c in part.columns}
            if source_column is not None:
                over[_SOURCE] = part[source_column].tolist()
            yield part.drop(columns=["text"]), (part.index.astype(str).tolist(), part["text"].tolist(), over)


def _same_columns(chunk: pd.DataFrame, columns: list, source: str) -> pd.DataFrame:
    """Every chunk gets the first chunk's columns (a column first seen later is refused)."""
    if not columns:
        columns.extend(chunk.columns)
        return chunk
    if list(chunk.columns) == columns:
        return chunk
    extra = [c for c in chunk.columns if c not in columns and chunk[c].notna().any()]
    if extra:
        raise InputFileError(source, f"documents from doc_id {chunk.index[0]!r} on have column(s) {extra} that "
                             "earlier documents lack; give every document every field (empty or null when missing)")
    return chunk.reindex(columns=columns)


# --------------------------------------------------------------------------- the driver


_READ_OPTIONS = ("chunk_size", "text_column", "id_column", "encoding", "metadata", "file_column", "on_empty",
                 "format")


def _export(source: Any, read: dict) -> Any:
    """A news-database export path read into a Corpus (``read["format"]``, recognised by default); else ``source``."""
    from textlab.preprocessing.exports.corpus import export_corpus

    fmt = read.pop("format", "auto")
    if isinstance(source, (Corpus, CorpusReader)):
        return source
    exported = export_corpus(source, format=fmt, encoding=read.get("encoding", "utf-8"),
                             on_empty=read.get("on_empty", "error"))
    return source if exported is None else exported


def _chunks(source: Any, read: dict) -> tuple[Iterator[pd.DataFrame], CorpusReader | None]:
    unknown = sorted(set(read) - set(_READ_OPTIONS))
    if unknown:
        raise bad_value("read", read, f"a dict with keys among {list(_READ_OPTIONS)} (unknown: {unknown})")
    if isinstance(source, Corpus):
        docs = source.docs
        size = int(read.get("chunk_size", 10_000))
        return (docs.iloc[i:i + size] for i in range(0, len(docs), size)), None
    reader = source if isinstance(source, CorpusReader) else iter_corpus(source, **read)
    return iter(reader), reader


def prepare_data(
    source: str | Path | Corpus | CorpusReader,
    *,
    read: dict | None = None,
    store: str = "auto",
    cache_dir: str | Path | None = None,
    n_jobs: int = -1,
    clean: dict | bool | None = None,
    passages: dict | bool | None = None,
    tokens: TokenizerOptions | dict | None = None,
    counts: dict | None = None,
    progress: bool | None = True,
) -> PreparedCorpus:
    """Read, clean, split, tokenise and count a corpus, in memory or on disk, with one code path.

    Parameters
    ----------
    source
        A corpus path (anything :func:`~textlab.preprocessing.read.iter_corpus` reads), a
        reader from ``iter_corpus``, or a loaded :class:`~textlab.preprocessing.read.Corpus`.
    read
        Options of ``iter_corpus`` (``text_column``, ``id_column``, ``encoding``, ``metadata``,
        ``on_empty``, ``chunk_size`` ...) when ``source`` is a path, and ``format`` (``"auto"``:
        news-database exports are recognised and split into articles; ``"nexis"``, ``"factiva"``,
        ``"proquest"``; ``"standard"``: never an export), as in ``load_corpus``.
    store
        ``"memory"``, ``"disk"`` or ``"auto"`` (see :func:`choose_store`).
    cache_dir
        Folder for the disk store (``data/`` token and count shards, ``audit.parquet``); a new
        temporary folder when ``None``, removed when the process exits (a results folder written
        by ``write_results`` keeps its own copy in ``store/``). Unused in memory.
    n_jobs
        Worker processes for cleaning and tokenising (``-1``: all cores). The output is the
        same for every value.
    clean
        ``None`` (the profile chosen automatically), ``False`` (no cleaning) or a dict of
        :func:`~textlab.preprocessing.clean.clean_corpus`'s options (``profile``, ``rules``,
        ``disable``, ``patterns``, ``source_column``, ``boilerplate``, ``overrides_from_metadata``).
        Profile and furniture are decided on the first chunk (``read["chunk_size"]`` documents, 10,000
        by default) and applied to every chunk; the choice, its reasons and the furniture
        thresholds are in ``params["clean"]``.
    passages
        ``None`` (``max_words=120, min_words=12``), a dict of those, or ``False`` for one row
        per document.
    tokens
        :class:`~textlab.preprocessing.tokens.TokenizerOptions` (or a dict of its fields).
    counts
        Options of :func:`~textlab.preprocessing.counts.count_terms` (``min_df``, ``max_df``,
        ``vocabulary``).
    progress
        Show a progress bar (``None``: only on a terminal).

    Returns
    -------
    PreparedCorpus

    Examples
    --------
    >>> from textlab.preprocessing.read import load_texts
    >>> corpus = load_texts({"a": "Logo\\nThe EU opens a supply chain office in York.", "b": "A council opens a cloud hub."})
    >>> prepared = prepare_data(corpus, store="memory", n_jobs=1, passages={"min_words": 2}, progress=False)
    >>> prepared.data.rows["passage_id"].tolist(), prepared.audit["rule"].tolist()
    (['a:000', 'b:000'], ['navigation'])
    >>> prepared.data.tokens[0]
    ['european_union', 'open', 'supply_chain', 'office', 'york']
    """
    read = dict(read or {})
    clean_opts = _options(clean, "clean", _CLEAN_DEFAULTS)
    passage_opts = _options(passages, "passages", {"max_words": 120, "min_words": 12})
    options = _tokenizer(tokens)
    count_opts = _options(counts, "counts", {"min_df": 1, "max_df": 1.0, "vocabulary": None})
    workers = resolve_n_jobs(n_jobs)
    source = _export(source, read)
    kind, reason = choose_store(source, store)
    if passage_opts is not None:
        split_documents([], [], max_words=passage_opts["max_words"], min_words=passage_opts["min_words"])
    chunks, reader = _chunks(source, read)
    unit = "passage" if passage_opts is not None else "document"
    own_tmp = kind == "disk" and cache_dir is None
    folder = Path(tempfile.mkdtemp(prefix="textlab-data-")) if own_tmp else None if cache_dir is None else Path(cache_dir)
    if own_tmp:
        _remove_at_exit(folder)
    sink = MemorySink(unit) if kind == "memory" else DiskSink(folder, unit, phrases=options.phrases)
    overrides = clean_opts is not None and clean_opts["overrides_from_metadata"]
    state = {"notes": [], "emptied": [], "kept_whole": [], "no_passages": [], "n_removals": 0}
    plan = by_source = None
    try:
        plan, chunks = _plan(clean_opts, chunks)
        worker = _worker(plan, passage_opts, options)
        by_source = None if plan is None or not plan.furniture else plan.source_column
        total = None if reader is None else _cheap_count(reader)
        with counter("Preparing", total=total, unit="doc", disable=None if progress is None else not progress) as bar:
            columns: list = []
            for meta, (cleaned, split, token_lists, words) in ordered_map(  # a Dask cluster's when one is active
                    worker, _tasks(chunks, overrides, columns, str(getattr(reader, "path", "corpus")), by_source),
                    n_jobs=workers):
                if plan is not None and plan.fields:
                    meta = with_fields(meta.copy(), cleaned.fields, plan.fields)
                sink.add(meta, cleaned, split, token_lists, words)
                for key in ("notes", "emptied", "kept_whole"):
                    state[key].extend(getattr(cleaned, key))
                state["no_passages"].extend(split.empty)
                state["n_removals"] += len(cleaned.audit_rows)
                bar.update(len(meta))
        tokenized, audit = sink.finish(options, passage_opts)
    except BaseException:
        sink.abort()
        if own_tmp:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    emit_notes(state["notes"])
    warn_emptied(state["emptied"])
    warn_no_passages(state["no_passages"])
    from textlab.preprocessing.counts import count_terms

    data = count_terms(tokenized, **count_opts)
    read_params = reader.params if reader is not None else dict(source.params)
    clean_p = None if plan is None else clean_params(plan.rules, clean_opts["disable"], overrides,
                                                     state["kept_whole"], state["n_removals"], plan)
    params = {"store": kind, "store_reason": reason, "read": read_params, "clean": clean_p,
              "passages": passage_opts, "unit": unit, "tokens": dict(tokenized.params),
              "counts": {k: v for k, v in count_opts.items() if k != "vocabulary"} | {
                  "vocabulary_given": count_opts["vocabulary"] is not None},
              "n_jobs": workers, "cache_dir": None if folder is None else str(folder),
              "scheduler": "local" if active_client() is None else "dask"}
    data = data.with_(unit=unit, params={**data.params, "read": read_params, "clean": clean_p})
    documents = sink.documents()
    summary = None if by_source is None and not (plan and plan.furniture) else _furniture_summary(
        audit if isinstance(audit, pd.DataFrame) else pd.read_parquet(audit), documents, plan)
    return PreparedCorpus(params=params, data=data, documents=documents, audit=audit, clean_summary=summary)


def _remove_at_exit(folder: Path) -> None:
    """A temporary store lives as long as this process (its results read it), then is removed."""
    import atexit
    import os

    pid = os.getpid()  # not in a forked worker that inherits the handler
    atexit.register(lambda: os.getpid() == pid and shutil.rmtree(folder, ignore_errors=True))


_CLEAN_DEFAULTS = {"profile": "auto", "rules": None, "disable": (), "patterns": (), "source_column": "auto",
                   "boilerplate": None, "overrides_from_metadata": True}


def _worker(plan: CleaningPlan | None, passage_opts: dict | None, options: TokenizerOptions) -> _Prepare:
    extra = () if plan is None else (plan.patterns, plan.furniture or None, int(plan.thresholds.get("max_words", 40)))
    return _Prepare(None if plan is None else plan.rules, None if passage_opts is None else passage_opts["max_words"],
                    1 if passage_opts is None else passage_opts["min_words"], options, *extra)


def _plan(clean_opts: dict | None, chunks: Iterator[pd.DataFrame]) -> tuple[CleaningPlan | None, Iterator]:
    """The cleaning plan decided on the first chunk (profile, rules, furniture), and the chunks again."""
    if clean_opts is None:
        return None, chunks
    first = next(chunks, None)
    sample = first if first is not None else pd.DataFrame({"text": []})
    plan = plan_cleaning(sample, profile=clean_opts["profile"], rules=clean_opts["rules"],
                         disable=clean_opts["disable"], patterns=tuple(clean_opts["patterns"]),
                         source_column=clean_opts["source_column"], boilerplate=clean_opts["boilerplate"])
    return plan, (chunks if first is None else chain([first], chunks))


def _furniture_summary(audit: pd.DataFrame, documents: pd.DataFrame, plan: CleaningPlan) -> pd.DataFrame:
    ids = documents["doc_id"].astype(str)
    sources = source_values(documents[plan.source_column] if plan.source_column else None, len(documents))
    fields = documents.reindex(columns=list(plan.fields)).notna().sum(axis=1) if plan.fields else [0] * len(ids)
    return furniture_summary(audit.assign(doc_id=audit["doc_id"].astype(str)), dict(zip(ids, sources)),
                             dict(zip(ids, documents["n_words_raw"])), dict(zip(ids, fields)))


def _cheap_count(reader: CorpusReader) -> int | None:
    try:
        return corpus_size(reader.path, file_column=reader.file_column).n_docs
    except (OSError, ValueError):
        return None

