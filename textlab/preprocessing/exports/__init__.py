"""Read news-database exports (LexisNexis / Nexis Uni, Factiva, ProQuest) into one table.

Researchers get newspaper corpora as files exported from news databases: many articles in one
file, each wrapped in the database's furniture (source lines, "N words", copyright, document
ids). :func:`read_export` splits such a file into articles and returns one row per article with
its body text and its metadata (``doc_id, text, outlet, date, title, byline, section, length,
file``, plus ``language, source_id, format``), so the furniture becomes metadata instead of
words. Supported:

=========== ======================================================================
``nexis``    LexisNexis "N of M DOCUMENTS" text, Nexis Uni text ("End of Document"),
             and their ``.rtf`` / ``.docx`` exports (converted offline)
``factiva``  tagged text (HD/BY/WC/PD/SN/.../AN), article-format text ending in
             ``Document <id>``, ``.rtf``, and the HTML export (``div.article`` tables)
``proquest`` "Document k of M" text with ``Full text:`` and labelled fields
=========== ======================================================================

``format="auto"`` recognises the layout from the text; a file that is not the format claimed is
refused with one line naming the file, the format and what was missing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from textlab._errors import InputFileError, bad_value
from textlab.preprocessing.exports._common import COLUMNS, parse_date, parse_length, records_frame
from textlab.preprocessing.exports._convert import docx_to_text, factiva_html_articles, rtf_to_text
from textlab.preprocessing.exports._factiva import looks_like_factiva, parse_factiva_html, parse_factiva_text
from textlab.preprocessing.exports._nexis import looks_like_nexis, parse_nexis
from textlab.preprocessing.exports._proquest import looks_like_proquest, parse_proquest

__all__ = ["read_export", "detect_export_format", "EXPORT_FORMATS", "EXPORT_COLUMNS", "parse_date",
           "parse_length", "rtf_to_text", "docx_to_text"]

#: Formats :func:`read_export` accepts.
EXPORT_FORMATS = ("auto", "nexis", "factiva", "proquest")
#: Columns of the table :func:`read_export` returns.
EXPORT_COLUMNS = tuple(COLUMNS)
_SUFFIXES = {".txt", ".text", ".rtf", ".docx", ".html", ".htm"}
_EXPECTED = {
    "nexis": "no 'k of M DOCUMENTS' line and no 'End of Document' after a 'Load-Date:' field",
    "factiva": "no 'AN Document <id>' / 'Document <id>' trailer with HD codes or an 'N words' line",
    "proquest": "no 'ProQuest document ID:' field with 'Document k of M' or 'Full text:'",
}


def _read_text(path: Path, encoding: str) -> str:
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return docx_to_text(path)
    raw = path.read_bytes()
    if suffix == ".rtf" or raw.lstrip()[:5] == b"{\\rtf":
        return rtf_to_text(raw.decode("latin-1"))
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputFileError(path, f"cannot be decoded as {encoding} at byte {err.start} (line {line}); "
                                   "pass encoding='cp1252' (Windows exports) or the file's encoding") from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def detect_export_format(text: str) -> str | None:
    """The export format of ``text`` (``"nexis"``, ``"factiva"``, ``"proquest"``) or ``None``.

    Examples
    --------
    >>> detect_export_format("1 of 2 DOCUMENTS\\n\\nThe Times\\n"), detect_export_format("Hello")
    ('nexis', None)
    """
    if "<div" in text and factiva_html_articles(text):
        return "factiva"
    if looks_like_proquest(text):
        return "proquest"
    if looks_like_nexis(text):
        return "nexis"
    if looks_like_factiva(text):
        return "factiva"
    return None


def _parse(text: str, fmt: str) -> list[dict]:
    if fmt == "nexis":
        return parse_nexis(text) if looks_like_nexis(text) else []
    if fmt == "proquest":
        return parse_proquest(text) if looks_like_proquest(text) else []
    if "<div" in text and (articles := parse_factiva_html(text)):
        return articles
    return parse_factiva_text(text)


def _read_one(path: Path, fmt: str, encoding: str) -> pd.DataFrame:
    text = _read_text(path, encoding)
    found = detect_export_format(text)
    if fmt == "auto":
        if found is None:
            raise InputFileError(path, "is not a recognised news-database export (LexisNexis, Factiva or ProQuest); "
                                       "read plain text files with load_corpus instead")
        fmt = found
    records = _parse(text, fmt)
    if not records:
        hint = f" (it looks like a {found} export: pass format={found!r})" if found and found != fmt else ""
        raise InputFileError(path, f"is not a {fmt} export: {_EXPECTED[fmt]}{hint}")
    return records_frame(records, file=str(path), fmt=fmt, stem=path.stem)


def read_export(path: str | Path, *, format: str = "auto", encoding: str = "utf-8") -> pd.DataFrame:
    """Split a news-database export (or a folder of them) into one row per article.

    Parameters
    ----------
    path
        An export file (``.txt``, ``.rtf``, ``.docx``, ``.html``) or a folder of them (read in
        sorted order, searched recursively).
    format
        ``"auto"`` (recognise each file), ``"nexis"``, ``"factiva"`` or ``"proquest"``.
    encoding
        Encoding of text and HTML files (RTF declares its own; DOCX is always UTF-8).

    Returns
    -------
    pandas.DataFrame
        ``doc_id`` (``<file stem>-0001`` ...), ``text`` (the body), ``outlet``, ``date``
        (ISO ``YYYY-MM-DD`` when it can be read, else as printed), ``title``, ``byline``,
        ``section``, ``length`` (words, as the database counted them), ``file``, ``language``,
        ``source_id`` (the database's document id) and ``format``. Missing fields are missing.

    Raises
    ------
    InputFileError
        A file that is not the format claimed (or no known format for ``"auto"``), or that
        cannot be decoded.

    Examples
    --------
    >>> docs = read_export("tests/data/exports/nexis_classic.txt")  # doctest: +SKIP
    >>> docs[["outlet", "date", "title", "length"]].head(2)  # doctest: +SKIP
    """
    if format not in EXPORT_FORMATS:
        raise bad_value("format", format, "one of " + ", ".join(map(repr, EXPORT_FORMATS)))
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _SUFFIXES)
        if not files:
            raise InputFileError(path, f"holds no export files ({', '.join(sorted(_SUFFIXES))})")
    elif path.is_file():
        files = [path]
    else:
        raise InputFileError(path, "does not exist; give an export file or a folder of them")
    frames = [_read_one(p, format, encoding) for p in files]
    docs = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    dupes = docs["doc_id"][docs["doc_id"].duplicated()]
    if len(dupes):
        raise InputFileError(path, f"two export files share the name stem of {dupes.iloc[0]!r}; rename one of them")
    return docs
