"""A generated news-database export with planted truth, for the demo notebook and tests.

:func:`make_news_exports` writes, for five fictional-but-familiar UK outlets, one export file
per outlet in a different database layout (LexisNexis classic, Nexis Uni, Factiva article
format, Factiva tagged, ProQuest), the same articles as one text file per article *with* the
export furniture inside (how a corpus often reaches a researcher: split by someone else), and
``truth.csv`` with each article's real body, metadata and planted duplicates. The text is
generated from templates (no real articles). Planted: syndicated copies (exact, lightly edited,
paragraphs reordered, embedded in a longer article), an article repeating its own sentence,
and quotes two articles share. Everything depends only on ``random_state``.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["DemoExport", "make_news_exports", "DEMO_OUTLETS"]

#: (outlet, source code, layout, copyright holder) of the generated export.
DEMO_OUTLETS = (
    ("The Guardian", "GRDN", "nexis_classic", "Guardian Newspapers Limited"),
    ("The Times", "TIMEUK", "nexis_uni", "Times Newspapers Limited"),
    ("Daily Mail", "DAMONL", "factiva_article", "Associated Newspapers Ltd"),
    ("The Daily Telegraph", "DT", "factiva_tagged", "Telegraph Media Group Limited"),
    ("The Independent", "IND", "proquest", "Independent Print Ltd"),
)
_TOPICS = {
    "immigration": (["migrants", "border checks", "visa rules", "asylum claims", "work permits", "net migration"],
                    ["the Home Secretary", "Ukip leaders", "a Home Office spokesman", "campaigners", "local councillors"]),
    "floods": (["flood defences", "river dredging", "emergency pumps", "insurance claims", "sandbag supplies"],
               ["the Environment Agency", "residents of Moorland", "the army", "farmers", "the county council"]),
    "economy": (["interest rates", "the housing market", "wage growth", "retail sales", "manufacturing output"],
                ["the Bank of England", "the Chancellor", "economists", "business leaders", "the Treasury"]),
    "health": (["waiting times", "GP surgeries", "nurse numbers", "hospital budgets", "the flu vaccine"],
               ["the Health Secretary", "NHS managers", "patient groups", "the Royal College", "hospital chiefs"]),
    "transport": (["rail fares", "the HS2 line", "bus routes", "road repairs", "airport expansion"],
                  ["the Transport Secretary", "commuter groups", "rail operators", "MPs", "union leaders"]),
}
_VERBS = ["warned about", "defended", "criticised", "called for a review of", "promised new money for",
          "questioned", "welcomed changes to", "raised concerns over", "set out plans for", "rejected claims about"]
_PLACES = ["in Boston", "in Somerset", "in Manchester", "across the north-east", "in Cardiff", "in Leeds",
           "at Westminster", "in rural Lincolnshire", "in south London", "on the Levels"]
_TIMES = ["on Monday", "yesterday", "last week", "this morning", "on Thursday night", "at the weekend"]
_TAILS = ["after months of pressure", "as figures showed a sharp change", "despite warnings from officials",
          "in a speech to supporters", "in a letter seen by this newspaper", "amid growing anger",
          "before a vote next month", "while ministers stayed silent"]
_NUMBERS = ["1,200", "3.5 per cent", "\u00a345m", "17", "two-thirds", "\u00a31.2bn", "40,000", "nine"]
_QUOTES = ["\u201cWe will not be silenced on this,\u201d she said.",
           "\u201cPeople have a perfect right to be concerned,\u201d he told the meeting.",
           "\u201cThis is a betrayal of every family in the town,\u201d one resident said.",
           "\u201cThe figures speak for themselves,\u201d a spokesman said."]


@dataclass(frozen=True)
class DemoExport:
    """Where :func:`make_news_exports` wrote its files, and the planted truth."""

    folder: Path
    exports: Path      # one export file per outlet (five layouts)
    articles: Path     # one .txt per article with the furniture inside, plus metadata.csv
    truth: pd.DataFrame


def _sentence(rng: random.Random, topic: str) -> str:
    nouns, actors = _TOPICS[topic]
    s = (f"{rng.choice(actors)} {rng.choice(_VERBS)} {rng.choice(nouns)} {rng.choice(_PLACES)} "
         f"{rng.choice(_TIMES)} {rng.choice(_TAILS)}")
    if rng.random() < 0.4:
        s += f", with {rng.choice(_NUMBERS)} {rng.choice(['affected', 'at stake', 'promised', 'cut', 'missing'])}"
    return s[0].upper() + s[1:] + "."


def _article(rng: random.Random, i: int, outlet: tuple, date: dt.date) -> dict:
    topic = rng.choice(list(_TOPICS))
    paras = [" ".join(_sentence(rng, topic) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(6, 11))]
    nouns, actors = _TOPICS[topic]
    title = f"{rng.choice(actors)} {rng.choice(_VERBS)} {rng.choice(nouns)}"
    return {"outlet": outlet[0], "date": date, "title": title[0].upper() + title[1:], "topic": topic,
            "byline": rng.choice(["Rowena Mason", "Ben Webster", "Jack Doyle", "Emily Gosden", "Nigel Morris",
                                  "Kate Devlin"]) if rng.random() < 0.75 else None,
            "section": rng.choice(["NEWS", "UK NEWS", "POLITICS", "BUSINESS", "HOME NEWS"]), "paras": paras,
            "duplicate_of": None, "duplicate_kind": None}


def _plant_copy(rng: random.Random, art: dict, original: dict, kind: str) -> None:
    paras = list(original["paras"])
    if kind == "edited":
        paras.pop(rng.randrange(len(paras)))
        words = paras[0].split()
        for _ in range(3):
            words[rng.randrange(len(words))] = rng.choice(["reportedly", "also", "now"])
        paras[0] = " ".join(words)
    elif kind == "reordered":
        rng.shuffle(paras)
    elif kind == "embedded":
        paras = art["paras"][:3] + paras + art["paras"][3:6]
    art.update(paras=paras, title=original["title"] if kind != "embedded" else art["title"], topic=original["topic"])


def _articles(n: int, rng: random.Random) -> list[dict]:
    start = dt.date(2014, 1, 6)
    arts = [_article(rng, i, DEMO_OUTLETS[i % len(DEMO_OUTLETS)], start + dt.timedelta(days=i * 150 // n))
            for i in range(n)]
    kinds = ["exact", "edited", "reordered", "embedded"]
    copies = rng.sample(range(20, n), k=max(n // 12, 4))
    for j, c in enumerate(sorted(copies)):
        pool = [k for k in range(c) if arts[k]["duplicate_of"] is None and k not in copies]
        original = rng.choice(pool[-30:])
        kind = kinds[j % len(kinds)]
        _plant_copy(rng, arts[c], arts[original], kind)
        arts[c].update(duplicate_of=original, duplicate_kind=kind)
    singles = [k for k in range(n) if arts[k]["duplicate_of"] is None and k not in
               {a["duplicate_of"] for a in arts}]
    for k in rng.sample(singles, k=max(n // 40, 2)):   # an article repeating its own sentence
        arts[k]["paras"].insert(len(arts[k]["paras"]) - 1, arts[k]["paras"][1])
        arts[k]["refrain"] = True
    for q, (a, b) in enumerate(zip(*[iter(rng.sample(singles, k=2 * len(_QUOTES)))] * 2)):
        for k in (a, b):                                   # a quote two articles share
            arts[k]["paras"].insert(2, _QUOTES[q])
            arts[k]["shared_quote"] = True
    return arts


def _fmt_date(d: dt.date, style: str) -> str:
    if style == "us":
        return f"{d:%B} {d.day}, {d.year} {d:%A}"
    return f"{d.day} {d:%B} {d.year}"


def _block(art: dict, outlet: tuple, k: int, n: int, ident: str) -> list[str]:
    """The article as its outlet's export layout prints it (k of n)."""
    name, code, layout, holder = outlet
    words = sum(len(p.split()) for p in art["paras"])
    body = [x for p in art["paras"] for x in (p, "")]
    d, by = art["date"], art["byline"]
    if layout == "nexis_classic":
        return ([f"{'':30}{k} of {n} DOCUMENTS", "", f"{'':28}{name} (London)", "", f"{'':25}{_fmt_date(d, 'us')}",
                 f"{'':30}Final Edition", "", art["title"], ""] + ([f"BYLINE: {by}", ""] if by else [])
                + [f"SECTION: {art['section']}; Pg. {k % 30 + 1}", "", f"LENGTH: {words} words", "", *body,
                   f"LOAD-DATE: {_fmt_date(d + dt.timedelta(days=1), 'us').rsplit(' ', 1)[0]}", "",
                   "LANGUAGE: ENGLISH", "", "PUBLICATION-TYPE: Newspaper", "",
                   f"{'':20}Copyright {d.year} {holder}", f"{'':25}All Rights Reserved", ""])
    if layout == "nexis_uni":
        return ([art["title"], f"{name}(London)", _fmt_date(d, "us"), "", f"Copyright {d.year} {holder} "
                 "All Rights Reserved", "", f"Section: {art['section']}; Pg. {k % 30 + 1}", f"Length: {words} words"]
                + ([f"Byline: {by}"] if by else []) + ["Body", "", *body, "Classification", "", "Language: ENGLISH",
                                                       "", f"Load-Date: {_fmt_date(d, 'us').rsplit(' ', 1)[0]}",
                                                       "", "End of Document", ""])
    if layout == "factiva_article":
        return (["", art["title"]] + ([f"By {by}"] if by else []) + [f"{words} words", _fmt_date(d, "uk"), "00:30",
                name, code, "English", f"(c) {d.year} {holder}. All rights reserved.", "", *body,
                f"Document {ident}", ""])
    if layout == "factiva_tagged":
        return ([f"HD {art['title']}"] + ([f"BY By {by}"] if by else []) + [
                f"WC {words} words", f"PD {_fmt_date(d, 'uk')}", "ET 00:30", f"SN {name}", f"SC {code}", "LA English",
                f"CY (c) {d.year} {holder}. All rights reserved.", "LP", art["paras"][0], "", "TD",
                *[x for p in art["paras"][1:] for x in (p, "")], "NS gpol : Domestic Politics",
                "RE uk : United Kingdom", f"AN Document {ident}", ""])
    return ([f"Document {k} of {n}", "", art["title"], ""] + ([f"Author: {by}", ""] if by else []) + [
            f"Publication info: {name}; London (UK) [London (UK)]. {d:%d %b %Y}: {k % 30 + 1}.", "",
            f"Full text: {art['paras'][0]}", *art["paras"][1:], "", f"Title: {art['title']}", "",
            f"Publication title: {name}; London (UK)", "", f"Publication date: {d:%b} {d.day}, {d.year}", "",
            f"Section: {art['section']}", "", "Language of publication: English", "",
            f"ProQuest document ID: {ident}", "", f"Copyright: Copyright {holder} {d:%b} {d.day}, {d.year}", "",
            "Database: ProQuest Central", "", "_" * 60, ""])


def make_news_exports(folder: str | Path, *, n_articles: int = 300, random_state: int = 0) -> DemoExport:
    """Write a generated multi-outlet news-database export with planted truth.

    Parameters
    ----------
    folder
        Created if needed; gets ``exports/`` (five files), ``articles/`` (one ``.txt`` per article
        with its furniture, and ``metadata.csv``) and ``truth.csv``.
    n_articles
        Articles in all (at least 40), spread over five outlets and January-June 2014.
    random_state
        Seed: the same seed writes the same files.

    Returns
    -------
    DemoExport
        Paths and the truth table (``doc_id, outlet, date, title, byline, section, body,
        n_body_words, duplicate_of, duplicate_kind, refrain, shared_quote``).

    Examples
    --------
    >>> demo = make_news_exports("/tmp/news-demo", n_articles=60)  # doctest: +SKIP
    >>> sorted(p.name for p in demo.exports.iterdir())  # doctest: +SKIP
    ['daily_mail.txt', 'the_daily_telegraph.txt', 'the_guardian.txt', 'the_independent.txt', 'the_times.txt']
    """
    if n_articles < 40:
        raise ValueError(f"n_articles={n_articles} is too small: give at least 40")
    rng = random.Random(random_state)
    arts = _articles(n_articles, rng)
    folder = Path(folder)
    exports, articles = folder / "exports", folder / "articles"
    exports.mkdir(parents=True, exist_ok=True)
    articles.mkdir(parents=True, exist_ok=True)
    rows, meta = [], []
    for outlet in DEMO_OUTLETS:
        slug = outlet[0].lower().replace(" ", "_")
        mine = [a for a in arts if a["outlet"] == outlet[0]]
        lines: list[str] = []
        if outlet[2] == "proquest":
            lines += ["Report Information from ProQuest", "", "_" * 60, ""]
        for k, art in enumerate(mine, 1):
            ident = f"{outlet[1]}0000{art['date']:%Y%m%d}e{k:05d}"
            block = _block(art, outlet, k, len(mine), ident)
            lines += block
            doc_id = f"{slug}-{k:04d}"
            single = _block(art, outlet, 1, 1, ident)
            (articles / f"{doc_id}.txt").write_text("\n".join(single).strip("\n") + "\n", encoding="utf-8")
            meta.append({"file": f"{doc_id}.txt", "doc_id": doc_id, "outlet": outlet[0]})
            art["doc_id"] = doc_id
        (exports / f"{slug}.txt").write_text("\n".join(lines), encoding="utf-8")
    for art in arts:
        body = "\n\n".join(art["paras"])
        rows.append({"doc_id": art["doc_id"], "outlet": art["outlet"], "date": art["date"].isoformat(),
                     "title": art["title"], "byline": art["byline"], "section": art["section"], "body": body,
                     "n_body_words": len(body.split()),
                     "duplicate_of": arts[art["duplicate_of"]]["doc_id"] if art["duplicate_of"] is not None else None,
                     "duplicate_kind": art["duplicate_kind"], "refrain": art.get("refrain", False),
                     "shared_quote": art.get("shared_quote", False)})
    truth = pd.DataFrame(rows)
    truth.to_csv(folder / "truth.csv", index=False)
    pd.DataFrame(meta)[["doc_id", "file", "outlet"]].to_csv(articles / "metadata.csv", index=False)
    return DemoExport(folder, exports, articles, truth)
