"""Write the export fixtures of tests/test_exports.py (run once; the files are committed).

Each file follows its database's documented layout (LexisNexis classic "N of M DOCUMENTS"
text; Nexis Uni text, RTF and DOCX with a cover page; Factiva tagged text, article-format text
and HTML; ProQuest "Save as text"). The articles are invented. Odd cases planted: a multi-line
headline, a missing byline, non-ASCII text, and in every format a body line that looks like the
format's separator or field. DOCX is written with python-docx (only needed to rebuild it).

    python tests/data/exports/make_fixtures.py
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent

ARTICLES = [
    dict(outlet="The Guardian (London)", date="January 15, 2014 Wednesday", title=["Farage defends poster as",
         "critics call it divisive"], byline="Rowena Mason, political correspondent", section="UK NEWS; Pg. 12",
         words=61, body=["Nigel Farage has defended a new immigration-centred poster, saying it reflects public concern.",
                         "Critics said the campaign was divisive and would damage community relations in Boston.",
                         "\u201cWe will not be silenced,\u201d he told supporters at a caf\u00e9 in the town.",
                         "LANGUAGE: never stop learning new ones, the party's education spokesman added.",
                         "The poster will appear on 1,000 sites across England this week."]),
    dict(outlet="Daily Mail (London)", date="January 16, 2014 Thursday", title=["Zürich bankers face £3.5bn bill"],
         byline=None, section="NEWS; Pg. 4", words=48,
         body=["Swiss banks in Z\u00fcrich face a \u00a33.5bn bill after regulators ruled against them.",
               "The ruling \u2014 the first of its kind \u2014 affects twelve lenders.",
               "3 of 3 DOCUMENTS",
               "Document 3 of 3",
               "Officials in \u0141\u00f3d\u017a and Paris said they would follow the case closely."]),
    dict(outlet="The Times (London)", date="February 3, 2014 Monday", title=["Floods return to Somerset"],
         byline="Ben Webster", section="NEWS; Pg. 7", words=40,
         body=["Flood water returned to the Somerset Levels yesterday as rivers burst their banks.",
               "Residents said they had been abandoned by the Environment Agency.",
               "End of Document",
               "The army was put on standby."]),
]
SOURCE_CODES = {"The Guardian (London)": "GRDN", "Daily Mail (London)": "DAMONL", "The Times (London)": "TIMEUK"}
COPYRIGHT = {"The Guardian (London)": "Copyright 2014 Guardian Newspapers Limited",
             "Daily Mail (London)": "Copyright 2014 Associated Newspapers Ltd.",
             "The Times (London)": "Copyright 2014 Times Newspapers Limited"}


def nexis_classic() -> str:
    out = []
    for k, a in enumerate(ARTICLES, 1):
        out += [f"{'':30}{k} of {len(ARTICLES)} DOCUMENTS", "", "", f"{'':28}{a['outlet']}", "",
                f"{'':25}{a['date']}", f"{'':30}Final Edition", "", *a["title"], ""]
        if a["byline"]:
            out += [f"BYLINE: {a['byline']}", ""]
        out += [f"SECTION: {a['section']}", "", f"LENGTH: {a['words']} words", "", ""]
        for para in a["body"]:
            out += [para, ""]
        out += ["", f"LOAD-DATE: {a['date'].rsplit(' ', 1)[0]}", "", "LANGUAGE: ENGLISH", "",
                "PUBLICATION-TYPE: Newspaper", "", f"{'':20}{COPYRIGHT[a['outlet']]}", f"{'':25}All Rights Reserved",
                "", ""]
    return "\n".join(out)


def nexis_uni_lines(cover: bool) -> list[str]:
    out = []
    if cover:
        out += ["Date and Time: Tuesday, December 1, 2026 11:00:00 AM GMT", "Job Number: 123456789",
                f"Documents ({len(ARTICLES)})"]
        for k, a in enumerate(ARTICLES, 1):
            out += [f"{k}. {' '.join(a['title'])}", f"Client/Matter: -None-", f"Search Terms: farage OR floods",
                    "Search Type: Boolean", "Narrowed by:", "Content Type", "News"]
        out += ["", ""]
    for a in ARTICLES:
        out += [*a["title"], a["outlet"].replace(" (", "(", 1), a["date"], "Final Edition", "",
                f"{COPYRIGHT[a['outlet']]} All Rights Reserved", "", f"Section: {a['section']}",
                f"Length: {a['words']} words"]
        if a["byline"]:
            out += [f"Byline: {a['byline']}"]
        out += ["Body", ""]
        for para in a["body"]:
            out += [para, ""]
        out += ["Classification", "", "Language: ENGLISH", "", "Publication-Type: Newspaper", "",
                "Subject: POLITICS (90%); IMMIGRATION (78%)", "",
                f"Load-Date: {a['date'].rsplit(' ', 1)[0]}", "", "", "End of Document", ""]
    return out


def rtf_escape(text: str) -> str:
    out = []
    for ch in text:
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ord(ch) < 128:
            out.append(ch)
        elif ord(ch) < 256 and ch in "\u00e9\u00fc":
            out.append(f"\\'{ord(ch):02x}")
        else:
            out.append(f"\\u{ord(ch) if ord(ch) < 32768 else ord(ch) - 65536}?")
    return "".join(out)


def nexis_uni_rtf() -> str:
    head = (r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\froman Times New Roman;}{\f1\fswiss Arial;}}"
            r"{\colortbl;\red0\green0\blue0;}{\*\generator Riched20 10.0.19041}{\info{\author LexisNexis}}"
            "\n\\viewkind4\\uc1\\pard\\f0\\fs24 ")
    body = "".join(rtf_escape(line) + "\\par\n" for line in nexis_uni_lines(cover=False))
    return head + body + "}"


def nexis_uni_docx(path: Path) -> None:
    import docx

    document = docx.Document()
    for line in nexis_uni_lines(cover=True):
        document.add_paragraph(line)
    document.core_properties.author = "LexisNexis"
    document.save(path)


def factiva_tagged() -> str:
    out = []
    for a in ARTICLES:
        code = SOURCE_CODES[a["outlet"]]
        out += ["", f"HD {a['title'][0]}"] + [f"   {t}" for t in a["title"][1:]]
        if a["byline"]:
            out += [f"BY By {a['byline']}"]
        out += [f"WC {a['words']} words", f"PD {a['date'].split()[1].rstrip(',')} {a['date'].split()[0]} 2014",
                "ET 00:30", f"SN {a['outlet'].split(' (')[0]}", f"SC {code}", "ED 1", "PG 12", "LA English",
                f"CY {COPYRIGHT[a['outlet']].replace('Copyright', '(c)')}. All rights reserved.", "LP",
                a["body"][0], "", "TD"]
        for para in a["body"][1:]:
            out += [para, ""]
        out += ["IN the end, ministers blinked.", "", "CO ukip : UK Independence Party",
                "NS gpol : Domestic Politics | gcat : Political/General News", "RE uk : United Kingdom",
                "IPD Politics", f"PUB {a['outlet'].split(' (')[0]} Media Group",
                f"AN Document {code}000020140115ea1f000{ARTICLES.index(a) + 1}x", ""]
    return "\n".join(out)


def factiva_article() -> str:
    out = []
    for a in ARTICLES:
        code = SOURCE_CODES[a["outlet"]]
        out += ["", "", *a["title"]]
        if a["byline"]:
            out += [f"By {a['byline']}"]
        out += [f"{a['words']} words", f"{a['date'].split()[1].rstrip(',')} {a['date'].split()[0]} 2014", "00:30",
                a["outlet"].split(" (")[0], code, "English",
                f"{COPYRIGHT[a['outlet']].replace('Copyright', '(c)')}. All rights reserved.", ""]
        for para in a["body"]:
            out += [para, ""]
        out += [f"Document {code}000020140115ea1f000{ARTICLES.index(a) + 1}x", ""]
    return "\n".join(out)


def factiva_html() -> str:
    rows = []
    for a in ARTICLES:
        code = SOURCE_CODES[a["outlet"]]

        def row(tag, value):
            return f'<tr><td class="index" valign="top"><b>{tag}</b>&nbsp;</td><td>{value}</td></tr>'

        cells = [row("HD", "<br/>".join(a["title"]))]
        if a["byline"]:
            cells.append(row("BY", f"By {a['byline']}"))
        cells += [row("WC", f"{a['words']} words"),
                  row("PD", f"{a['date'].split()[1].rstrip(',')} {a['date'].split()[0]} 2014"),
                  row("SN", a["outlet"].split(" (")[0].replace("&", "&amp;")), row("SC", code), row("LA", "English"),
                  row("CY", COPYRIGHT[a["outlet"]].replace("Copyright", "&copy;")),
                  row("LP", f'<p class="articleParagraph enarticleParagraph">{a["body"][0]}</p>'),
                  row("TD", "".join(f'<p class="articleParagraph enarticleParagraph">{p}</p>' for p in a["body"][1:])),
                  row("NS", "gpol : Domestic Politics"),
                  row("AN", f"Document {code}000020140115ea1f000{ARTICLES.index(a) + 1}x")]
        rows.append(f'<div class="article enArticle"><p></p><table border="0">{"".join(cells)}</table></div>')
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Factiva</title></head><body>'
            '<div id="headlines"><b>3 articles</b></div>' + "\n".join(rows) + "</body></html>")


def proquest() -> str:
    out = ["Report Information from ProQuest", "December 01 2026 11:00",
           "_" * 60, "", "Table of contents", ""]
    out += [f"{k}. {' '.join(a['title'])}" for k, a in enumerate(ARTICLES, 1)]
    out += ["_" * 60, ""]
    for k, a in enumerate(ARTICLES, 1):
        outlet = a["outlet"].split(" (")[0]
        out += [f"Document {k} of {len(ARTICLES)}", "", " ".join(a["title"]), ""]
        if a["byline"]:
            out += [f"Author: {a['byline']}", ""]
        out += [f"Publication info: {outlet}; London (UK) [London (UK)]. {a['date']}: 12.", "",
                "http://search.proquest.com/docview/1477291234?accountid=1", "",
                f"Full text: {a['body'][0]}", *a["body"][1:], "",
                "Subject: Politics; Immigration", "", f"Title: {' '.join(a['title'])}", "",
                f"Publication title: {outlet}; London (UK)", "", "Pages: 12", "", "Publication year: 2014", "",
                f"Publication date: {a['date'].split()[0][:3]} {a['date'].split()[1]} 2014", "",
                "Section: News", "", "Publisher: Newsquest Media Group", "", "Language of publication: English", "",
                f"ProQuest document ID: 14772912{k:02d}", "",
                f"Document URL: http://search.proquest.com/docview/14772912{k:02d}?accountid=1", "",
                f"Copyright: {COPYRIGHT[a['outlet']]}", "", "Last updated: 2014-01-16", "",
                "Database: ProQuest Central", "", "_" * 60, ""]
    out += ["Contact ProQuest", "Copyright 2026 ProQuest LLC. All rights reserved."]
    return "\n".join(out)


def main() -> None:
    (HERE / "nexis_classic.txt").write_text(nexis_classic(), encoding="utf-8")
    (HERE / "nexis_uni.txt").write_text("\n".join(nexis_uni_lines(cover=False)), encoding="utf-8")
    (HERE / "nexis_uni.rtf").write_text(nexis_uni_rtf(), encoding="ascii")
    nexis_uni_docx(HERE / "nexis_uni.docx")
    (HERE / "factiva_tagged.txt").write_text(factiva_tagged(), encoding="utf-8")
    (HERE / "factiva_article.txt").write_text(factiva_article(), encoding="utf-8")
    (HERE / "factiva.html").write_text(factiva_html(), encoding="utf-8")
    (HERE / "proquest.txt").write_text(proquest(), encoding="utf-8")
    (HERE / "not_an_export.txt").write_text("Dear diary,\n\nToday I read three newspapers.\n", encoding="utf-8")


if __name__ == "__main__":
    main()
