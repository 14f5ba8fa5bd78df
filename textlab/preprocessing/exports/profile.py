"""Choose a cleaning profile for a corpus: a news-database export, scraped web pages, or plain text.

Cleaning rules made for web pages (repeated headlines, pull quotes) remove real sentences from
newspaper exports and speeches, and export furniture is invisible to web rules. :func:`detect_profile`
looks at a seeded sample of documents for the markers of each kind and says which profile fits
and why; the choice is meant to be recorded and overridable (``profile = "news_export"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from textlab._errors import ConfigError

__all__ = ["ProfileChoice", "detect_profile", "PROFILES"]

#: Profiles :func:`detect_profile` chooses from.
PROFILES = ("news_export", "web", "plain")

_EXPORT_MARKERS = {
    "word count line": re.compile(r"^\s*(?:length:\s*|wc\s+)?\d[\d,]*\s+words\s*$", re.I | re.M),
    "copyright line": re.compile(r"^\s*(?:copyright|\(c\)|\u00a9).{0,120}$|all rights reserved\.?\s*$", re.I | re.M),
    "document id trailer": re.compile(r"^\s*(?:AN\s+)?document\s+[a-z0-9]{12,}\s*$", re.I | re.M),
    "export field label": re.compile(r"^\s*(?:load-date|publication-type|journal-code|byline|section|length"
                                     r"|language|graphic|dateline):\s", re.I | re.M),
    "document separator": re.compile(r"^\s*(?:\d+ of \d+ documents?|end of document)\s*$", re.I | re.M),
}
_WEB_MARKERS = {
    "navigation line": re.compile(r"^\s*(?:home|menu|search|share(?: this)?(?: article)?|subscribe(?: now)?"
                                  r"|sign (?:in|up)|log ?in|advertisement|skip to (?:main )?content|back to top"
                                  r"|related (?:articles|stories)|read more|most popular|cookie settings"
                                  r"|\W*table of contents|logo|comments?|leave a (?:comment|reply)|print|email)\s*$",
                                  re.I | re.M),
    "reading-time or view counter": re.compile(r"\b\d[\d,.]*\s*k?\s*(?:min(?:ute)?s? read|views|likes|shares)\b",
                                               re.I),
    "glossary pop-up": re.compile(r"\bREAD MORE\b|\bRead more\b"),
    "social or link line": re.compile(r"^\s*(?:follow us|share on|tweet|@\w{2,}|https?://\S+)\s*", re.I | re.M),
    "cookie or newsletter notice": re.compile(r"\b(?:we use cookies|accept cookies|sign up to our newsletter"
                                              r"|subscribe to our newsletter)\b", re.I),
    "image credit line": re.compile(r"^\s*(?:image|photo|photograph|picture)(?: credit)?:\s", re.I | re.M),
}


@dataclass(frozen=True)
class ProfileChoice:
    """The cleaning profile chosen for a corpus, and why.

    Attributes
    ----------
    profile
        ``"news_export"``, ``"web"`` or ``"plain"``.
    reasons
        One sentence per piece of evidence (shares of documents showing each marker).
    evidence
        Marker name -> share of the sampled documents showing it.
    """

    profile: str
    reasons: tuple[str, ...]
    evidence: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.profile


def _shares(texts: list[str], markers: dict[str, re.Pattern[str]], *,
            at_least: int = 2) -> tuple[dict[str, float], float]:
    hits = {name: [bool(p.search(t)) for t in texts] for name, p in markers.items()}
    per_doc = [sum(h[i] for h in hits.values()) for i in range(len(texts))]
    strong = sum(n >= at_least for n in per_doc) / max(len(texts), 1)
    return {name: sum(h) / max(len(texts), 1) for name, h in hits.items()}, strong


def detect_profile(docs: pd.DataFrame, *, sample: int = 500, min_share: float = 0.3,
                   random_state: int = 0) -> ProfileChoice:
    """Choose a cleaning profile: ``"news_export"``, ``"web"`` or ``"plain"``, with reasons.

    A corpus is a news export when at least ``min_share`` of (a sample of) its documents show two
    or more export markers (``N words`` line, copyright line, ``Document <id>`` trailer, export
    field labels such as ``LOAD-DATE:``, document separators); a web corpus when as many show a
    web marker (a navigation line such as ``Table of Contents`` or ``Logo``, share/follow lines,
    cookie or newsletter notices, image credits, reading-time or view counters, glossary pop-ups
    ending in ``READ MORE``); else plain text. The stronger share wins when both qualify.

    Parameters
    ----------
    docs
        Documents with a ``text`` column.
    sample
        Documents examined (a seeded random sample when the corpus is larger).
    min_share
        Share of documents that must show two markers of a kind.
    random_state
        Seed of the sample.

    Returns
    -------
    ProfileChoice
        ``profile``, ``reasons`` and ``evidence`` (marker -> share of documents).

    Examples
    --------
    >>> texts = ["Rates rise\\n\\n812 words\\n\\nThe bank raised rates.\\n\\nCopyright 2014 Star Ltd"] * 3
    >>> detect_profile(pd.DataFrame({"text": texts})).profile
    'news_export'
    """
    if not isinstance(docs, pd.DataFrame) or "text" not in docs.columns:
        raise ConfigError("docs must be a DataFrame with a 'text' column (e.g. corpus.docs)")
    texts = docs["text"].fillna("").astype(str)
    if len(texts) > sample:
        texts = texts.sample(sample, random_state=random_state)
    texts = texts.tolist()
    export, export_strong = _shares(texts, _EXPORT_MARKERS)
    web, web_strong = _shares(texts, _WEB_MARKERS, at_least=1)
    evidence = {**{f"export: {k}": v for k, v in export.items()}, **{f"web: {k}": v for k, v in web.items()}}
    reasons = [f"{export_strong:.0%} of {len(texts)} documents show two or more news-export markers",
               f"{web_strong:.0%} of {len(texts)} documents show a web-page marker"]
    reasons += [f"{name}: {share:.0%} of documents" for name, share in evidence.items() if share > 0]
    if max(export_strong, web_strong) < min_share:
        profile = "plain"
        reasons.insert(0, f"neither kind of marker reaches {min_share:.0%} of documents: plain text")
    else:
        profile = "news_export" if export_strong >= web_strong else "web"
        reasons.insert(0, f"{profile}: markers in {max(export_strong, web_strong):.0%} of documents "
                          f"(threshold {min_share:.0%})")
    return ProfileChoice(profile, tuple(reasons), evidence)
