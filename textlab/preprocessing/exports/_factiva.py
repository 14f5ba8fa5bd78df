"""Factiva exports: tagged text, article-format text and HTML.

Tagged text ("Full Article/Report plus Indexing")::

    HD  Headline (continuation lines indented)
    BY  By Jane Smith
    WC  812 words
    PD  15 January 2014
    SN  The Guardian
    SC  GRDN
    LA  English
    CY  (c) 2014 Guardian News & Media Ltd. All rights reserved.
    LP  lead paragraphs
    TD  text paragraphs
    CO / IN / NS / RE / IPD / PUB  indexing
    AN  Document GRDN000020140115ea1f0001x

Article format (no codes): headline, optional section and byline, ``N words``, date, time,
source name, source code, language, copyright, the body, and a ``Document <id>`` trailer.
HTML: ``<div class="article ...">`` blocks holding a table of the same codes.

An article ends at its ``AN``/``Document <id>`` line. The body ends at the first indexing code
after which nothing but codes follows, so a body paragraph starting "IN the morning" stays text.
"""

from __future__ import annotations

import re

from textlab.preprocessing.exports._common import is_date_line, is_time_line, parse_length, record
from textlab.preprocessing.exports._convert import factiva_html_articles

__all__ = ["looks_like_factiva", "parse_factiva_text", "parse_factiva_html"]

_HEAD_CODES = ("HD", "CLM", "SE", "BY", "CR", "WC", "PD", "ET", "SN", "SC", "ED", "PG", "LA", "CY")
_BODY_CODES = ("LP", "TD")
_TAIL_CODES = ("CT", "RF", "ART", "CO", "IN", "NS", "RE", "IPC", "IPD", "PUB", "AN")
_CODES = set(_HEAD_CODES + _BODY_CODES + _TAIL_CODES)
_TAGGED = re.compile(r"^(" + "|".join(sorted(_CODES, key=len, reverse=True)) + r")(?:[ \t]+(.*))?$")
_AN = re.compile(r"^\s*(?:AN\s+)?Document\s+([A-Za-z0-9]{12,})\s*$")
_CODED = re.compile(r"\w+ : \S")  # "gpol : Domestic Politics"
_COPYRIGHT = re.compile(r"^\s*(?:\(c\)|\u00a9|copyright)", re.I)
_LANGUAGES = {"english", "french", "german", "spanish", "italian", "dutch", "portuguese", "swedish",
              "danish", "norwegian", "finnish", "polish", "russian", "chinese", "japanese", "arabic"}


def looks_like_factiva(text: str) -> str | None:
    """``"tagged"``, ``"article"`` or ``None`` for text that is (not) a Factiva export."""
    lines = text.split("\n")
    trailers = sum(1 for line in lines if _AN.match(line))
    if not trailers:
        return None
    if any(line.startswith("HD") and _TAGGED.match(line) for line in lines):
        return "tagged"
    if any(parse_length(line) is not None and line.strip().lower().endswith("words") for line in lines):
        return "article"
    return None


def _tagged_rows(lines: list[str]) -> list[tuple[str, list[str]]]:
    """(code, lines) rows; untagged lines continue the row above."""
    rows: list[tuple[str, list[str]]] = []
    for line in lines:
        m = _TAGGED.match(line)
        if m and not line.startswith((" ", "\t")):
            rows.append((m.group(1), [m.group(2) or ""]))
        elif rows:
            rows[-1][1].append(line)
    return rows


def _tail_start(rows: list[tuple[str, list[str]]]) -> int:
    """Index of the first indexing row: the longest suffix of one-line tail codes in Factiva's order."""
    start, rank = len(rows), len(_TAIL_CODES)
    for i in range(len(rows) - 1, -1, -1):
        code, value = rows[i]
        if code not in _TAIL_CODES or _TAIL_CODES.index(code) >= rank:
            break
        if any(line.strip() for line in value[1:]) and code != "AN":
            break
        if code in ("CO", "IN", "NS", "RE") and value[0].strip() and not _CODED.search(value[0]):
            break
        start, rank = i, _TAIL_CODES.index(code)
    return start


def _from_rows(rows: list[tuple[str, list[str]]]) -> dict:
    """A record from the (code, paragraphs) rows of one article.

    Rows between the first body code (LP/TD) and the indexing tail are body text, whatever code
    their first word looks like.
    """
    first_body = next((i for i, (code, _) in enumerate(rows) if code in _BODY_CODES), len(rows))
    tail = max(_tail_start(rows), first_body)
    fields: dict[str, str] = {}
    body: list[str] = []
    for i, (code, value) in enumerate(rows):
        if first_body <= i < tail:
            text = value if code in _BODY_CODES else [f"{code} {value[0]}".strip(), *value[1:]]
            body.extend([*text, ""])
        elif code not in fields:
            fields[code] = " ".join(" ".join(value).split())
    an = fields.get("AN", "")
    return record(body=body, title=fields.get("HD"), outlet=fields.get("SN"), date=fields.get("PD"),
                  byline=fields.get("BY"), section=fields.get("SE"), length=fields.get("WC"),
                  language=fields.get("LA"), source_id=an.removeprefix("Document").strip() or None)


def _split_tagged(lines: list[str]) -> list[list[str]]:
    docs, current = [], []
    for line in lines:
        current.append(line)
        if line.startswith("AN") and _AN.match(line):
            docs.append(current)
            current = []
    if any(line.strip() for line in current):
        docs.append(current)
    return docs


def _parse_article(lines: list[str]) -> dict:
    """One article in Factiva's article format (no codes)."""
    lines = [line.strip() for line in lines]
    source_id = _AN.match(lines[-1]).group(1) if lines and _AN.match(lines[-1]) else None
    if source_id:
        lines = lines[:-1]
    nonblank = [i for i, line in enumerate(lines) if line]
    wc = next((i for i in nonblank if parse_length(lines[i]) is not None and lines[i].lower().endswith("words")), None)
    if wc is None:
        return record(body=lines, source_id=source_id)
    before = [lines[i] for i in nonblank if i < wc]
    section = None
    if before and len(before) >= 2 and before[0].lower() in {"news", "comment", "business", "sport", "features",
                                                             "opinion", "world", "uk news", "letters"}:
        section, before = before[0], before[1:]
    byline = before[-1] if len(before) >= 2 and before[-1].lower().startswith("by ") else None
    title = " ".join(before[:-1] if byline else before) or None
    meta = {"date": None, "time": None, "outlet": None, "language": None}
    i = wc + 1
    while i < len(lines):
        line = lines[i]
        if not line:
            if meta["date"]:  # a blank line after the metadata starts the body
                break
        elif _COPYRIGHT.match(line):
            i += 1
            break
        elif meta["date"] is None and is_date_line(line):
            meta["date"] = line
        elif is_time_line(line) and meta["time"] is None:
            meta["time"] = line
        elif line.lower() in _LANGUAGES:
            meta["language"] = line
        elif meta["outlet"] is None and meta["date"] is not None:
            meta["outlet"] = line
        i += 1
    return record(body=lines[i:], title=title, outlet=meta["outlet"], date=meta["date"], byline=byline,
                  section=section, length=lines[wc], language=meta["language"], source_id=source_id)


def parse_factiva_text(text: str) -> list[dict]:
    """Articles of a Factiva text export (tagged or article format), as record dicts.

    Examples
    --------
    >>> text = ("HD Rates rise\\nWC 4 words\\nPD 2 May 2014\\nSN The Times\\nTD\\nRates rose again today.\\n"
    ...         "NS ecat : Economic News\\nAN Document TIMES00020140502ea520001x\\n")
    >>> rec = parse_factiva_text(text)[0]
    >>> rec["title"], rec["date"], rec["outlet"], rec["text"], rec["source_id"]
    ('Rates rise', '2014-05-02', 'The Times', 'Rates rose again today.', 'TIMES00020140502ea520001x')
    """
    lines = text.split("\n")
    layout = looks_like_factiva(text)
    if layout == "tagged":
        return [_from_rows(_tagged_rows(doc)) for doc in _split_tagged(lines)]
    if layout == "article":
        docs, current = [], []
        for line in lines:
            current.append(line)
            if _AN.match(line):
                docs.append(current)
                current = []
        return [_parse_article(doc) for doc in docs]
    return []


def parse_factiva_html(html: str) -> list[dict]:
    """Articles of a Factiva HTML export (``div.article`` blocks of coded rows), as record dicts.

    Examples
    --------
    >>> page = ('<div class="article enArticle"><table><tr><td><b>HD</b></td><td>Rates rise</td></tr>'
    ...         '<tr><td><b>TD</b></td><td><p class="articleParagraph">Rates rose.</p></td></tr></table></div>')
    >>> [(r["title"], r["text"]) for r in parse_factiva_html(page)]
    [('Rates rise', 'Rates rose.')]
    """
    out = []
    for rows in factiva_html_articles(html):
        spaced = [(code, [p for para in paras for p in (para, "")][:-1] or [""]) for code, paras in rows
                  if code in _CODES]
        out.append(_from_rows(spaced))
    return out
