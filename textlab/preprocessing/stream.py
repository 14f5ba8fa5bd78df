"""Streaming input and parallel preprocessing for corpora too large for memory.

:func:`iter_documents` reads a JSONL, CSV or Parquet table, or a folder of
``.txt`` files, in chunks of ``chunk_size`` documents; only one chunk of texts
is in memory at a time. :func:`preprocess_stream` turns the chunks into token
lists, optionally on several cores (``n_jobs``); its output order and content
are identical to a single-core run, because batches are submitted in order and
collected in order, with at most ``2 * n_jobs`` batches in flight (so a fast
reader never floods memory ahead of slow workers).

The per-text function is textlab's own (``textlab.preprocessing.tokens.tokenize_text``
with cleaning from ``textlab.preprocessing.clean`` when that module offers a per-text
cleaner), or any picklable ``str -> list[str]`` passed as ``preprocess_fn``.
Phrases are not applied here: they need corpus-wide counts, which
:func:`textlab.store.cache.build_bow_cache` collects in a streamed first pass.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

from textlab._errors import InputFileError, bad_value
from textlab._io import iter_parquet_batches
from textlab._progress import _disabled

__all__ = [
    "iter_documents",
    "count_documents",
    "default_preprocess_fn",
    "preprocess_stream",
    "resolve_n_jobs",
    "map_batches",
    "clean_text_only",
    "describe_preprocess_fn",
    "doc_progress",
]

PreprocessFn = Callable[[str], list[str]]

_TABLE_SUFFIXES = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".csv": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet",
}


def _input_format(path: Path) -> str:
    if path.is_dir():
        return "folder"
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in {".gz", ".bz2", ".xz", ".zst", ".zip"}:
        suffixes = suffixes[:-1]
    fmt = _TABLE_SUFFIXES.get(suffixes[-1] if suffixes else "")
    if fmt is None:
        raise InputFileError(
            path, "is not a folder or a .jsonl/.csv/.tsv/.parquet table (compressed .gz/.bz2/.xz also work)"
        )
    return fmt


def _finish_chunk(frame: pd.DataFrame, path: Path, text_column: str, id_column: str, start: int) -> pd.DataFrame:
    """Check columns, make ``doc_id`` a str index and ``text`` a str column (``Corpus.docs`` layout)."""
    if text_column not in frame.columns:
        raise InputFileError(
            path, f"has no column text_column={text_column!r}; columns are {list(frame.columns)}"
        )
    frame = frame.reset_index(drop=True)
    if id_column in frame.columns:
        ids = frame[id_column]
        if ids.isna().any():
            raise InputFileError(path, f"has an empty {id_column!r} in rows {start}..{start + len(frame) - 1}")
        ids = ids.astype(str)
        frame = frame.drop(columns=[id_column])
    else:  # row number in the file, stable across chunk sizes
        ids = pd.Series([str(i) for i in range(start, start + len(frame))])
    text = frame.pop(text_column).fillna("").astype(str)
    frame.insert(0, "text", text)
    frame.index = pd.Index(ids.to_numpy(dtype=object), name="doc_id")
    return frame


def _read_file(file: Path, encoding: str) -> str:
    try:
        return file.read_text(encoding=encoding)
    except UnicodeDecodeError as err:
        raise InputFileError(file, f"cannot be decoded as encoding={encoding!r} ({err.reason})") from err


def _iter_folder(path: Path, chunk_size: int, encoding: str, id_column: str) -> Iterator[pd.DataFrame]:
    meta_path = path / "metadata.csv"
    metadata = None
    if meta_path.is_file():  # as textlab.preprocessing.read.load_corpus: one row per document (small next to the texts)
        metadata = pd.read_csv(meta_path, dtype=str, encoding=encoding)
        if id_column not in metadata.columns:
            raise InputFileError(meta_path, f"has no column id_column={id_column!r}; columns are {list(metadata.columns)}")
        if metadata[id_column].duplicated().any():
            raise InputFileError(meta_path, f"has duplicate values in {id_column!r}")
    if metadata is not None and "file" in metadata.columns:
        yield from _iter_metadata_rows(path, meta_path, metadata, chunk_size, encoding, id_column)
        return
    files = sorted(p for p in path.rglob("*.txt") if p.is_file())
    if not files:
        raise InputFileError(path, "contains no .txt files")
    if metadata is not None:
        metadata = metadata.set_index(id_column)
    for start in range(0, len(files), chunk_size):
        batch = files[start : start + chunk_size]
        rel = [f.relative_to(path).as_posix() for f in batch]
        frame = pd.DataFrame(
            {"text": [_read_file(f, encoding) for f in batch], "file": rel},
            index=pd.Index([r[: -len(".txt")] for r in rel], dtype=object, name="doc_id"),
        )
        if metadata is not None:
            frame = frame.join(metadata, how="left")
        yield frame


def _iter_metadata_rows(path, meta_path, metadata, chunk_size, encoding, id_column) -> Iterator[pd.DataFrame]:
    root = path.resolve()
    for start in range(0, len(metadata), chunk_size):
        rows = metadata.iloc[start : start + chunk_size]
        texts = []
        for line, name in enumerate(rows["file"].fillna(""), start=start + 2):
            target = (root / name.strip()).resolve()
            if not name.strip() or root not in target.parents or not target.is_file():
                raise InputFileError(meta_path, f"row {line}: file {name!r} not found in {path}")
            texts.append(_read_file(target, encoding))
        frame = rows.drop(columns=[id_column, "file"]).copy()
        frame.insert(0, "text", texts)
        frame["file"] = rows["file"].fillna("").str.strip().to_numpy()
        frame.index = pd.Index(rows[id_column].to_numpy(dtype=object), name="doc_id")
        yield frame


def iter_documents(
    path: str | os.PathLike,
    *,
    text_column: str = "text",
    id_column: str = "doc_id",
    chunk_size: int = 10_000,
    encoding: str = "utf-8",
) -> Iterator[pd.DataFrame]:
    """Read a corpus in chunks, never holding all texts in memory.

    Parameters
    ----------
    path
        A ``.jsonl`` (one JSON object per line), ``.csv``/``.tsv``, ``.parquet``
        file (optionally ``.gz``/``.bz2``/``.xz`` compressed, except Parquet),
        or a folder of ``.txt`` files. As in :func:`textlab.preprocessing.read.load_corpus`, a
        ``metadata.csv`` in the folder with a ``file`` column names the
        documents (ids from ``id_column``, its other columns as metadata);
        without a ``file`` column its rows are joined to the files by id.
        Otherwise every ``.txt`` file is a document (searched recursively, in
        sorted order; empty files are kept as empty documents).
    text_column, id_column
        Columns holding the text and the document id in a table. Without an id
        column, ids are the 0-based row numbers as strings. In a folder without a
        metadata ``file`` column the id is the file path relative to the folder
        without ``.txt`` (the file stem for files at the top level).
    chunk_size
        Documents per chunk (files per chunk for a folder).
    encoding
        Text encoding of CSV/JSONL files and ``.txt`` files.

    Yields
    ------
    pandas.DataFrame
        Laid out like ``Corpus.docs``: index ``doc_id`` (str), column ``text``
        (str; missing text becomes ``""``), then the other columns as given
        (all ``str`` for CSV), and ``file`` for folders.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "docs.jsonl"
    >>> _ = f.write_text('{"doc_id": "a", "text": "one"}\\n{"doc_id": "b", "text": "two"}\\n')
    >>> [chunk.index.tolist() for chunk in iter_documents(f, chunk_size=1)]
    [['a'], ['b']]
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError(path, "does not exist")
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise bad_value("chunk_size", chunk_size, "an integer >= 1")
    fmt = _input_format(path)
    if fmt == "folder":
        yield from _iter_folder(path, chunk_size, encoding, id_column)
        return
    start = 0
    if fmt == "parquet":
        import pyarrow.parquet as pq

        reader = pq.ParquetFile(path)
        if text_column not in reader.schema_arrow.names:
            raise InputFileError(
                path, f"has no column text_column={text_column!r}; columns are {reader.schema_arrow.names}"
            )
        chunks: Iterable[pd.DataFrame] = (b.to_pandas() for b in iter_parquet_batches(reader, chunk_size, exact=True))
    elif fmt == "csv":
        sep = "\t" if ".tsv" in [s.lower() for s in path.suffixes] else ","
        chunks = pd.read_csv(
            path, sep=sep, dtype=str, keep_default_na=False, chunksize=chunk_size, encoding=encoding
        )
    else:
        chunks = pd.read_json(
            path, lines=True, chunksize=chunk_size, dtype=False, encoding=encoding
        )
    try:
        for frame in chunks:
            yield _finish_chunk(frame, path, text_column, id_column, start)
            start += len(frame)
    except (ValueError, UnicodeDecodeError) as err:
        if isinstance(err, InputFileError):
            raise
        raise InputFileError(path, f"could not be read near document {start}: {err}") from err
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


def count_documents(path: str | os.PathLike, *, text_column: str = "text") -> int | None:
    """Number of documents in ``path`` if cheap to know (Parquet metadata, folders), else ``None``.

    Used to give progress bars a total. JSONL/CSV would need a full read, so
    they return ``None``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.txt").write_text("x")
    >>> count_documents(d)
    1
    """
    path = Path(path)
    fmt = _input_format(path)
    if fmt == "folder":
        if (path / "metadata.csv").is_file():  # the table decides which files are documents
            return None
        return sum(1 for p in path.rglob("*.txt") if p.is_file())
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    return None


# --- per-text preprocessing -------------------------------------------------------------


class _CleanThenTokenize:
    """Picklable ``text -> tokens``: optional per-text cleaner, then the tokenizer."""

    def __init__(self, tokenize_fn: PreprocessFn, clean_fn: Callable[[str], str] | None) -> None:
        self.tokenize_fn = tokenize_fn
        self.clean_fn = clean_fn

    def __call__(self, text: str) -> list[str]:
        if self.clean_fn is not None:
            text = self.clean_fn(text)
        return self.tokenize_fn(text)


def default_preprocess_fn(options: Any = None, *, clean: bool = True) -> PreprocessFn:
    """textlab's per-text preprocessing: ``clean_text`` (default rules), then ``tokenize_text``.

    Parameters
    ----------
    options
        ``textlab.preprocessing.tokens.TokenizerOptions`` (or a dict of its fields);
        ``None`` for the defaults.
    clean
        Apply :func:`textlab.preprocessing.clean.clean_text` with its default rules first
        (per-document overrides such as ``clean_cutoff`` are not available when
        streaming; the cleaning audit is not kept).

    Returns
    -------
    callable
        A picklable ``str -> list[str]`` (usable in worker processes).
    """
    preprocess = importlib.import_module("textlab.preprocessing.tokens")  # textlab.preprocessing.tokens is also a function name

    tokenize_text = getattr(preprocess, "tokenize_text", None)
    options_cls = getattr(preprocess, "TokenizerOptions", None)
    if tokenize_text is None:
        raise bad_value("preprocess_fn", None, "a function str -> list[str] (textlab.preprocessing.tokens.tokenize_text is not available)")
    if isinstance(options, dict) and options_cls is not None:
        options = options_cls(**options)
    elif options is None and options_cls is not None:
        options = options_cls()
    tokenize_fn = functools.partial(tokenize_text, options=options)
    return _CleanThenTokenize(tokenize_fn, clean_text_only if clean else None)


def clean_text_only(text: str) -> str:
    """The text :func:`textlab.preprocessing.clean.clean_text` returns with its default rules, without the audit.

    ``clean_text`` builds a pandas audit table per call, which costs more than
    the cleaning itself; streaming does not keep audits, so this calls
    :func:`textlab.preprocessing.clean.clean_text_fast` (same result; ``tests/test_stream.py``
    checks it).

    Examples
    --------
    >>> clean_text_only("Logo\\nA headline here\\n\\nBody text.")
    'A headline here\\n\\nBody text.'
    """
    from textlab.preprocessing.clean import clean_text_fast

    return clean_text_fast(text)


def describe_preprocess_fn(fn: PreprocessFn) -> str:
    """A stable text naming a preprocess function and its settings (part of cache keys).

    Examples
    --------
    >>> import functools, textwrap
    >>> describe_preprocess_fn(functools.partial(textwrap.wrap, width=5))
    'textwrap.wrap(;width=5)'
    """
    if isinstance(fn, _CleanThenTokenize):
        clean = describe_preprocess_fn(fn.clean_fn) if fn.clean_fn is not None else "none"
        return f"clean={clean};tokenize={describe_preprocess_fn(fn.tokenize_fn)}"
    if isinstance(fn, functools.partial):
        kwargs = ",".join(f"{k}={_describe_value(v)}" for k, v in sorted(fn.keywords.items()))
        args = ",".join(_describe_value(a) for a in fn.args)
        return f"{describe_preprocess_fn(fn.func)}({args};{kwargs})"
    module = getattr(fn, "__module__", type(fn).__module__)
    name = getattr(fn, "__qualname__", type(fn).__qualname__)
    return f"{module}.{name}"


def _describe_value(value: Any) -> str:
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = ",".join(f"{f.name}={_describe_value(getattr(value, f.name))}" for f in dataclasses.fields(value))
        return f"{type(value).__qualname__}({fields})"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{_describe_value(v)}" for k, v in sorted(value.items(), key=lambda kv: repr(kv[0]))) + "}"
    if isinstance(value, (set, frozenset)):
        return "{" + ",".join(sorted(repr(v) for v in value)) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_describe_value(v) for v in value) + "]"
    return repr(value)


# --- ordered parallel map -------------------------------------------------------------------

_WORKER_FN: PreprocessFn | None = None


def _init_worker(fn: PreprocessFn) -> None:
    global _WORKER_FN
    _WORKER_FN = fn
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    _exit_with_parent()


def _exit_with_parent() -> None:
    """On Linux, ask the kernel to end this worker if the parent dies (e.g. ``kill``), so no orphans remain."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - other libc
        pass


def _run_batch(texts: Sequence[str]) -> list[list[str]]:
    if _WORKER_FN is None:  # pragma: no cover - initializer always runs first
        raise RuntimeError("worker started without a preprocess function")
    fn = _WORKER_FN
    return [fn(text) for text in texts]


def resolve_n_jobs(n_jobs: int) -> int:
    """Translate ``n_jobs`` (``-1`` = all cores) into a worker count >= 1.

    Examples
    --------
    >>> resolve_n_jobs(1)
    1
    """
    if not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise bad_value("n_jobs", n_jobs, "a positive integer, or -1 for all cores")
    return (os.cpu_count() or 1) if n_jobs == -1 else n_jobs


def map_batches(
    fn: PreprocessFn,
    batches: Iterable[tuple[Any, Sequence[str]]],
    *,
    n_jobs: int = 1,
) -> Iterator[tuple[Any, list[list[str]]]]:
    """Apply ``fn`` to every text of ``(payload, texts)`` batches, in order, on ``n_jobs`` processes.

    At most ``2 * n_jobs`` batches are in flight, so memory stays bounded
    however long the input is. With ``n_jobs=1`` no process is started.

    Examples
    --------
    >>> list(map_batches(str.split, [("first", ["a b"]), ("second", ["c"])]))
    [('first', [['a', 'b']]), ('second', [['c']])]
    """
    workers = resolve_n_jobs(n_jobs)
    if workers == 1:
        for payload, texts in batches:
            yield payload, [fn(text) for text in texts]
        return
    pending: deque[tuple[Any, Future]] = deque()
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(fn,)) as pool:
        try:
            for payload, texts in batches:
                pending.append((payload, pool.submit(_run_batch, list(texts))))
                if len(pending) >= 2 * workers:
                    done_payload, future = pending.popleft()
                    yield done_payload, future.result()
            while pending:
                done_payload, future = pending.popleft()
                yield done_payload, future.result()
        except BaseException:
            for _, future in pending:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _batched_chunks(chunks: Iterable[pd.DataFrame], batch_size: int) -> Iterator[tuple[pd.DataFrame, list[str]]]:
    for chunk in chunks:
        for start in range(0, len(chunk), batch_size):
            part = chunk.iloc[start : start + batch_size]
            yield part, part["text"].tolist()


def preprocess_stream(
    chunks: Iterable[pd.DataFrame],
    *,
    options: Any = None,
    preprocess_fn: PreprocessFn | None = None,
    n_jobs: int = 1,
    batch_size: int = 500,
    show_progress: bool | None = None,
) -> Iterator[tuple[list[str], list[list[str]]]]:
    """Tokenise streamed documents, on several cores if asked, in input order.

    Parameters
    ----------
    chunks
        DataFrames from :func:`iter_documents` (index ``doc_id``, column ``text``).
    options
        Tokenizer options for textlab's default preprocessing (ignored when
        ``preprocess_fn`` is given).
    preprocess_fn
        Any picklable ``str -> list[str]`` (module-level function or
        ``functools.partial``); default :func:`default_preprocess_fn` ``(options)``.
    n_jobs
        Worker processes (``-1`` = all cores). The output is identical for
        every value.
    batch_size
        Documents per task sent to a worker.
    show_progress
        Progress bar with documents per second (``None``: automatic).

    Yields
    ------
    ids, token_lists
        For every batch of up to ``batch_size`` documents, in input order.

    Examples
    --------
    >>> import pandas as pd
    >>> chunk = pd.DataFrame({"text": ["Data centre", "AI hub"]}, index=pd.Index(["a", "b"], name="doc_id"))
    >>> list(preprocess_stream([chunk], preprocess_fn=str.split))
    [(['a', 'b'], [['Data', 'centre'], ['AI', 'hub']])]
    """
    if not isinstance(batch_size, int) or batch_size < 1:
        raise bad_value("batch_size", batch_size, "an integer >= 1")
    fn = preprocess_fn if preprocess_fn is not None else default_preprocess_fn(options)
    batches = _batched_chunks(chunks, batch_size)
    results = map_batches(fn, batches, n_jobs=n_jobs)
    with doc_progress("tokenising", show_progress=show_progress) as bar:
        for part, token_lists in results:
            bar.update(len(token_lists))
            yield part.index.tolist(), token_lists


def doc_progress(
    desc: str, *, total: int | None = None, show_progress: bool | None = None, unit: str = "doc"
) -> Any:
    """A tqdm bar advanced by ``bar.update(n)``, showing documents per second.

    Follows ``TEXTLAB_PROGRESS`` like :func:`textlab._progress.progress`.

    Examples
    --------
    >>> with doc_progress("reading", total=2, show_progress=False) as bar:
    ...     bar.update(2)
    """
    from tqdm.auto import tqdm

    disable = _disabled(None if show_progress is None else not show_progress)
    return tqdm(desc=desc, total=total, unit=unit, unit_scale=True, disable=disable, leave=False)
