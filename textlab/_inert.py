"""What textlab writes for people is inert: spreadsheet cells that cannot run, Markdown that holds no HTML.

Corpus text (titles, terms, group names, removed lines) reaches files people open in a
spreadsheet (the CSV tables) or a Markdown viewer (``figures/README.md``). The policy:

* **CSV.** A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a
  formula to Excel, LibreOffice and Google Sheets; in the tables textlab writes for people
  (results and figures tables, ``clean``'s audit) such a cell gets a leading apostrophe (OWASP's
  advice). Numbers, and text that reads as a number (``-0.5``), are never changed; the exact
  values of a study are in the results folder's Parquet and NumPy files.
* **Markdown.** A ``<`` that opens a tag and an ``&`` that starts an entity are escaped, so a
  group named ``<img ...>`` is shown as text; ordinary text (``q < 0.05``) is unchanged.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["spreadsheet_safe", "markdown_safe"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d[\d,]*\.?\d*|\.\d+)([eE][+-]?\d+)?%?|[+-]?(inf|nan)", 2)


def spreadsheet_safe(table: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as spreadsheet formulas (OWASP's CSV-injection advice).

    The policy: a CSV textlab writes for people to open (results and figures tables, the clean
    audit) holds corpus text, and a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
    carriage return is a formula to Excel, LibreOffice and Google Sheets. Such a cell gets a leading
    apostrophe (shown by no spreadsheet, visible in a text editor). Numbers are never touched, nor
    text that reads as a number (``-0.5``, ``+3``); the exact values are in the results folder's
    Parquet and NumPy files, which :func:`textlab.read_results` reads.

    Examples
    --------
    >>> safe = spreadsheet_safe(pd.DataFrame({"term": ["=HYPERLINK(1)", "-0.5", "@x", "ok"], "z": [-1.0, 2, 3, 4]}))
    >>> safe["term"].tolist(), safe["z"].tolist()
    (["'=HYPERLINK(1)", '-0.5', "'@x", 'ok'], [-1.0, 2.0, 3.0, 4.0])
    """
    out = table.copy()
    names = [str(c) for c in out.columns]
    if any(n.startswith(_FORMULA_START) for n in names):
        out.columns = ["'" + n if n.startswith(_FORMULA_START) else n for n in names]
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        out[column] = values.map(lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START)
                                 and not _NUMBER.fullmatch(v) else v)
    return out


_HTML_START = re.compile(r"<(?=[A-Za-z/!?])|&(?=#?\w+;)")


def markdown_safe(text: str) -> str:
    """``text`` for a Markdown file, with anything a viewer would take as raw HTML shown as written.

    Only a ``<`` that opens a tag and an ``&`` that starts an entity are escaped, so ordinary text
    (``q < 0.05``, ``R&D``) is unchanged.

    Examples
    --------
    >>> markdown_safe("group <img src=x onerror=alert(1)> vs &amp; q < 0.05, R&D")
    'group &lt;img src=x onerror=alert(1)> vs &amp;amp; q < 0.05, R&D'
    """
    return _HTML_START.sub(lambda m: "&lt;" if m.group() == "<" else "&amp;", text)
