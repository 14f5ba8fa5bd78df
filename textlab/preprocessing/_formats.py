"""File formats behind :mod:`textlab.preprocessing.read`: bytes -> checked raw chunks.

Every reader yields ``RawChunk`` objects: a DataFrame of the file's columns as read, plus
the location of each row (``"line 12"``, ``"row 5"``) for error messages. Decoding, NUL bytes,
ragged CSV rows, invalid JSON and pyarrow errors are reported here, each naming the file and
the line; the checks on ids, texts and metadata that apply to every format live in ``read.py``.
Nothing here holds more than one chunk of a file in memory.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import json
import lzma
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from textlab._errors import InputFileError

__all__ = ["RawChunk", "decode_bytes", "read_text_file", "table_format", "iter_table", "list_text_files",
           "check_inside", "file_sha256", "group_label"]

_COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".tsv": "csv",
            ".parquet": "parquet", ".pq": "parquet"}
_HINT = ("pass the file's actual encoding (encoding= in Python, --encoding on the command line, "
         "e.g. latin-1 or cp1252); it applies to every file, so convert mixed folders to UTF-8 first")

csv.field_size_limit(2**31 - 1)  # the default 128 KB limit would refuse long articles


@dataclass
class RawChunk:
    """Rows of one chunk as read (``frame``) and where each row is (``where``, e.g. ``"line 3"``)."""

    frame: pd.DataFrame
    where: list[str]


# --------------------------------------------------------------------------- decoding


def _is_wide(codec: str) -> bool:
    return codec.startswith(("utf-16", "utf-32"))


def decode_bytes(data: bytes, path: Path, encoding: str, *, offset: int = 0, line: int = 1,
                 first: bool = True, garbled: list | None = None) -> str:
    """Decode ``data`` (a whole file, or one line of it at byte ``offset``) or say where it fails.

    A UTF-8 byte-order mark at the start of the file is dropped. ``garbled`` collects files
    that are valid UTF-8 but read with a single-byte encoding (mojibake).
    """
    codec = codecs.lookup(encoding).name
    wide = _is_wide(codec)
    if not wide and b"\x00" in data:
        at = offset + data.index(b"\x00")
        raise InputFileError(path, f"looks binary: it contains a NUL byte at byte {at}. Only text files can be read "
                                   "(if it is UTF-16 text, pass encoding='utf-16')")
    try:
        text = data.decode("utf-8-sig" if codec == "utf-8" and first else encoding)
    except UnicodeDecodeError as err:
        at_line = line + data.count(b"\n", 0, err.start)
        before = data[max(0, err.start - 30): err.start].decode(encoding, errors="replace")
        name = "UTF-8" if codec == "utf-8" else encoding
        raise InputFileError(path, f"is not valid {name} at byte {offset + err.start} (line {at_line}: "
                                   f"{data[err.start:err.end]!r} after {before!r}); {_HINT}") from None
    if wide and "\x00" in text:
        raise InputFileError(path, "looks binary: it contains NUL characters")
    if garbled is not None and codec != "utf-8" and not wide and not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            if not garbled or garbled[-1] != path:
                garbled.append(path)
    return text


def read_text_file(path: Path, encoding: str, garbled: list | None = None) -> tuple[str, str]:
    """``(text, sha256)`` of a text file; errors name the file (and byte and line)."""
    import hashlib

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(path, "does not exist") from None
    except OSError as err:
        raise InputFileError(path, f"cannot be read: {err.strerror or err}") from None
    return decode_bytes(data, path, encoding, garbled=garbled), hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes (read in 1 MB blocks)."""
    from textlab._io import sha256_file

    return sha256_file(path)


def _open_binary(path: Path):
    opener = _COMPRESSED.get(path.suffix.lower(), open)
    try:
        return opener(path, "rb")
    except FileNotFoundError:
        raise InputFileError(path, "does not exist") from None
    except OSError as err:
        raise InputFileError(path, f"cannot be read: {err.strerror or err}") from None


def _text_lines(path: Path, encoding: str, garbled: list | None) -> Iterator[tuple[int, str]]:
    """``(line_number, line)`` of a text file, line ends kept, decoded line by line."""
    codec = codecs.lookup(encoding).name
    if _is_wide(codec):  # lines cannot be cut on b"\n": decode the whole (rare) file
        with _open_binary(path) as handle:
            text = decode_bytes(handle.read(), path, encoding)
        yield from enumerate(text.splitlines(keepends=True), start=1)
        return
    offset = 0
    with _open_binary(path) as handle:
        try:
            for number, raw in enumerate(handle, start=1):
                yield number, decode_bytes(raw, path, encoding, offset=offset, line=number, first=number == 1,
                                           garbled=garbled)
                offset += len(raw)
        except (OSError, EOFError, lzma.LZMAError) as err:  # truncated or corrupt compressed file
            raise InputFileError(path, f"cannot be read after byte {offset}: {err}") from None


# --------------------------------------------------------------------------- tables


def table_format(path: Path) -> str | None:
    """``"csv"``, ``"jsonl"`` or ``"parquet"`` from the file name (``.gz``/``.bz2``/``.xz`` allowed), else None."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSED:
        suffixes = suffixes[:-1]
        if suffixes and _FORMATS.get(suffixes[-1]) == "parquet":
            return None
    return _FORMATS.get(suffixes[-1]) if suffixes else None


def iter_table(path: Path, fmt: str, *, chunk_size: int, encoding: str,
               garbled: list | None = None) -> Iterator[RawChunk]:
    """Raw chunks of ``chunk_size`` rows of a CSV/TSV, JSON Lines or Parquet table."""
    if fmt == "parquet":
        yield from _iter_parquet(path, chunk_size)
    elif fmt == "jsonl":
        yield from _iter_jsonl(path, chunk_size, encoding, garbled)
    else:
        delimiter = "\t" if ".tsv" in [s.lower() for s in path.suffixes] else ","
        yield from _iter_csv(path, chunk_size, encoding, garbled, delimiter)


def _iter_csv(path: Path, chunk_size: int, encoding: str, garbled, delimiter: str) -> Iterator[RawChunk]:
    """CSV rows as strings ("" is missing); a row with another number of fields than the header is an error."""
    lines = _text_lines(path, encoding, garbled)
    position = {"line": 0}

    def feed() -> Iterator[str]:
        for number, line in lines:
            position["line"] = number
            yield line

    reader = csv.reader(feed(), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            raise InputFileError(path, "is empty: expected a header row naming the columns")
        width = len(header)
        if len(set(header)) != width:
            dup = sorted({h for h in header if header.count(h) > 1})
            raise InputFileError(path, f"has duplicate column names {', '.join(map(repr, dup))}; rename them")
        rows: list[list[str]] = []
        where: list[str] = []
        record = 1
        start = position["line"] + 1
        for row in reader:
            record += 1
            if not row:  # blank line
                start = position["line"] + 1
                continue
            if len(row) != width:
                raise InputFileError(
                    path, f"line {start} (row {record}) has {len(row)} fields but the header has {width} "
                    f"({', '.join(map(repr, header[:10]))}); quote fields that contain {delimiter!r} or line breaks")
            rows.append(row)
            where.append(f"row {record}")
            start = position["line"] + 1
            if len(rows) == chunk_size:
                yield RawChunk(_csv_frame(rows, header), where)
                rows, where = [], []
        if rows or record == 1:
            yield RawChunk(_csv_frame(rows, header), where)
    except csv.Error as err:
        raise InputFileError(path, f"is not a readable CSV table at line {position['line']}: {err}") from None


def _csv_frame(rows: list[list[str]], header: list[str]) -> pd.DataFrame:
    array = np.array(rows, dtype=object).reshape(len(rows), len(header))
    frame = pd.DataFrame(array, columns=header)
    return frame.where(frame != "", np.nan) if len(frame) else frame


def _iter_jsonl(path: Path, chunk_size: int, encoding: str, garbled) -> Iterator[RawChunk]:
    rows: list[dict] = []
    where: list[str] = []
    seen_any = False
    for number, line in _text_lines(path, encoding, garbled):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputFileError(path, f"line {number} is not valid JSON ({err.msg}, column {err.colno}); "
                                       "JSON Lines needs one JSON object per line") from None
        if not isinstance(value, dict):
            raise InputFileError(path, f"line {number} holds a JSON {type(value).__name__}, not an object "
                                       "({\"doc_id\": ..., \"text\": ...})")
        rows.append(value)
        where.append(f"line {number}")
        if len(rows) == chunk_size:
            seen_any = True
            yield RawChunk(_json_frame(rows), where)
            rows, where = [], []
    if rows or not seen_any:
        yield RawChunk(_json_frame(rows), where)


def _json_frame(rows: list[dict]) -> pd.DataFrame:
    """Rows of JSON objects as a frame; a JSON null is NaN in every column (as pandas' read_json gives)."""
    frame = pd.DataFrame.from_records(rows)
    for column in frame.columns:
        values = frame[column]
        if values.dtype == object and values.isna().any():
            frame[column] = values.where(values.notna(), np.nan)
    return frame


def _iter_parquet(path: Path, chunk_size: int) -> Iterator[RawChunk]:
    import pyarrow.parquet as pq

    from textlab._io import iter_parquet_batches

    try:
        reader = pq.ParquetFile(path)
    except FileNotFoundError:
        raise InputFileError(path, "does not exist") from None
    except Exception as err:  # pyarrow raises several unrelated types
        raise InputFileError(path, f"is not a readable Parquet file: {err}") from None
    done = 0
    try:
        batches = iter_parquet_batches(reader, chunk_size, exact=True)
        for batch in batches:
            frame = batch.to_pandas()
            yield RawChunk(frame, [f"row {done + i + 1}" for i in range(len(frame))])
            done += len(frame)
        if reader.metadata.num_rows == 0:
            yield RawChunk(reader.schema_arrow.empty_table().to_pandas(), [])
    except InputFileError:
        raise
    except Exception as err:
        raise InputFileError(path, f"could not be read after row {done}: {err}") from None


# --------------------------------------------------------------------------- folders


def check_inside(root: Path, path: Path, what: str) -> None:
    """Refuse ``path`` when it is a symbolic link whose target is outside ``root``."""
    if not path.is_symlink():
        return
    target = path.resolve()
    try:
        target.relative_to(root.resolve())
    except ValueError:
        raise InputFileError(
            path, f"is a symbolic link to {target}, outside the corpus folder {root}; {what} must stay inside it "
            "(copy the file in instead)") from None


def list_text_files(root: Path) -> list[tuple[str, Path]]:
    """``(relative posix path, path)`` of every ``.txt`` file under ``root``, in path order.

    Symbolic links to files or folders outside ``root`` are refused; folder links inside it
    are not followed (their files are already listed under their real place).
    """
    found: list[tuple[tuple[str, ...], str, Path]] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        base = Path(folder)
        for name in dirs:
            check_inside(root, base / name, "linked folders")
        for name in files:
            if not name.endswith(".txt"):
                continue
            path = base / name
            check_inside(root, path, "text files")
            relative = path.relative_to(root)
            found.append((relative.parts, relative.as_posix(), path))
    found.sort(key=lambda item: item[0])
    return [(rel, path) for _, rel, path in found]


# --------------------------------------------------------------------------- group values


def group_label(value: object) -> str:
    """A group value as it prints, the one form in which groups are compared everywhere.

    Whole numbers print without a decimal part (a 0/1 column stored as floats is ``"0"``/``"1"``),
    so ``1``, ``1.0``, ``"1"`` and ``"1.0"`` name the same group; other values print as ``str``.

    Examples
    --------
    >>> [group_label(v) for v in (1, 1.0, "1.0", " left ", 0.25, True)]
    ['1', '1', '1', 'left', '0.25', 'True']
    """
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value).strip()
    if re.fullmatch(r"[+-]?\d+\.0*", text):
        return str(int(float(text)))
    return text


def label_groups(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """``table`` with ``column`` as group labels (:func:`group_label`; missing stays missing).

    The same table is returned when the column is absent or already holds labels, so string
    groups are untouched; a numeric column (``treatment`` of 0.0/1.0) becomes ``"0"``/``"1"``.

    Examples
    --------
    >>> label_groups(pd.DataFrame({"t": [1.0, 0.0, None]}), "t")["t"].tolist()
    ['1', '0', nan]
    """
    if column not in table.columns:
        return table
    values = table[column]
    present = values.notna().to_numpy()
    labels = [group_label(v) if keep else np.nan for v, keep in zip(values.to_numpy(dtype=object), present)]
    if all(isinstance(v, str) and v == label for v, label, keep in zip(values.tolist(), labels, present) if keep):
        return table  # already labels (string groups): untouched
    return table.assign(**{column: pd.Series(labels, index=table.index, dtype=object)})
