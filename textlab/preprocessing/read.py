"""Load a corpus: texts plus metadata, checked, into a :class:`Corpus`.

Three kinds of input are accepted by :func:`load_corpus`:

* a metadata CSV with a ``file`` column naming text files relative to the CSV's folder;
* a folder of ``.txt`` files (``doc_id`` = file stem), with an optional ``metadata.csv``;
* a CSV, JSON Lines or Parquet table with a text column and metadata columns.

:func:`load_texts` builds a corpus from strings already in memory (notebooks).

Every input is checked before anything is returned: unique ids, file paths that stay
inside the corpus folder, text that decodes in the given encoding (the error names the
file and the byte offset), no binary (NUL-containing) files, no empty documents unless
asked. Input files are only read, never written.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from textlab._errors import CleaningWarning, ConfigError, InputFileError, bad_value
from textlab._progress import progress

__all__ = ["Corpus", "load_corpus", "load_texts"]

_ON_EMPTY = ("error", "warn", "skip")
_TABLE_SUFFIXES = (".csv", ".jsonl", ".parquet")
_MAX_LISTED = 10


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


# --------------------------------------------------------------------------- decoding


def _check_encoding(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise bad_value("encoding", encoding, "a Python codec name such as 'utf-8' or 'latin-1'") from None


def _normalise_newlines(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


_MOJIBAKE: list[list[Path]] = []  # files that are valid UTF-8 but read otherwise, per load in progress


def _warn_mojibake(paths: list[Path], encoding: str) -> None:
    shown = ", ".join(str(p) for p in paths[:_MAX_LISTED]) + (f" and {len(paths) - _MAX_LISTED} more"
                                                             if len(paths) > _MAX_LISTED else "")
    warnings.warn(
        f"{shown}: {'is' if len(paths) == 1 else f'{len(paths)} files are'} valid UTF-8 but read as {encoding}, "
        "so non-ASCII characters are probably garbled (e.g. 'Ã©' for 'é'); convert the corpus to one encoding",
        CleaningWarning, stacklevel=4,
    )


def _decode(data: bytes, path: Path, encoding: str) -> str:
    """Decode ``data`` or raise an :class:`InputFileError` naming the file and byte offset."""
    codec = codecs.lookup(encoding).name
    wide = codec.startswith(("utf-16", "utf-32"))
    if not wide and b"\x00" in data:
        offset = data.index(b"\x00")
        raise InputFileError(
            path,
            f"looks binary: it contains a NUL byte at byte {offset}. Only text files can be read "
            "(if it is UTF-16 text, pass encoding='utf-16')",
        )
    try:
        text = data.decode("utf-8-sig" if codec == "utf-8" else encoding)
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        before = data[max(0, err.start - 30) : err.start].decode(encoding, errors="replace")
        bad = data[err.start : err.end]
        name = "UTF-8" if codec == "utf-8" else encoding
        hint = ("pass the file's actual encoding (encoding= in Python, --encoding on the command line, "
                "e.g. latin-1 or cp1252); it applies to every file, so convert mixed folders to UTF-8 first")
        raise InputFileError(
            path, f"is not valid {name} at byte {err.start} (line {line}: {bad!r} after {before!r}); {hint}"
        ) from None
    if wide and "\x00" in text:
        raise InputFileError(path, "looks binary: it contains NUL characters")
    if codec != "utf-8" and not wide and not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:  # valid UTF-8 read as a single-byte encoding: "café" would become "cafÃ©"
            if _MOJIBAKE:
                _MOJIBAKE[-1].append(path)
            else:
                _warn_mojibake([path], encoding)
    return _normalise_newlines(text)


def _read_text_file(path: Path, encoding: str) -> tuple[str, str]:
    """Return (text, sha256) of a text file."""
    data = path.read_bytes()
    return _decode(data, path, encoding), hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- checks


def _listing(items: Sequence[str]) -> str:
    shown = ", ".join(repr(i) for i in items[:_MAX_LISTED])
    more = f" and {len(items) - _MAX_LISTED} more" if len(items) > _MAX_LISTED else ""
    return shown + more


def _require_columns(table: pd.DataFrame, columns: Sequence[tuple[str, str]], path: Path) -> None:
    for column, option in columns:
        if column not in table.columns:
            raise InputFileError(
                path,
                f"has no column {column!r} (columns found: {_listing([str(c) for c in table.columns])}); "
                f"pass {option}= naming the right column",
            )


def _check_ids(ids: pd.Series, source: Path | str) -> pd.Series:
    ids = ids.astype(object)
    blank = ids.isna() | (ids.astype(str).str.strip() == "")
    if blank.any():
        rows = [str(i + 2) for i in blank.to_numpy().nonzero()[0]]  # row 1 is the header, as in a spreadsheet
        raise InputFileError(source, f"has rows without an id in rows {_listing(rows)} (row 1 = header)")
    ids = ids.astype(str)
    duplicated = ids[ids.duplicated(keep=False)].unique().tolist()
    if duplicated:
        raise InputFileError(source, f"has duplicate ids: {_listing(duplicated)}; every doc_id must be unique")
    return ids


def _resolve_inside(root: Path, name: str, where: str, source: Path) -> Path:
    """Resolve ``name`` relative to ``root``; refuse absolute paths and ``..`` escapes."""
    relative = Path(name)
    if relative.is_absolute() or relative.drive:
        raise InputFileError(source, f"{where}: file {name!r} is an absolute path; name files relative to {root}")
    target = (root / relative).resolve()
    try:
        target.relative_to(root.resolve())
    except ValueError:
        raise InputFileError(
            source, f"{where}: file {name!r} points outside the corpus folder {root}; '..' escapes are not allowed"
        ) from None
    return target


def _handle_empty(empty: list[str], on_empty: str, source: Path | str) -> None:
    if not empty:
        return
    if on_empty == "error":
        raise InputFileError(
            source,
            f"has empty or whitespace-only documents: {_listing(empty)}; "
            "remove them or pass on_empty='warn' (or 'skip') to drop them",
        )
    if on_empty == "warn":
        warnings.warn(
            f"{source}: dropped {len(empty)} empty or whitespace-only documents: {_listing(empty)}",
            CleaningWarning,
            stacklevel=3,
        )


def _check_options(encoding: str, on_empty: str) -> None:
    _check_encoding(encoding)
    if on_empty not in _ON_EMPTY:
        raise bad_value("on_empty", on_empty, f"one of {', '.join(repr(o) for o in _ON_EMPTY)}")


# --------------------------------------------------------------------------- loaders


def _read_table_text(path: Path, encoding: str) -> tuple[str, str]:
    try:
        return _read_text_file(path, encoding)
    except FileNotFoundError:
        raise InputFileError(path, "does not exist") from None


def _read_csv(path: Path, encoding: str) -> tuple[pd.DataFrame, str]:
    text, digest = _read_table_text(path, encoding)
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputFileError(path, f"is not a readable CSV table: {err}") from None
    return table, digest


def _load_from_metadata(
    meta: pd.DataFrame, meta_path: Path, root: Path, *, id_column: str, file_column: str, encoding: str, on_empty: str
) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    _require_columns(meta, [(id_column, "id_column"), (file_column, "file_column")], meta_path)
    ids = _check_ids(meta[id_column], meta_path)
    texts, files, hashes, problems, empty = [], [], {}, [], []
    for row, (doc_id, name) in enumerate(
        progress(zip(ids, meta[file_column], strict=True), desc="Reading files", total=len(meta), unit="file"),
        start=2,
    ):
        where = f"row {row} (doc_id {doc_id!r})"
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{where}: no file named in column {file_column!r}")
            texts.append("")
            files.append("")
            continue
        target = _resolve_inside(root, name.strip(), where, meta_path)
        relative = target.relative_to(root.resolve()).as_posix()
        files.append(relative)
        if not target.is_file():
            problems.append(f"{where}: file {name!r} not found in {root}")
            texts.append("")
            continue
        text, digest = _read_text_file(target, encoding)
        hashes[relative] = digest
        texts.append(text)
        if not text.strip():
            empty.append(str(doc_id))
    if problems:
        raise InputFileError(meta_path, f"names files that cannot be read: {'; '.join(problems[:_MAX_LISTED])}")
    docs = meta.drop(columns=[id_column, file_column]).copy()
    docs.insert(0, "text", texts)
    docs["file"] = files
    docs.index = pd.Index(ids.to_numpy(), name="doc_id")
    _handle_empty(empty, on_empty, meta_path)
    return docs.drop(index=empty), hashes, empty


def _load_folder(
    root: Path, *, id_column: str, file_column: str, encoding: str, on_empty: str, metadata: pd.DataFrame | None
) -> tuple[pd.DataFrame, dict[str, str], list[str], str]:
    meta_path = root / "metadata.csv"
    meta_hash: dict[str, str] = {}
    if metadata is None and meta_path.is_file():
        metadata, meta_hash[meta_path.name] = _read_csv(meta_path, encoding)
    if metadata is not None and file_column in metadata.columns:
        docs, hashes, empty = _load_from_metadata(
            metadata, meta_path, root, id_column=id_column, file_column=file_column, encoding=encoding,
            on_empty=on_empty,
        )
        named = set(docs["file"]) | set(empty)
        unnamed = sorted(p.name for p in root.glob("*.txt") if p.name not in named)
        if unnamed:
            warnings.warn(
                f"{meta_path}: {len(unnamed)} .txt files in {root} are not named in the metadata and were not "
                f"loaded: {_listing(unnamed)}",
                CleaningWarning,
                stacklevel=3,
            )
        return docs, {**meta_hash, **hashes}, empty, "metadata_csv"
    paths = sorted(root.glob("*.txt"))
    if not paths:
        raise InputFileError(root, "contains no .txt files")
    texts, hashes, empty = [], dict(meta_hash), []
    for path in progress(paths, desc="Reading files", unit="file"):
        text, hashes[path.name] = _read_text_file(path, encoding)
        texts.append(text)
        if not text.strip():
            empty.append(path.stem)
    ids = [p.stem for p in paths]
    docs = pd.DataFrame({"text": texts, "file": [p.name for p in paths]}, index=pd.Index(ids, name="doc_id"))
    if metadata is not None:
        docs = _attach_metadata(docs, metadata, id_column=id_column, source=meta_path)
    _handle_empty(empty, on_empty, root)
    return docs.drop(index=empty), hashes, empty, "folder"


def _attach_metadata(docs: pd.DataFrame, metadata: pd.DataFrame, *, id_column: str, source: Path | str) -> pd.DataFrame:
    _require_columns(metadata, [(id_column, "id_column")], Path(source))
    ids = _check_ids(metadata[id_column], source)
    meta = metadata.drop(columns=[id_column]).set_axis(pd.Index(ids.to_numpy(), name="doc_id"))
    unknown = sorted(set(meta.index) - set(docs.index))
    if unknown:
        raise InputFileError(source, f"has metadata for documents that were not found: {_listing(unknown)}")
    clash = [c for c in meta.columns if c in docs.columns]
    if clash:
        raise InputFileError(source, f"has columns that clash with the loaded ones: {_listing(clash)}")
    return docs.join(meta)


def _load_table(
    path: Path, *, text_column: str, id_column: str, file_column: str, encoding: str, on_empty: str
) -> tuple[pd.DataFrame, dict[str, str], list[str], str]:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            table = pd.read_parquet(path)
        except FileNotFoundError:
            raise InputFileError(path, "does not exist") from None
        except Exception as err:  # pyarrow raises several unrelated types
            raise InputFileError(path, f"is not a readable Parquet file: {err}") from None
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    elif suffix == ".jsonl":
        text, digest = _read_table_text(path, encoding)
        try:
            table = pd.read_json(io.StringIO(text), lines=True, dtype=False)
        except ValueError as err:
            raise InputFileError(path, f"is not valid JSON Lines (one JSON object per line): {err}") from None
    else:
        table, digest = _read_csv(path, encoding)
        if file_column in table.columns and text_column not in table.columns:
            docs, hashes, empty = _load_from_metadata(
                table, path, path.parent, id_column=id_column, file_column=file_column, encoding=encoding,
                on_empty=on_empty,
            )
            hashes = {path.name: digest, **hashes}
            return docs, hashes, empty, "metadata_csv"
        if text_column not in table.columns:
            raise InputFileError(
                path,
                f"has neither a {file_column!r} column (a metadata CSV naming the text files) nor a "
                f"{text_column!r} column (a table of texts); columns found: "
                f"{_listing([str(c) for c in table.columns])}. Add one, or name yours with file_column= / "
                "text_column= (--text-column on the command line)",
            )
    _require_columns(table, [(text_column, "text_column"), (id_column, "id_column")], path)
    ids = _check_ids(table[id_column], path)
    docs = _texts_frame(table, ids, text_column=text_column, id_column=id_column, source=path)
    empty = docs.index[docs["text"].str.strip() == ""].tolist()
    _handle_empty(empty, on_empty, path)
    return docs.drop(index=empty), {path.name: digest}, empty, "table"


def _texts_frame(
    table: pd.DataFrame, ids: pd.Series, *, text_column: str, id_column: str | None, source: Path | str
) -> pd.DataFrame:
    raw = table[text_column].astype(object)
    bad = [str(i) for i, t in zip(ids, raw, strict=True) if not (isinstance(t, str) or pd.isna(t))]
    if bad:
        raise InputFileError(source, f"column {text_column!r} holds non-text values for ids {_listing(bad)}")
    texts = [_normalise_newlines(t) if isinstance(t, str) else "" for t in raw]
    nul = [str(i) for i, t in zip(ids, texts, strict=True) if "\x00" in t]
    if nul:
        raise InputFileError(source, f"has texts containing NUL characters (binary data?) for ids {_listing(nul)}")
    dropped = [text_column] + ([id_column] if id_column else [])
    meta = table.drop(columns=dropped)
    if "text" in meta.columns:
        raise InputFileError(source, f"has a column 'text' besides the text column {text_column!r}; rename one")
    docs = meta.copy()
    docs.insert(0, "text", texts)
    docs.index = pd.Index(ids.to_numpy(), name="doc_id")
    return docs


def load_corpus(
    path: str | Path,
    *,
    text_column: str = "text",
    id_column: str = "doc_id",
    encoding: str = "utf-8",
    file_column: str = "file",
    metadata: str | Path | pd.DataFrame | None = None,
    on_empty: str = "error",
) -> Corpus:
    """Load and check a corpus from files.

    Parameters
    ----------
    path
        One of: a metadata CSV with a ``file_column`` (and no ``text_column``) naming
        text files relative to the CSV's folder; a folder of ``.txt`` files (ids are the
        file stems; a ``metadata.csv`` in the folder is used if present); a ``.csv``,
        ``.jsonl`` or ``.parquet`` table with a ``text_column``.
    text_column, id_column, file_column
        Column names in tables / metadata. Ids are always read as strings (``"000"``
        stays ``"000"``).
    encoding
        Encoding of the text files and CSV / JSONL tables. A UTF-8 byte-order mark is
        removed and CRLF line ends become ``\\n``.
    metadata
        Extra metadata (a CSV path or a DataFrame with ``id_column``) for a folder of
        ``.txt`` files, joined on the id.
    on_empty
        What to do with empty or whitespace-only documents: ``"error"`` (default),
        ``"warn"`` (drop with a :class:`~textlab._errors.CleaningWarning`) or
        ``"skip"`` (drop; listed in ``params["skipped_empty"]``).

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
        corpus folder, missing columns, empty documents (unless ``on_empty`` says otherwise).

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
    _check_options(encoding, on_empty)
    _MOJIBAKE.append([])
    try:
        corpus = _load_corpus(path, text_column, id_column, file_column, metadata, encoding, on_empty)
    finally:
        garbled = _MOJIBAKE.pop()
    if garbled:
        _warn_mojibake(garbled, encoding)
    return corpus


def _load_corpus(path, text_column, id_column, file_column, metadata, encoding, on_empty) -> Corpus:
    path = Path(path)
    extra = None
    if metadata is not None:
        extra = metadata if isinstance(metadata, pd.DataFrame) else _read_csv(Path(metadata), encoding)[0]
    if path.is_dir():
        docs, hashes, empty, kind = _load_folder(
            path, id_column=id_column, file_column=file_column, encoding=encoding, on_empty=on_empty, metadata=extra
        )
        root: Path | None = path
    elif path.suffix.lower() in _TABLE_SUFFIXES:
        docs, hashes, empty, kind = _load_table(
            path, text_column=text_column, id_column=id_column, file_column=file_column, encoding=encoding,
            on_empty=on_empty,
        )
        root = path.parent if kind == "metadata_csv" else None
        if extra is not None:
            docs = _attach_metadata(docs, extra, id_column=id_column, source=str(metadata))
    elif path.suffix.lower() == ".txt":
        raise InputFileError(path, "is a single text file; pass the folder holding it, or use load_texts()")
    elif not path.exists():
        raise InputFileError(path, "does not exist")
    else:
        raise InputFileError(
            path, f"has an unsupported type {path.suffix!r}; expected a folder of .txt files or a .csv, .jsonl "
            "or .parquet table"
        )
    params = {
        "source": str(path),
        "kind": kind,
        "encoding": encoding,
        "text_column": text_column,
        "id_column": id_column,
        "n_docs": len(docs),
        "skipped_empty": list(empty),
        "files": hashes,
    }
    return Corpus(docs=docs, root=root, params=params)


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
    id_series = _check_ids(pd.Series(ids, dtype=object), "texts")
    docs = _texts_frame(pd.DataFrame({"text": values}, dtype=object), id_series, text_column="text", id_column=None,
                        source="texts")
    if metadata is not None:
        if metadata.index.name == "doc_id":
            metadata = metadata.reset_index()
        if "doc_id" in metadata.columns:
            docs = _attach_metadata(docs, metadata, id_column="doc_id", source="metadata")
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
    _handle_empty(empty, on_empty, "texts")
    docs = docs.drop(index=empty)
    params = {"source": "memory", "kind": "texts", "n_docs": len(docs), "skipped_empty": empty, "files": {}}
    return Corpus(docs=docs, root=None, params=params)
