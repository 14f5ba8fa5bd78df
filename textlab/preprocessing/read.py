"""Read a corpus: texts plus metadata, checked, in chunks (:func:`iter_corpus`) or whole (:func:`load_corpus`).

One reader serves every size. :func:`iter_corpus` reads chunks of ``chunk_size`` documents;
:func:`load_corpus` collects them into a :class:`Corpus`, and the streamed path of
:func:`textlab.preprocessing.pipeline.prepare_data` consumes them one at a time. Inputs:

* a metadata CSV with a ``file`` column naming text files relative to the CSV's folder;
* a folder of ``.txt`` files (``doc_id`` = path without ``.txt``, searched recursively), with an
  optional ``metadata.csv`` (naming the files, or joined on the id);
* a CSV/TSV, JSON Lines or Parquet table with a text column and metadata columns (CSV and JSON
  Lines may be ``.gz``/``.bz2``/``.xz`` compressed).

Every input is checked the same way, whatever its size: unique ids (across chunks), files that
stay inside the corpus folder (``..``, absolute paths and symbolic links leading out are refused),
text that decodes in the given encoding (the error names the file, byte and line), no NUL bytes,
text columns that hold text (not numbers), a leading byte-order mark dropped, CSV rows with as
many fields as the header (else the line is named), empty documents refused unless asked, and
every file read recorded with its SHA-256 in ``params["files"]`` (the corpus fingerprint). A
CSV field is missing only when empty (``"NA"`` or ``"null"`` stay text). Input files are only read.

:func:`load_texts` builds a corpus from strings already in memory (notebooks).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from textlab._errors import CleaningWarning, ConfigError, InputFileError, bad_value
from textlab.preprocessing._corpus_reader import (
    DEFAULT_CHUNK_SIZE,
    CorpusReader,
    _check_options,
    _listing,
    _MetadataJoiner,
    _texts,
)
from textlab.preprocessing._formats import iter_table, list_text_files, table_format

__all__ = ["Corpus", "CorpusReader", "CorpusSize", "iter_corpus", "load_corpus", "load_texts", "corpus_size"]

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


def iter_corpus(
    path: str | os.PathLike,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    text_column: str = "text",
    id_column: str | None = "doc_id",
    encoding: str = "utf-8",
    metadata: str | os.PathLike | pd.DataFrame | None = None,
    file_column: str = "file",
    on_empty: str = "error",
) -> CorpusReader:
    """Read a corpus in chunks of ``chunk_size`` documents, checked as :func:`load_corpus` checks it.

    Parameters
    ----------
    path
        A metadata CSV with a ``file_column`` (and no ``text_column``) naming text files
        relative to its folder; a folder of ``.txt`` files (searched recursively; ids are the
        paths without ``.txt``, the file stems at the top level; a ``metadata.csv`` in the
        folder names the files or is joined on the id); or a ``.csv``/``.tsv``, ``.jsonl`` or
        ``.parquet`` table with a ``text_column`` (CSV and JSONL may be compressed).
    chunk_size
        Documents per chunk; only one chunk of texts is in memory at a time.
    text_column, id_column, file_column
        Column names. Ids are always strings (``"000"`` stays ``"000"``). ``id_column=None``
        numbers the rows of a table (``"0"``, ``"1"`` ...).
    encoding
        Encoding of text files and CSV/JSONL tables (a UTF-8 byte-order mark is dropped,
        CRLF becomes ``\\n``).
    metadata
        Extra metadata (a CSV path or a DataFrame with ``id_column``) joined on the id.
    on_empty
        Empty or whitespace-only documents: ``"error"`` (default), ``"warn"`` or ``"skip"``
        (dropped, listed in ``params["skipped_empty"]``), or ``"keep"``.

    Returns
    -------
    CorpusReader
        Iterate it for chunks (index ``doc_id``; ``text`` first, then the metadata columns,
        and ``file`` for file-based corpora); ``reader.params`` after the loop.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "docs.jsonl"
    >>> _ = f.write_text('{"doc_id": "a", "text": "one"}\\n{"doc_id": "b", "text": "two"}\\n')
    >>> reader = iter_corpus(f, chunk_size=1)
    >>> [chunk.index.tolist() for chunk in reader], reader.params["n_docs"]
    ([['a'], ['b']], 2)
    """
    return CorpusReader(path, chunk_size=chunk_size, text_column=text_column, id_column=id_column,
                        encoding=encoding, file_column=file_column, metadata=metadata, on_empty=on_empty)


def load_corpus(
    path: str | Path,
    *,
    text_column: str = "text",
    id_column: str | None = "doc_id",
    encoding: str = "utf-8",
    file_column: str = "file",
    metadata: str | Path | pd.DataFrame | None = None,
    on_empty: str = "error",
    format: str = "auto",
) -> Corpus:
    """Load and check a whole corpus: :func:`iter_corpus` collected into a :class:`Corpus`.

    Parameters
    ----------
    path, text_column, id_column, file_column, encoding, metadata, on_empty
        As in :func:`iter_corpus`.
    format
        ``"auto"`` (news-database exports recognised, see
        :func:`textlab.preprocessing.exports.corpus.is_export`; anything else read as above),
        ``"nexis"``, ``"factiva"`` or ``"proquest"`` (split into articles with their metadata by
        :func:`textlab.preprocessing.exports.read_export`), or ``"standard"`` (never an export).

    Returns
    -------
    Corpus
        ``docs`` indexed by ``doc_id`` with ``text`` first, then the metadata columns
        (and ``file`` for file-based corpora). ``params["files"]`` maps every input
        file to its SHA-256.

    Raises
    ------
    InputFileError
        Undecodable or binary files, missing files, duplicate ids, paths escaping the
        corpus folder, ragged CSV rows, missing columns, empty documents (unless
        ``on_empty`` says otherwise).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_text("First text.\\n")
    >>> _ = (folder / "b.txt").write_text("Second text.\\n")
    >>> corpus = load_corpus(folder)
    >>> corpus.docs.index.tolist(), corpus.docs.loc["b", "text"]
    (['a', 'b'], 'Second text.\\n')
    """
    from textlab._progress import counter
    from textlab.preprocessing.exports.corpus import export_corpus

    exported = export_corpus(path, format=format, encoding=encoding, on_empty=on_empty)
    if exported is not None:
        return exported
    reader = iter_corpus(path, text_column=text_column, id_column=id_column, encoding=encoding,
                         file_column=file_column, metadata=metadata, on_empty=on_empty)
    chunks = []
    with counter("Reading", unit="doc") as bar:
        for chunk in reader:
            chunks.append(chunk)
            bar.update(len(chunk))
    docs = pd.concat(chunks) if len(chunks) > 1 else chunks[0]
    docs.index = pd.Index(docs.index.to_numpy(dtype=object), name="doc_id")  # one dtype whatever the chunking
    return Corpus(docs=docs, root=reader.root, params=reader.params)


@dataclass(frozen=True)
class CorpusSize:
    """What a corpus costs to hold, known without reading its texts.

    Attributes
    ----------
    n_docs
        Number of documents when cheap to know (folders, metadata CSVs, Parquet), else ``None``.
    n_bytes
        Bytes of text on disk (uncompressed estimate: compressed tables count 4x their size,
        Parquet its uncompressed column size).
    """

    n_docs: int | None
    n_bytes: int


def corpus_size(path: str | os.PathLike, *, file_column: str = "file") -> CorpusSize:
    """Count documents and bytes of a corpus cheaply (file sizes and metadata only, no text read).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.txt").write_text("four")
    >>> corpus_size(d)
    CorpusSize(n_docs=1, n_bytes=4)
    """
    path = Path(path)
    meta = path / "metadata.csv" if path.is_dir() else path
    fmt = table_format(meta) if meta.is_file() else None
    if fmt == "csv" and (path.is_dir() or path.stat().st_size < 50_000_000):
        first = next(iter_table(meta, "csv", chunk_size=1, encoding="utf-8-sig"), None)
        if first is not None and file_column in first.frame.columns:
            sizes = [0]
            n = 0
            for raw in iter_table(meta, "csv", chunk_size=DEFAULT_CHUNK_SIZE, encoding="utf-8-sig"):
                for name in raw.frame[file_column].dropna():
                    n += 1
                    target = meta.parent / str(name).strip()
                    sizes.append(target.stat().st_size if target.is_file() else 0)
            return CorpusSize(n, int(sum(sizes)))
    if path.is_dir():
        listed = list_text_files(path)
        return CorpusSize(len(listed), int(sum(p.stat().st_size for _, p in listed)))
    if not path.is_file():
        raise InputFileError(path, "does not exist")
    size = path.stat().st_size
    if fmt == "parquet":
        import pyarrow.parquet as pq

        info = pq.ParquetFile(path).metadata
        raw = sum(info.row_group(g).total_byte_size for g in range(info.num_row_groups))
        return CorpusSize(int(info.num_rows), int(max(raw, size)))
    compressed = path.suffix.lower() in (".gz", ".bz2", ".xz")
    return CorpusSize(None, int(size * 4 if compressed else size))


# --------------------------------------------------------------------------- in memory


def load_texts(
    texts: Mapping[str, str] | Sequence[str],
    metadata: pd.DataFrame | None = None,
    *,
    on_empty: str = "error",
) -> Corpus:
    """Build a corpus from strings in memory (for notebooks).

    Parameters
    ----------
    texts
        A mapping ``doc_id -> text``, or a sequence of texts (ids ``"0"``, ``"1"`` …,
        zero-padded to equal width).
    metadata
        Optional table: with a ``doc_id`` column (or index named ``doc_id``) it is
        joined on the id; otherwise it must have one row per text, in order.
    on_empty
        ``"error"``, ``"warn"`` or ``"skip"`` for empty texts, as in :func:`load_corpus`.

    Returns
    -------
    Corpus
        ``root`` is ``None``; ``params["kind"] == "texts"``.

    Examples
    --------
    >>> corpus = load_texts({"a": "One.", "b": "Two."}, pd.DataFrame({"doc_id": ["a", "b"], "outlet": ["x", "y"]}))
    >>> corpus.docs["outlet"].tolist()
    ['x', 'y']
    """
    _check_options("utf-8", on_empty)
    if isinstance(texts, str):
        raise bad_value("texts", texts[:40], "a mapping doc_id -> text or a list of texts, not a single string")
    if isinstance(texts, Mapping):
        ids, values = [str(k) for k in texts], list(texts.values())
    else:
        values = list(texts)
        width = len(str(max(len(values) - 1, 0)))
        ids = [str(i).zfill(width) for i in range(len(values))]
    duplicated = pd.Series(ids)[pd.Series(ids).duplicated()].unique().tolist()
    if duplicated:
        raise InputFileError("texts", f"has duplicate ids: {_listing(duplicated)}; every doc_id must be unique")
    id_array = np.array(ids, dtype=object)
    docs = pd.DataFrame({"text": _texts(pd.Series(values, dtype=object), id_array, "text", "texts")},
                        index=pd.Index(id_array, name="doc_id", dtype=object))
    if metadata is not None:
        if metadata.index.name == "doc_id":
            metadata = metadata.reset_index()
        if "doc_id" in metadata.columns:
            joiner = _MetadataJoiner(metadata, "doc_id", "metadata")
            docs = joiner.join(docs)
            joiner.check_all_found(set(docs.index))
        elif len(metadata) == len(docs):
            meta = metadata.set_axis(docs.index)
            clash = [c for c in meta.columns if c in docs.columns]
            if clash:
                raise ConfigError(f"metadata has columns that clash with the loaded ones: {_listing(clash)}")
            docs = docs.join(meta)
        else:
            raise ConfigError(
                f"metadata has {len(metadata)} rows but there are {len(docs)} texts; give one row per text "
                "or a 'doc_id' column"
            )
    empty = docs.index[docs["text"].str.strip() == ""].tolist()
    if empty and on_empty == "error":
        raise InputFileError("texts", f"has empty or whitespace-only documents: {_listing(empty)}; "
                                      "remove them or pass on_empty='warn' (or 'skip') to drop them")
    if empty and on_empty == "warn":
        warnings.warn(f"texts: dropped {len(empty)} empty or whitespace-only documents: {_listing(empty)}",
                      CleaningWarning, stacklevel=2)
    if on_empty != "keep":
        docs = docs.drop(index=empty)
    else:
        empty = []
    params = {"source": "memory", "kind": "texts", "n_docs": len(docs), "skipped_empty": empty, "files": {}}
    return Corpus(docs=docs, root=None, params=params)
