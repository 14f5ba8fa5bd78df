"""Offline converters from the file types news databases export to plain lines of text.

RTF (a small reader of the subset exports use: groups, destinations, ``\\par``, ``\\'hh``,
``\\uN``), DOCX (the ``word/document.xml`` paragraphs of the zip, standard library only) and
Factiva HTML (``div.article`` blocks of field rows and ``articleParagraph`` paragraphs). No
third-party package and no network are needed.
"""

from __future__ import annotations

import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

from textlab._errors import InputFileError

__all__ = ["rtf_to_text", "docx_to_text", "factiva_html_articles"]

_RTF_TOKEN = re.compile(r"\\([a-zA-Z]+)(-?\d+)? ?|\\'([0-9a-fA-F]{2})|\\(.)|([{}])|([^\\{}]+)", re.S)
# Destinations whose text is not document text.
_SKIP = {"fonttbl", "colortbl", "stylesheet", "info", "pict", "header", "footer", "headerl", "headerr",
         "footerl", "footerr", "footnote", "listtable", "listoverridetable", "rsidtbl", "generator",
         "xmlnstbl", "themedata", "colorschememapping", "latentstyles", "datastore", "object", "fldinst"}
_BREAKS = {"par": "\n", "line": "\n", "sect": "\n", "page": "\n", "row": "\n", "tab": "\t", "cell": "\t",
           "emdash": "\u2014", "endash": "\u2013", "lquote": "\u2018", "rquote": "\u2019",
           "ldblquote": "\u201c", "rdblquote": "\u201d", "bullet": "\u2022", "~": "\u00a0"}


def rtf_to_text(rtf: str) -> str:
    r"""Plain text of an RTF document (paragraphs as lines).

    Parameters
    ----------
    rtf
        The RTF source as read from the file (ASCII; ``\'hh`` bytes use the ``\ansicpg`` code page).

    Returns
    -------
    str
        The visible text, one paragraph per line.

    Examples
    --------
    >>> rtf_to_text(r"{\rtf1\ansi{\fonttbl{\f0 Arial;}}\f0 Caf\'e9 \u8212? ok\par next}")
    'Café — ok\nnext'
    """
    declared = re.search(r"\\ansicpg(\d+)", rtf[:4000])
    codepage = f"cp{declared.group(1)}" if declared else "cp1252"
    out: list[str] = []
    stack: list[tuple[bool, int]] = []
    skip, uc, pending_skip, star = False, 1, 0, False
    for m in _RTF_TOKEN.finditer(rtf):
        word, arg, hexbyte, symbol, brace, text = m.groups()
        if brace == "{":
            stack.append((skip, uc))
            star = False
            continue
        if brace == "}":
            skip, uc = stack.pop() if stack else (False, 1)
            continue
        if pending_skip and (hexbyte or text):
            # characters standing in for the preceding \uN (usually one '?')
            if hexbyte:
                pending_skip -= 1
                continue
            n = min(pending_skip, len(text))
            text, pending_skip = text[n:], pending_skip - n
        if symbol == "*":
            star = True
            continue
        if word:
            if word in _SKIP or star:
                skip, star = True, False
            elif word == "uc" and arg:
                uc = int(arg)
            elif word == "u" and arg and not skip:
                out.append(chr(int(arg) % 65536))
                pending_skip = uc
            elif word in _BREAKS and not skip:
                out.append(_BREAKS[word])
            continue
        if skip:
            continue
        if hexbyte:
            out.append(bytes([int(hexbyte, 16)]).decode(codepage, errors="replace"))
        elif symbol is not None:
            if symbol in "\\{}":
                out.append(symbol)
            elif symbol in "\n\r":
                out.append("\n")
            elif symbol in _BREAKS:
                out.append(_BREAKS[symbol])
            elif symbol == "-":
                continue
        elif text:
            out.append(text.replace("\r", "").replace("\n", ""))
    lines = "".join(out).split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_to_text(path: str | Path) -> str:
    """Plain text of a DOCX file: one line per paragraph, in document order (tables included).

    Parameters
    ----------
    path
        A ``.docx`` file.

    Returns
    -------
    str
        The paragraphs joined by newlines (``w:br`` breaks become newlines, ``w:tab`` tabs).

    Examples
    --------
    >>> docx_to_text("export.docx")  # doctest: +SKIP
    'Headline\\nThe Guardian (London)\\n...'
    """
    try:
        with zipfile.ZipFile(path) as archive:
            xml = archive.read("word/document.xml")
    except (zipfile.BadZipFile, KeyError, OSError) as err:
        raise InputFileError(path, f"is not a readable DOCX file ({err}); save the export as .docx or .txt") from None
    root = ElementTree.fromstring(xml)
    lines = []
    for para in root.iter(f"{_W}p"):
        parts = []
        for node in para.iter():
            if node.tag == f"{_W}t" and node.text:
                parts.append(node.text)
            elif node.tag == f"{_W}tab":
                parts.append("\t")
            elif node.tag in (f"{_W}br", f"{_W}cr"):
                parts.append("\n")
        lines.append("".join(parts))
    return "\n".join(lines)


class _FactivaHTML(HTMLParser):
    """Collect ``div.article`` blocks as lists of (field code, paragraphs) pairs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.articles: list[list[tuple[str, list[str]]]] = []
        self._depth = 0          # div depth inside the current article (0 = outside)
        self._cell = -1          # index of the td in the current tr
        self._code = ""
        self._buf: list[str] = []
        self._paras: list[str] = []
        self._in_p = False

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "div":
            if self._depth:
                self._depth += 1
            elif "article" in classes:
                self._depth = 1
                self.articles.append([])
        if not self._depth:
            return
        if tag == "tr":
            self._cell, self._code, self._paras, self._buf = -1, "", [], []
        elif tag == "td":
            self._cell += 1
            self._buf = []
        elif tag == "p":
            self._flush_text()
            self._in_p = True
        elif tag == "br":
            self._buf.append("\n")

    def handle_endtag(self, tag):
        if not self._depth:
            return
        if tag == "p":
            self._flush_text()
            self._in_p = False
        elif tag == "td":
            if self._cell == 0:
                self._code = " ".join("".join(self._buf).split())
            else:
                self._flush_text()
            self._buf = []
        elif tag == "tr":
            if self._code:
                self.articles[-1].append((self._code, self._paras))
            self._cell = -1
        elif tag == "div":
            self._depth -= 1

    def handle_data(self, data):
        if self._depth and self._cell >= 0:
            self._buf.append(data)

    def _flush_text(self):
        if self._cell >= 1:
            text = "".join(self._buf)
            for piece in text.split("\n"):
                piece = " ".join(piece.split())
                if piece:
                    self._paras.append(piece)
            self._buf = []


def factiva_html_articles(html: str) -> list[list[tuple[str, list[str]]]]:
    """The articles of a Factiva HTML export, each a list of ``(code, paragraphs)`` rows.

    Parameters
    ----------
    html
        The page as saved from Factiva ("Full Article/Report plus Indexing", HTML).

    Returns
    -------
    list
        One list per ``<div class="article ...">``, holding its table rows in order.

    Examples
    --------
    >>> page = ('<div class="article enArticle"><table><tr><td><b>HD</b></td><td>Rates rise</td></tr>'
    ...         '<tr><td><b>TD</b></td><td><p class="articleParagraph">Body.</p></td></tr></table></div>')
    >>> factiva_html_articles(page)
    [[('HD', ['Rates rise']), ('TD', ['Body.'])]]
    """
    parser = _FactivaHTML()
    parser.feed(html)
    parser.close()
    return parser.articles
