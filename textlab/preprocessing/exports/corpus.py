"""News-database exports as a :class:`~textlab.preprocessing.read.Corpus` (``load_corpus(path, format=...)``).

:func:`export_corpus` reads an export file or a folder of them with
:func:`~textlab.preprocessing.exports.read_export` and returns a checked corpus (ids unique,
SHA-256 of every file in ``params["files"]``, empty articles handled as ``on_empty`` says), or
``None`` when ``format="auto"`` and the path is not an export (the ordinary readers take it).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from textlab._errors import CleaningWarning, InputFileError, bad_value

__all__ = ["CORPUS_FORMATS", "export_corpus", "is_export"]

#: ``load_corpus(format=...)``: recognise exports (``"auto"``), the ordinary readers only
#: (``"standard"``: tables, folders of ``.txt``, metadata CSVs), or one export format.
CORPUS_FORMATS = ("auto", "standard", "nexis", "factiva", "proquest")
_BINARY = {".rtf", ".docx", ".html", ".htm"}
_TEXT = {".txt", ".text"}
_HEAD = 200_000  # characters read to recognise a text file's format


def _looks_like_export(path: Path, encoding: str) -> bool:
    from textlab.preprocessing.exports import detect_export_format

    if path.suffix.lower() in _BINARY:
        return True
    if path.suffix.lower() not in _TEXT:
        return False
    with open(path, encoding=encoding, errors="replace") as handle:
        head = handle.read(_HEAD).removeprefix("\ufeff").replace("\r\n", "\n")
    return detect_export_format(head) is not None


def is_export(path: str | Path, *, format: str = "auto", encoding: str = "utf-8") -> bool:
    """Whether ``load_corpus(path, format=format)`` reads ``path`` as a news-database export.

    ``"auto"``: a single ``.rtf``/``.docx``/``.html`` file, a ``.txt`` file whose text is a Nexis,
    Factiva or ProQuest export, or a folder without ``metadata.csv`` whose first export-like file is one.

    Examples
    --------
    >>> is_export("seeds/metadata.csv")
    False
    """
    if format not in CORPUS_FORMATS:
        raise bad_value("format", format, "one of " + ", ".join(map(repr, CORPUS_FORMATS)))
    if format == "standard":
        return False
    if format != "auto":
        return True
    path = Path(path)
    if path.is_file():
        return _looks_like_export(path, encoding)
    if path.is_dir() and not (path / "metadata.csv").is_file():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _TEXT | _BINARY)
        return bool(files) and _looks_like_export(files[0], encoding)
    return False


def export_corpus(path: str | Path, *, format: str = "auto", encoding: str = "utf-8", on_empty: str = "error"):
    """The export at ``path`` as a Corpus (``None`` if ``format="auto"`` and it is not an export).

    Returns
    -------
    Corpus or None
        ``docs`` indexed by ``doc_id`` (``<file stem>-0001`` ...), ``text`` (the article body) then
        ``outlet, date, title, byline, section, length, file, language, source_id, format``;
        ``params``: ``source``, ``kind="export"``, ``format``, ``n_docs``, ``skipped_empty`` and
        ``files`` (SHA-256 per file read).

    Examples
    --------
    >>> corpus = export_corpus("tests/data/exports/nexis_classic.txt")  # doctest: +SKIP
    >>> corpus.docs[["outlet", "date"]].head(2)  # doctest: +SKIP
    """
    from textlab._io import sha256_file
    from textlab.preprocessing.exports import read_export
    from textlab.preprocessing.read import Corpus

    if not is_export(path, format=format, encoding=encoding):
        return None
    path = Path(path)
    table = read_export(path, format=format if format != "auto" else "auto", encoding=encoding)
    docs = table.set_index("doc_id")
    docs.index = pd.Index(docs.index.astype(str).to_numpy(dtype=object), name="doc_id")
    empty = docs.index[docs["text"].fillna("").str.strip() == ""].tolist()
    if empty and on_empty == "error":
        raise InputFileError(path, f"has {len(empty)} articles with an empty body ({', '.join(empty[:5])}); "
                                   "pass on_empty='warn' (or 'skip') to drop them, or 'keep'")
    if empty and on_empty == "warn":
        warnings.warn(f"{path}: dropped {len(empty)} articles with an empty body", CleaningWarning, stacklevel=3)
    if empty and on_empty != "keep":
        docs = docs.drop(index=empty)
    root = path if path.is_dir() else path.parent
    files = sorted(set(table["file"]))
    params = {"source": str(path), "kind": "export", "format": sorted(set(table["format"])),
              "n_docs": len(docs), "skipped_empty": [] if on_empty == "keep" else empty, "encoding": encoding,
              "files": {str(Path(f).relative_to(root)) if Path(f).is_relative_to(root) else f: sha256_file(f)
                        for f in files}}
    return Corpus(docs=docs, root=root, params=params)
