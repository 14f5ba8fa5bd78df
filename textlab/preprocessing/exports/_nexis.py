"""LexisNexis exports: the classic "N of M DOCUMENTS" text layout and the Nexis Uni layout.

Classic (Nexis UK, LexisNexis Academic)::

                           1 of 250 DOCUMENTS
                         The Guardian (London)
                      January 15, 2014 Wednesday
                            Final Edition
    Headline (one or more lines)
    BYLINE: Patrick Wintour
    SECTION: UK NEWS; Pg. 12
    LENGTH: 812 words
    body paragraphs ...
    LOAD-DATE: January 16, 2014
    LANGUAGE: ENGLISH
                  Copyright 2014 Guardian Newspapers Limited

Nexis Uni (plain text, and the text of its RTF and DOCX exports)::

    Headline
    The Guardian (London)
    January 15, 2014 Wednesday
    Copyright 2014 Guardian Newspapers Limited All Rights Reserved
    Section: UK NEWS; Pg. 12
    Length: 812 words
    Byline: Patrick Wintour
    Body
    body paragraphs ...
    Classification
    Language: ENGLISH
    Load-Date: January 16, 2014
    End of Document

Separators are accepted only where the layout allows them: classic "k of M DOCUMENTS" lines
must number 1, 2, 3 ... with the same M and follow the previous article's last field or copyright
line, and "End of Document" must follow the article's
``Load-Date``; a body line that merely looks like a separator stays in the body.
"""

from __future__ import annotations

import re

from textlab.preprocessing.exports._common import is_date_line, record

__all__ = ["looks_like_nexis", "parse_nexis"]

_CLASSIC_SEP = re.compile(r"^\s*(\d+)\s+of\s+(\d+)\s+DOCUMENTS?\s*$")
_UNI_END = re.compile(r"^\s*End of Document\s*$", re.I)
_LABEL = re.compile(r"^\s*([A-Za-z][A-Za-z-]*(?: [A-Za-z-]+)?):\s?(.*)$")
_HEAD_LABELS = {"byline", "section", "length", "dateline", "headline", "highlight", "edition", "source"}
_TAIL_LABELS = {"load-date", "language", "publication-type", "journal-code", "journal code", "graphic",
                "correction-date", "document-type", "subject", "organization", "geographic", "person",
                "company", "ticker", "industry", "city", "state", "country", "url", "notes", "distribution",
                "series", "type", "acc-no", "terms", "load date"}
_COPYRIGHT = re.compile(r"copyright|\u00a9|\(c\)|all rights reserved", re.I)
_COVER_COUNT = re.compile(r"^\s*Documents\s*\((\d+)\)\s*$")


def _label(line: str, known: set[str]) -> tuple[str, str] | None:
    m = _LABEL.match(line)
    if m and m.group(1).lower() in known:
        return m.group(1).lower(), m.group(2).strip()
    return None


def looks_like_nexis(text: str) -> str | None:
    """``"classic"``, ``"uni"`` or ``None`` for a text that is (not) a LexisNexis export."""
    lines = text.split("\n")
    if any((m := _CLASSIC_SEP.match(line)) and m.group(1) == "1" for line in lines):
        return "classic"
    if any(_UNI_END.match(line) for line in lines) and any(_label(line, {"load-date"}) for line in lines):
        return "uni"
    return None


def _paragraphs(lines: list[str]) -> list[list[str]]:
    out, current = [], []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def _split_classic(lines: list[str]) -> list[list[str]]:
    segments, start, expected, total = [], None, None, None
    for i, line in enumerate(lines):
        m = _CLASSIC_SEP.match(line)
        if not m:
            continue
        k, n = int(m.group(1)), int(m.group(2))
        prev = next((s for s in reversed(lines[:i]) if s.strip()), "")
        ends_article = _label(prev, _TAIL_LABELS) or _COPYRIGHT.search(prev) or _label(prev, {"length"})
        if start is None or (k == expected and n == total and ends_article):
            if start is not None:
                segments.append(lines[start:i])
            start, expected, total = i + 1, k + 1, n
    if start is not None:
        segments.append(lines[start:])
    return segments


def _front(lines: list[str]) -> dict:
    """Outlet, date, edition and headline from the unlabelled lines before the fields."""
    flat = [(p, line) for p, para in enumerate(_paragraphs(lines)) for line in para]
    d = next((i for i, (_, line) in enumerate(flat) if is_date_line(line)), None)
    if d is None:
        return {"title": " ".join(line for _, line in flat) or None}
    para_d = flat[d][0]
    after = [line for p, line in flat[d + 1:] if p > para_d]
    return {"outlet": " ".join(line for _, line in flat[:d]), "date": flat[d][1],
            "title": " ".join(after) or None}


def _parse_classic(seg: list[str]) -> dict:
    first = next((i for i, line in enumerate(seg) if _label(line, _HEAD_LABELS)), len(seg))
    fields = _front(seg[:first])
    paras = _paragraphs(seg[first:])
    body_start = 0
    while body_start < len(paras) and _label(paras[body_start][0], _HEAD_LABELS):
        name, value = _label(paras[body_start][0], _HEAD_LABELS)
        fields.setdefault(name, " ".join([value, *paras[body_start][1:]]))
        body_start += 1
    end = len(paras)
    while end > body_start and not _label(paras[end - 1][0], _TAIL_LABELS) and _COPYRIGHT.search(" ".join(paras[end - 1])):
        end -= 1
    tail = end
    while tail > body_start and _label(paras[tail - 1][0], _TAIL_LABELS):
        tail -= 1
    for para in paras[tail:end]:
        name, value = _label(para[0], _TAIL_LABELS)
        fields.setdefault(name, " ".join([value, *para[1:]]))
    if "headline" in fields:
        fields["title"] = fields.pop("headline")
    body = [line for para in paras[body_start:tail] for line in [*para, ""]]
    return record(body=body, title=fields.get("title"), outlet=fields.get("outlet"), date=fields.get("date"),
                  byline=fields.get("byline"), section=fields.get("section"), length=fields.get("length"),
                  language=fields.get("language"))


def _skip_cover(lines: list[str]) -> list[str]:
    """Drop a Nexis Uni cover page ("Documents (N)" and its numbered list of titles)."""
    head = next((i for i, line in enumerate(lines[:40]) if _COVER_COUNT.match(line)), None)
    if head is None:
        return lines
    n = int(_COVER_COUNT.match(lines[head]).group(1))
    last = head
    for i in range(head + 1, len(lines)):
        if lines[i].strip().startswith(f"{n}. "):
            last = i
            break
    i = last + 1
    while i < len(lines) and lines[i].strip():
        i += 1
    return lines[i:]


def _split_uni(lines: list[str]) -> list[list[str]]:
    segments, start, seen_body, seen_load = [], 0, False, False
    for i, line in enumerate(lines):
        if line.strip() == "Body":
            seen_body = True
        elif seen_body and _label(line, {"load-date", "load date"}):
            seen_load = True
        elif _UNI_END.match(line) and seen_load:
            segments.append(lines[start:i])
            start, seen_body, seen_load = i + 1, False, False
    if any(line.strip() for line in lines[start:]):
        segments.append(lines[start:])
    return segments


def _parse_uni(seg: list[str]) -> dict:
    body_at = next((i for i, line in enumerate(seg) if line.strip() == "Body"), None)
    if body_at is None:
        labelled = [i for i, line in enumerate(seg) if _label(line, _HEAD_LABELS)]
        body_at = labelled[-1] if labelled else -1
    head = [line for line in seg[:max(body_at, 0)] if line.strip()]
    fields, front = {}, []
    for line in head:
        found = _label(line, _HEAD_LABELS)
        if found:
            fields.setdefault(*found)
        elif not _COPYRIGHT.search(line):
            front.append(line)
    d = next((i for i, line in enumerate(front) if is_date_line(line)), None)
    if d is not None and d >= 1:
        fields.update(title=" ".join(s.strip() for s in front[:d - 1]) or None, outlet=front[d - 1], date=front[d])
    elif front:
        fields["title"] = front[0]
    rest = seg[body_at + 1:]
    load = [i for i, line in enumerate(rest) if _label(line, {"load-date", "load date"})]
    stop = load[-1] if load else len(rest)
    marks = [i for i, line in enumerate(rest[:stop]) if line.strip() in ("Classification", "Graphic")]
    end = marks[0] if marks else stop
    for line in rest[end:]:
        found = _label(line, _TAIL_LABELS)
        if found:
            fields.setdefault(*found)
    return record(body=rest[:end], title=fields.get("title"), outlet=fields.get("outlet"),
                  date=fields.get("date"), byline=fields.get("byline"), section=fields.get("section"),
                  length=fields.get("length"), language=fields.get("language"))


def parse_nexis(text: str) -> list[dict]:
    """Articles of a LexisNexis text export (classic or Nexis Uni), as record dicts.

    Examples
    --------
    >>> text = ("1 of 1 DOCUMENT\\n\\nThe Times (London)\\n\\nMay 2, 2014 Friday\\n\\nPoll shock\\n\\n"
    ...         "LENGTH: 3 words\\n\\nVoters stayed home.\\n\\nLANGUAGE: ENGLISH\\n")
    >>> rec = parse_nexis(text)[0]
    >>> rec["outlet"], rec["date"], rec["title"], rec["length"], rec["text"]
    ('The Times (London)', '2014-05-02', 'Poll shock', 3, 'Voters stayed home.')
    """
    lines = text.split("\n")
    layout = looks_like_nexis(text)
    if layout == "classic":
        return [_parse_classic(seg) for seg in _split_classic(lines)]
    if layout == "uni":
        return [_parse_uni(seg) for seg in _split_uni(_skip_cover(lines))]
    return []
