"""The chunked corpus reader behind :func:`textlab.preprocessing.read.iter_corpus` and its checks.

:class:`CorpusReader` turns the raw chunks of :mod:`textlab.preprocessing._formats` into checked
chunks laid out like ``Corpus.docs``; every check that applies to all inputs (ids unique across
chunks, texts that are text, empty documents, files inside the corpus folder, the fingerprint of
every file read) lives here, once.
"""

from __future__ import annotations

import codecs
import os
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from textlab._errors import CleaningWarning, InputFileError, bad_value
from textlab.preprocessing._formats import (
    RawChunk,
    check_inside,
    file_sha256,
    iter_table,
    list_text_files,
    read_text_file,
    table_format,
)

__all__ = ["CorpusReader", "DEFAULT_CHUNK_SIZE"]

_ON_EMPTY = ("error", "warn", "skip", "keep")
#: The command-line spelling of the reading options named in error messages.
_FLAGS = {"text_column": "--text-column", "on_empty": "--on-empty", "encoding": "--encoding"}
_MAX_LISTED = 10
DEFAULT_CHUNK_SIZE = 10_000


# --------------------------------------------------------------------------- small checks


def _check_encoding(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except (LookupError, TypeError):
        raise bad_value("encoding", encoding, "a Python codec name such as 'utf-8' or 'latin-1'") from None


def _normalise_newlines(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _warn_mojibake(paths: list[Path], encoding: str) -> None:
    shown = ", ".join(str(p) for p in paths[:_MAX_LISTED]) + (f" and {len(paths) - _MAX_LISTED} more"
                                                             if len(paths) > _MAX_LISTED else "")
    warnings.warn(
        f"{shown}: {'is' if len(paths) == 1 else f'{len(paths)} files are'} valid UTF-8 but read as {encoding}, "
        "so non-ASCII characters are probably garbled (e.g. 'Ã©' for 'é'); convert the corpus to one encoding",
        CleaningWarning, stacklevel=4,
    )


def _listing(items: Sequence[str]) -> str:
    shown = ", ".join(repr(i) for i in items[:_MAX_LISTED])
    more = f" and {len(items) - _MAX_LISTED} more" if len(items) > _MAX_LISTED else ""
    return shown + more


def _require_columns(columns: Sequence[str], wanted: Sequence[tuple[str, str]], path: Path | str) -> None:
    for column, option in wanted:
        if column not in columns:
            raise InputFileError(
                path,
                f"has no column {column!r} (columns found: {_listing([str(c) for c in columns])}); "
                f"pass {option}= naming the right column ({_FLAGS[option] + ' on the command line, ' if option in _FLAGS else ''}"
                f"[corpus] {option} in a study file)",
            )


def _resolve_inside(root: Path, name: str, where: str, source: Path) -> Path:
    """Resolve ``name`` relative to ``root``; refuse absolute paths and escapes (``..`` or links)."""
    relative = Path(name)
    if relative.is_absolute() or relative.drive:
        raise InputFileError(source, f"{where}: file {name!r} is an absolute path; name files relative to {root}")
    target = (root / relative).resolve()
    try:
        target.relative_to(root.resolve())
    except ValueError:
        raise InputFileError(
            source, f"{where}: file {name!r} points outside the corpus folder {root}; '..' escapes and symbolic "
            "links leading out are not allowed"
        ) from None
    return target


def _check_options(encoding: str, on_empty: str, chunk_size: int = DEFAULT_CHUNK_SIZE) -> None:
    _check_encoding(encoding)
    if on_empty not in _ON_EMPTY:
        raise bad_value("on_empty", on_empty, f"one of {', '.join(repr(o) for o in _ON_EMPTY)}")
    if not isinstance(chunk_size, int) or isinstance(chunk_size, bool) or chunk_size < 1:
        raise bad_value("chunk_size", chunk_size, "an integer >= 1")


def _texts(raw: pd.Series, ids: np.ndarray, text_column: str, source: Path | str) -> list[str]:
    """The text column as ``str`` (missing -> ""), newlines normalised; numbers and NUL refused."""
    values = raw.tolist()
    bad = [str(i) for i, t in zip(ids, values, strict=True)
           if not (isinstance(t, str) or t is None or (isinstance(t, float) and np.isnan(t)))]
    if bad:
        raise InputFileError(source, f"column {text_column!r} holds non-text values (numbers?) for ids "
                                     f"{_listing(bad)}; store the texts as strings")
    texts = [_normalise_newlines(t) if isinstance(t, str) else "" for t in values]
    nul = [str(i) for i, t in zip(ids, texts, strict=True) if "\x00" in t]
    if nul:
        raise InputFileError(source, f"has texts containing NUL characters (binary data?) for ids {_listing(nul)}")
    return texts


# --------------------------------------------------------------------------- the reader


class CorpusReader:
    """A corpus read in chunks: iterate it for ``DataFrame`` chunks laid out like ``Corpus.docs``.

    Built by :func:`iter_corpus` (which documents the options). Re-iterable: every ``for`` loop
    reads the files again, with the same checks. After a complete iteration :attr:`params`
    holds the fingerprint (every file read, with its SHA-256), the number of documents and the
    ids skipped as empty. Bad paths and options are refused when the reader is built.
    """

    def __init__(self, path: str | os.PathLike, *, chunk_size: int = DEFAULT_CHUNK_SIZE, text_column: str = "text",
                 id_column: str | None = "doc_id", encoding: str = "utf-8", file_column: str = "file",
                 metadata: str | os.PathLike | pd.DataFrame | None = None, on_empty: str = "error") -> None:
        _check_options(encoding, on_empty, chunk_size)
        if isinstance(path, (bytes, int, float)) or path is None:
            raise bad_value("path", path, "a folder or a .csv/.jsonl/.parquet file path")
        self.path = Path(path)
        self.chunk_size, self.text_column, self.id_column = chunk_size, text_column, id_column
        self.encoding, self.file_column, self.on_empty = encoding, file_column, on_empty
        self.metadata = metadata if isinstance(metadata, pd.DataFrame) or metadata is None else Path(metadata)
        self.kind, self.root, self.fmt, self._meta_path = self._classify()
        if id_column is None and self.kind == "metadata_csv":
            raise bad_value("id_column", None, "the name of the id column of the metadata CSV")
        self.files: dict[str, str] = {}
        self.skipped_empty: list[str] = []
        self.n_docs = 0

    # -- what the path is ------------------------------------------------------------
    def _classify(self) -> tuple[str, Path | None, str | None, Path | None]:
        path = self.path
        if path.is_dir():
            meta_path = path / "metadata.csv"
            if isinstance(self.metadata, pd.DataFrame):
                kind = "metadata_csv" if self.file_column in self.metadata.columns else "folder"
                return kind, path, None, None
            if self.metadata is None and meta_path.is_file():
                check_inside(path, meta_path, "metadata.csv")
                kind = "metadata_csv" if self.file_column in self._csv_header(meta_path) else "folder"
                return kind, path, "csv", meta_path
            return "folder", path, None, None
        fmt = table_format(path)
        if fmt is not None:
            if not path.exists():
                raise InputFileError(path, "does not exist")
            if fmt == "csv":
                header = self._csv_header(path)
                if self.file_column in header and self.text_column not in header:
                    return "metadata_csv", path.parent, "csv", path
                if self.text_column not in header:
                    raise InputFileError(
                        path, f"has neither a {self.file_column!r} column (a metadata CSV naming the text files) nor "
                        f"a {self.text_column!r} column (a table of texts); columns found: {_listing(header)}. Add "
                        "one, or name yours with file_column= / text_column= (--text-column on the command line)")
            return "table", None, fmt, None
        if path.suffix.lower() == ".txt":
            raise InputFileError(path, "is a single text file; pass the folder holding it, or use load_texts()")
        if not path.exists():
            raise InputFileError(path, "does not exist")
        raise InputFileError(path, f"has an unsupported type {path.suffix!r}; expected a folder of .txt files or a "
                                   ".csv, .tsv, .jsonl or .parquet table (.gz/.bz2/.xz compressed also work)")

    def _csv_header(self, path: Path) -> list[str]:
        first = next(iter_table(path, "csv", chunk_size=1, encoding=self.encoding), None)
        return [] if first is None else [str(c) for c in first.frame.columns]

    # -- iteration ----------------------------------------------------------------
    def __iter__(self) -> Iterator[pd.DataFrame]:
        self.files, self.skipped_empty, self.n_docs = {}, [], 0
        self._seen: set[str] = set()
        self._garbled: list[Path] = []
        joiner = self._joiner()
        if self.kind == "metadata_csv":
            chunks = self._metadata_chunks()
        elif self.kind == "folder":
            chunks = self._folder_chunks()
        else:
            chunks = self._table_chunks()
        for docs in chunks:
            if joiner is not None:
                docs = joiner.join(docs)
            docs = self._drop_empty(docs)
            self.n_docs += len(docs)
            yield docs
        if joiner is not None:
            joiner.check_all_found(self._seen)
        if self.n_docs == 0:
            why = f"all {len(self.skipped_empty)} were empty" if self.skipped_empty else "only a header?"
            raise InputFileError(self._meta_path or self.path, f"holds no documents ({why}); add documents")
        if self.on_empty == "warn" and self.skipped_empty:
            warnings.warn(f"{self.path}: dropped {len(self.skipped_empty)} empty or whitespace-only documents: "
                          f"{_listing(self.skipped_empty)}", CleaningWarning, stacklevel=3)
        if self._garbled:
            _warn_mojibake(self._garbled, self.encoding)

    @property
    def params(self) -> dict:
        """How the corpus was read (complete after one full iteration)."""
        return {"source": str(self.path), "kind": self.kind, "encoding": self.encoding,
                "text_column": self.text_column, "id_column": self.id_column, "n_docs": self.n_docs,
                "skipped_empty": list(self.skipped_empty), "files": dict(self.files)}

    def _joiner(self) -> _MetadataJoiner | None:
        """Metadata joined on the id: ``metadata=`` (not naming files), or a folder's metadata.csv without files."""
        if self.kind == "metadata_csv":
            return None
        if isinstance(self.metadata, pd.DataFrame):
            return _MetadataJoiner(self.metadata, self.id_column or "doc_id", "metadata")
        source = self.metadata if self.metadata is not None else self._meta_path
        if source is None:
            return None
        frames = [c.frame for c in iter_table(source, "csv", chunk_size=self.chunk_size, encoding=self.encoding,
                                               garbled=self._garbled)]
        self.files[source.name] = file_sha256(source)
        return _MetadataJoiner(pd.concat(frames, ignore_index=True), self.id_column or "doc_id", source)

    def _claim(self, raw_ids: pd.Series, raw: RawChunk, source: Path | str, note: str = "") -> np.ndarray:
        """Ids as strings; blank ids and ids seen before (in this chunk or an earlier one) are errors."""
        values = raw_ids.astype(object)
        blank = (values.isna() | (values.astype(str).str.strip() == "")).to_numpy()
        if blank.any():
            unit = raw.where[0].split()[0] if raw.where else "row"
            numbers = [raw.where[i].split()[-1] for i in blank.nonzero()[0]]
            raise InputFileError(source, f"has rows without an id in {unit}s {_listing(numbers)}{note}")
        ids = values.astype(str).to_numpy(dtype=object)
        seen = self._seen
        duplicated = [i for i in pd.unique(ids[pd.Series(ids).duplicated().to_numpy()])]
        duplicated += [i for i in ids if i in seen and i not in duplicated]
        if duplicated:
            raise InputFileError(source, f"has duplicate ids: {_listing(duplicated)}; every doc_id must be unique")
        seen.update(ids)
        return ids

    def _drop_empty(self, docs: pd.DataFrame) -> pd.DataFrame:
        if self.on_empty == "keep" or not len(docs):
            return docs
        empty_mask = (docs["text"].str.strip() == "").to_numpy()
        if not empty_mask.any():
            return docs
        empty = docs.index[empty_mask].tolist()
        if self.on_empty == "error":
            raise InputFileError(
                self.path if self._meta_path is None else self._meta_path,
                f"has empty or whitespace-only documents: {_listing(empty)}; "
                "remove them or pass on_empty='warn' (or 'skip') to drop them (--on-empty warn on the command line)")
        self.skipped_empty.extend(empty)
        return docs[~empty_mask]

    # -- the three kinds of input ---------------------------------------------------
    def _table_chunks(self) -> Iterator[pd.DataFrame]:
        path, text_column, id_column = self.path, self.text_column, self.id_column
        start = 0
        for raw in iter_table(path, self.fmt, chunk_size=self.chunk_size, encoding=self.encoding,
                              garbled=self._garbled):
            frame = raw.frame
            wanted = [(text_column, "text_column")] + ([(id_column, "id_column")] if id_column else [])
            _require_columns([str(c) for c in frame.columns], wanted, path)
            note = " (row 1 = header)" if self.fmt == "csv" else ""
            if id_column is None:  # row numbers in the file, stable across chunk sizes
                ids = np.array([str(i) for i in range(start, start + len(frame))], dtype=object)
                ids = self._claim(pd.Series(ids, dtype=object), raw, path, note)
            else:
                ids = self._claim(frame[id_column], raw, path, note)
            start += len(frame)
            texts = _texts(frame[text_column], ids, text_column, path)
            meta = frame.drop(columns=[text_column] + ([id_column] if id_column else []))
            if "text" in meta.columns:
                raise InputFileError(path, f"has a column 'text' besides the text column {text_column!r}; rename one")
            meta.insert(0, "text", texts)
            meta.index = pd.Index(ids, name="doc_id", dtype=object)
            yield meta
        self.files[path.name] = file_sha256(path)

    def _metadata_rows(self) -> Iterator[tuple[RawChunk, Path]]:
        if isinstance(self.metadata, pd.DataFrame):
            source = Path("metadata")
            table = self.metadata.reset_index(drop=True)
            for start in range(0, max(len(table), 1), self.chunk_size):
                part = table.iloc[start:start + self.chunk_size]
                yield RawChunk(part, [f"row {start + i + 2}" for i in range(len(part))]), source
            return
        source = self._meta_path
        for raw in iter_table(source, "csv", chunk_size=self.chunk_size, encoding=self.encoding,
                              garbled=self._garbled):
            yield raw, source
        self.files[source.relative_to(self.root).as_posix() if self.path.is_dir() else source.name] = \
            file_sha256(source)

    def _metadata_chunks(self) -> Iterator[pd.DataFrame]:
        root, id_column, file_column = self.root, self.id_column, self.file_column
        named: set[str] = set()
        for raw, source in self._metadata_rows():
            frame = raw.frame
            _require_columns([str(c) for c in frame.columns], [(id_column, "id_column"), (file_column, "file_column")],
                             source)
            ids = self._claim(frame[id_column], raw, source, " (row 1 = header)")
            texts, files, problems = [], [], []
            for where, doc_id, name in zip(raw.where, ids, frame[file_column].tolist(), strict=True):
                where = f"{where} (doc_id {doc_id!r})"
                if not isinstance(name, str) or not name.strip():
                    problems.append(f"{where}: no file named in column {file_column!r}")
                    texts.append("")
                    files.append("")
                    continue
                target = _resolve_inside(root, name.strip(), where, source)
                relative = target.relative_to(root.resolve()).as_posix()
                files.append(relative)
                if not target.is_file():
                    problems.append(f"{where}: file {name!r} not found in {root}")
                    texts.append("")
                    continue
                text, self.files[relative] = read_text_file(target, self.encoding, self._garbled)
                texts.append(_normalise_newlines(text))
            if problems:
                raise InputFileError(source, f"names files that cannot be read: {'; '.join(problems[:_MAX_LISTED])}")
            named.update(files)
            docs = frame.drop(columns=[id_column, file_column])
            docs.insert(0, "text", texts)
            docs["file"] = files
            docs.index = pd.Index(ids, name="doc_id", dtype=object)
            yield docs
        if self.path.is_dir():
            unnamed = [rel for rel, _ in list_text_files(root) if rel not in named]
            if unnamed:
                warnings.warn(f"{self._meta_path or root}: {len(unnamed)} .txt files in {root} are not named in the "
                              f"metadata and were not loaded: {_listing(unnamed)}", CleaningWarning, stacklevel=4)

    def _folder_chunks(self) -> Iterator[pd.DataFrame]:
        root = self.root
        listed = list_text_files(root)
        if not listed:
            raise InputFileError(root, "contains no .txt files")
        for start in range(0, len(listed), self.chunk_size):
            batch = listed[start:start + self.chunk_size]
            raw_ids = pd.Series([rel[: -len(".txt")] for rel, _ in batch], dtype=object)
            ids = self._claim(raw_ids, RawChunk(pd.DataFrame(), [rel for rel, _ in batch]), root)
            texts = []
            for rel, path in batch:
                text, self.files[rel] = read_text_file(path, self.encoding, self._garbled)
                texts.append(_normalise_newlines(text))
            yield pd.DataFrame({"text": texts, "file": [rel for rel, _ in batch]},
                               index=pd.Index(ids, name="doc_id", dtype=object))


class _MetadataJoiner:
    """Metadata rows joined to chunks on the id; ids never found are an error at the end."""

    def __init__(self, table: pd.DataFrame, id_column: str, source: Path | str) -> None:
        _require_columns([str(c) for c in table.columns], [(id_column, "id_column")], source)
        ids = table[id_column].astype(object)
        blank = ids.isna() | (ids.astype(str).str.strip() == "")
        if blank.any():
            rows = [str(i + 2) for i in blank.to_numpy().nonzero()[0]]
            raise InputFileError(source, f"has rows without an id in rows {_listing(rows)} (row 1 = header)")
        ids = ids.astype(str)
        duplicated = ids[ids.duplicated(keep=False)].unique().tolist()
        if duplicated:
            raise InputFileError(source, f"has duplicate ids: {_listing(duplicated)}; every doc_id must be unique")
        self.table = table.drop(columns=[id_column]).set_axis(pd.Index(ids.to_numpy(), name="doc_id"))
        self.source = source

    def join(self, docs: pd.DataFrame) -> pd.DataFrame:
        clash = [c for c in self.table.columns if c in docs.columns]
        if clash:
            raise InputFileError(self.source, f"has columns that clash with the loaded ones: {_listing(clash)}")
        return docs.join(self.table)

    def check_all_found(self, seen: set[str]) -> None:
        unknown = sorted(set(self.table.index) - seen)
        if unknown:
            raise InputFileError(self.source, f"has metadata for documents that were not found: {_listing(unknown)}")
