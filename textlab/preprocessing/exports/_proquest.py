"""ProQuest text exports ("Save as Text" of a results list)::

    ____________________________________________________________

    Document 1 of 3

    Headline

    Author: Smith, Jane

    Publication info: The Guardian; London (UK) [London (UK)]. 15 Jan 2014: 12.

    Full text: first paragraph
    further paragraphs ...

    Subject: ...
    Title: Headline
    Publication title: The Guardian; London (UK)
    Publication date: Jan 15, 2014
    Section: UK news
    Language of publication: English
    ProQuest document ID: 1477291234
    Database: ProQuest Central
    ____________________________________________________________

A "Document k of M" line starts an article only when k follows the previous article's number
and the line comes after a rule of underscores or the previous article's last field, so a body
line reading "Document 2 of 3" stays text. The body ("Full text:") ends at the first known field
label after which only fields follow.
"""

from __future__ import annotations

import re

from textlab.preprocessing.exports._common import parse_length, record

__all__ = ["looks_like_proquest", "parse_proquest"]

_DOC = re.compile(r"^\s*Document\s+(\d+)\s+of\s+(\d+)\s*$")
_RULE = re.compile(r"^\s*_{20,}\s*$")
_LABEL = re.compile(r"^([A-Z][A-Za-z /()-]{1,40}):\s?(.*)$")
_FIELDS = {
    "title", "author", "publication info", "abstract", "full text", "subject", "people", "company",
    "location", "publication title", "pages", "publication year", "publication date", "section",
    "publisher", "place of publication", "country of publication", "publication subject", "source type",
    "language of publication", "document type", "proquest document id", "document url", "copyright",
    "last updated", "database", "links", "credit", "illustration", "dateline", "issn", "edition",
    "number of pages", "word count", "identifier / keyword", "document feature", "accession number",
    "column", "volume", "issue", "first page", "isbn", "url", "contributor",
}


def _field(line: str) -> tuple[str, str] | None:
    m = _LABEL.match(line.strip())
    if m and m.group(1).lower() in _FIELDS:
        return m.group(1).lower(), m.group(2).strip()
    return None


def looks_like_proquest(text: str) -> bool:
    """Whether ``text`` is a ProQuest text export."""
    return bool(re.search(r"^ProQuest document ID:", text, re.M)) and bool(_DOC.search(text) or
                                                                            re.search(r"^Full text:", text, re.M))


def _split(lines: list[str]) -> list[list[str]]:
    segments, start, expected, total = [], None, None, None
    for i, line in enumerate(lines):
        m = _DOC.match(line)
        if not m:
            continue
        prev = next((s for s in reversed(lines[:i]) if s.strip()), "")
        k, n = int(m.group(1)), int(m.group(2))
        follows_field = start is not None and _field(prev) is not None
        if (start is None and (_RULE.match(prev) or i < 5 or not prev)) or (
                k == expected and n == total and (_RULE.match(prev) or follows_field)):
            if start is not None:
                segments.append(lines[start:i])
            start, expected, total = i + 1, k + 1, n
    if start is not None:
        segments.append(lines[start:])
    return segments


def _parse(seg: list[str]) -> dict:
    rule = next((i for i, line in enumerate(seg) if _RULE.match(line)), len(seg))
    lines = seg[:rule]  # a rule of underscores closes the article (what follows is the report's end)
    full = next((i for i, line in enumerate(lines) if line.startswith("Full text:")), None)
    fields: dict[str, str] = {}
    head = lines if full is None else lines[:full]
    headline = None
    for line in head:
        found = _field(line)
        if found:
            fields.setdefault(*found)
        elif line.strip() and headline is None and not line.strip().startswith("http"):
            headline = line.strip()
    body: list[str] = []
    if full is not None:
        rest = lines[full:]
        labelled = [i for i, line in enumerate(rest) if i and _field(line)]
        # the tail: the first label from which every non-blank line is a field
        end = len(rest)
        for i in reversed(labelled):
            if all(_field(s) or not s.strip() for s in rest[i:]):
                end = i
        body = [rest[0].removeprefix("Full text:").strip(), *rest[1:end]]
        for line in rest[end:]:
            found = _field(line)
            if found:
                fields.setdefault(*found)
    outlet = fields.get("publication title", "").split(";")[0] or None
    length = fields.get("word count")
    return record(body=body, title=fields.get("title") or headline, outlet=outlet,
                  date=fields.get("publication date"), byline=fields.get("author"), section=fields.get("section"),
                  length=parse_length(length + " words") if length else None,
                  language=fields.get("language of publication"), source_id=fields.get("proquest document id"))


def parse_proquest(text: str) -> list[dict]:
    """Articles of a ProQuest text export, as record dicts.

    Examples
    --------
    >>> text = ("Document 1 of 1\\n\\nRates rise\\n\\nFull text: Rates rose.\\n\\nTitle: Rates rise\\n"
    ...         "Publication title: The Times; London\\nPublication date: May 2, 2014\\nProQuest document ID: 12\\n")
    >>> rec = parse_proquest(text)[0]
    >>> rec["title"], rec["outlet"], rec["date"], rec["text"]
    ('Rates rise', 'The Times', '2014-05-02', 'Rates rose.')
    """
    return [_parse(seg) for seg in _split(text.split("\n"))]
