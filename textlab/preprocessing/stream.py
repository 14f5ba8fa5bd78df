"""Parallel, ordered preprocessing of streamed documents.

Reading is :func:`textlab.preprocessing.read.iter_corpus` (one reader for every size;
:func:`iter_documents` is its older name). :func:`map_ordered` applies a picklable
function to a stream of items on ``n_jobs`` processes, in input order, with bounded
memory; :func:`preprocess_stream` turns document chunks into token
lists, optionally on several cores (``n_jobs``); its output order and content
are identical to a single-core run, because batches are submitted in order and
collected in order, with at most ``2 * n_jobs`` batches in flight (so a fast
reader never floods memory ahead of slow workers).

The per-text function is textlab's own (``textlab.preprocessing.tokens.tokenize_text``
with cleaning from ``textlab.preprocessing.clean`` when that module offers a per-text
cleaner), or any picklable ``str -> list[str]`` passed as ``preprocess_fn``.
Phrases are not applied here: they need corpus-wide counts.

For the whole preparation (cleaning with its audit and per-document overrides, passages,
phrases learned once, counts) in memory or on disk, use
:func:`textlab.preprocessing.pipeline.prepare_data`, which runs on :func:`map_ordered`.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import pandas as pd

from textlab._errors import bad_value
from textlab._progress import _disabled

__all__ = [
    "iter_documents",
    "count_documents",
    "default_preprocess_fn",
    "preprocess_stream",
    "resolve_n_jobs",
    "map_batches",
    "map_ordered",
    "clean_text_only",
    "describe_preprocess_fn",
    "doc_progress",
]

PreprocessFn = Callable[[str], list[str]]


def iter_documents(
    path: str | os.PathLike,
    *,
    text_column: str = "text",
    id_column: str | None = "doc_id",
    chunk_size: int = 10_000,
    encoding: str = "utf-8",
    on_empty: str = "keep",
) -> Iterator[pd.DataFrame]:
    """Read a corpus in chunks: :func:`textlab.preprocessing.read.iter_corpus` keeping empty documents.

    Kept for code written before the one reader; it is that reader (same formats, same
    checks) with ``on_empty="keep"``. ``id_column=None`` numbers the rows of a table.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "docs.jsonl"
    >>> _ = f.write_text('{"doc_id": "a", "text": "one"}\\n{"doc_id": "b", "text": ""}\\n')
    >>> [chunk.index.tolist() for chunk in iter_documents(f, chunk_size=1)]
    [['a'], ['b']]
    """
    from textlab.preprocessing.read import iter_corpus

    yield from iter_corpus(path, text_column=text_column, id_column=id_column, chunk_size=chunk_size,
                           encoding=encoding, on_empty=on_empty)


def count_documents(path: str | os.PathLike, *, text_column: str = "text") -> int | None:
    """Number of documents in ``path`` if cheap to know (folders, metadata CSVs, Parquet), else ``None``.

    Used to give progress bars a total (see :func:`textlab.preprocessing.read.corpus_size`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.txt").write_text("x")
    >>> count_documents(d)
    1
    """
    from textlab.preprocessing.read import corpus_size

    return corpus_size(path).n_docs


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
        (no per-document overrides and no audit here: :func:`textlab.preprocessing.pipeline.prepare_data`
        has both).

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

_WORKER_FN: Callable[[Any], Any] | None = None


def _init_worker(fn: Callable[[Any], Any]) -> None:
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


class _PerText:
    """Picklable ``texts -> [fn(text) for text in texts]``."""

    def __init__(self, fn: PreprocessFn) -> None:
        self.fn = fn

    def __call__(self, texts: Sequence[str]) -> list[list[str]]:
        fn = self.fn
        return [fn(text) for text in texts]


def _run_item(item: Any) -> Any:
    if _WORKER_FN is None:  # pragma: no cover - initializer always runs first
        raise RuntimeError("worker started without a function")
    return _WORKER_FN(item)


def map_ordered(
    fn: Callable[[Any], Any],
    items: Iterable[tuple[Any, Any]],
    *,
    n_jobs: int = 1,
) -> Iterator[tuple[Any, Any]]:
    """Yield ``(payload, fn(item))`` for ``(payload, item)`` pairs, in input order, on ``n_jobs`` processes.

    ``fn`` must be picklable (a module-level function or an instance of a module-level
    class); it is sent once to each worker. At most ``2 * n_jobs`` items are in flight, so
    memory stays bounded however long the input is, and the output is the same for every
    ``n_jobs``. With one job no process is started.

    Examples
    --------
    >>> list(map_ordered(len, [("first", "ab"), ("second", "c")]))
    [('first', 2), ('second', 1)]
    """
    workers = resolve_n_jobs(n_jobs)
    if workers == 1:
        for payload, item in items:
            yield payload, fn(item)
        return
    pending: deque[tuple[Any, Future]] = deque()
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(fn,)) as pool:
        try:
            for payload, item in items:
                pending.append((payload, pool.submit(_run_item, item)))
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


def map_batches(
    fn: PreprocessFn,
    batches: Iterable[tuple[Any, Sequence[str]]],
    *,
    n_jobs: int = 1,
) -> Iterator[tuple[Any, list[list[str]]]]:
    """Apply ``fn`` to every text of ``(payload, texts)`` batches, in order (:func:`map_ordered` per text).

    Examples
    --------
    >>> list(map_batches(str.split, [("first", ["a b"]), ("second", ["c"])]))
    [('first', [['a', 'b']]), ('second', [['c']])]
    """
    yield from map_ordered(_PerText(fn), ((payload, list(texts)) for payload, texts in batches), n_jobs=n_jobs)


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
