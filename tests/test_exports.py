"""read_export on exports built from each database's documented layout (tests/data/exports/make_fixtures.py)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from textlab._errors import ConfigError, InputFileError
from textlab.preprocessing.exports import EXPORT_COLUMNS, detect_export_format, read_export, rtf_to_text
from textlab.preprocessing.exports._convert import docx_to_text

DATA = __import__("pathlib").Path(__file__).parent / "data" / "exports"
FILES = {
    "nexis_classic.txt": "nexis", "nexis_uni.txt": "nexis", "nexis_uni.rtf": "nexis", "nexis_uni.docx": "nexis",
    "factiva_tagged.txt": "factiva", "factiva_article.txt": "factiva", "factiva.html": "factiva",
    "proquest.txt": "proquest",
}
# What a careful reader takes from the three articles (make_fixtures.ARTICLES).
TITLES = ["Farage defends poster as critics call it divisive", "Zürich bankers face £3.5bn bill",
          "Floods return to Somerset"]
DATES = ["2014-01-15", "2014-01-16", "2014-02-03"]
FIRST_WORDS = ["Nigel Farage has defended", "Swiss banks in Zürich", "Flood water returned"]
LAST_WORDS = ["sites across England this week.", "follow the case closely.", "put on standby."]


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_format_splits_into_three_articles_with_their_fields(name):
    docs = read_export(DATA / name)
    assert list(docs.columns) == list(EXPORT_COLUMNS)
    assert len(docs) == 3 and docs["doc_id"].is_unique
    assert (docs["format"] == FILES[name]).all()
    assert docs["title"].tolist() == TITLES          # a multi-line headline joined
    assert docs["date"].tolist() == DATES
    assert docs["outlet"].str.contains("Guardian").iloc[0] and docs["outlet"].str.contains("Mail").iloc[1]
    assert pd.isna(docs["byline"].iloc[1])            # missing byline stays missing
    assert "Rowena Mason" in docs["byline"].iloc[0] and "Ben Webster" in docs["byline"].iloc[2]
    for text, first, last in zip(docs["text"], FIRST_WORDS, LAST_WORDS):
        assert text.startswith(first), text[:80]
        assert text.rstrip().endswith(last) or "IN the end" in text.splitlines()[-1], text[-80:]
    # non-ASCII survives every conversion (RTF \'hh and \uN, DOCX XML, HTML entities)
    assert "Łódź" in docs["text"].iloc[1] and "£3.5bn" in docs["text"].iloc[1] and "—" in docs["text"].iloc[1]
    assert "“We will not be silenced,”" in docs["text"].iloc[0]
    # no furniture left in the bodies
    for text in docs["text"]:
        assert "Copyright" not in text and "Load-Date" not in text and "words" not in text.split()[-3:]


@pytest.mark.parametrize("name", sorted(FILES))
def test_body_lines_that_look_like_separators_or_fields_stay_in_the_body(name):
    docs = read_export(DATA / name)
    first, second, third = docs["text"]
    assert "LANGUAGE: never stop learning new ones" in first
    assert "3 of 3 DOCUMENTS" in second and "Document 3 of 3" in second
    assert "End of Document" in third and third.rstrip().endswith("put on standby.") or "IN the end" in third


def test_lengths_sections_and_ids_are_read_where_the_format_has_them():
    classic = read_export(DATA / "nexis_classic.txt")
    assert classic["length"].tolist() == [61, 48, 40]
    assert classic["section"].tolist() == ["UK NEWS; Pg. 12", "NEWS; Pg. 4", "NEWS; Pg. 7"]
    assert classic["language"].eq("ENGLISH").all()
    tagged = read_export(DATA / "factiva_tagged.txt")
    assert tagged["length"].tolist() == [61, 48, 40]
    assert tagged["source_id"].tolist() == [f"{c}000020140115ea1f000{i}x" for i, c in
                                            enumerate(["GRDN", "DAMONL", "TIMEUK"], 1)]
    assert tagged["outlet"].tolist() == ["The Guardian", "Daily Mail", "The Times"]
    assert all(t.endswith("IN the end, ministers blinked.") for t in tagged["text"])  # 'IN' is not the IN code here
    proquest = read_export(DATA / "proquest.txt")
    assert proquest["section"].eq("News").all() and proquest["source_id"].tolist() == [
        "1477291201", "1477291202", "1477291203"]
    assert "Contact ProQuest" not in proquest["text"].iloc[2]


def test_doc_ids_follow_the_file_and_a_folder_reads_every_export(tmp_path):
    for name in ("nexis_classic.txt", "factiva.html", "proquest.txt"):
        shutil.copy(DATA / name, tmp_path / name)
    docs = read_export(tmp_path)
    assert len(docs) == 9
    assert docs["doc_id"].tolist()[:3] == ["factiva-0001", "factiva-0002", "factiva-0003"]
    assert set(docs["format"]) == {"nexis", "factiva", "proquest"}


@pytest.mark.parametrize("claimed,name", [("nexis", "factiva_tagged.txt"), ("factiva", "nexis_classic.txt"),
                                          ("proquest", "nexis_uni.txt"), ("nexis", "not_an_export.txt")])
def test_a_file_that_is_not_the_claimed_format_is_refused_in_one_line_naming_it(claimed, name):
    with pytest.raises(InputFileError) as err:
        read_export(DATA / name, format=claimed)
    message = str(err.value)
    assert "\n" not in message and name in message and f"not a {claimed} export" in message


def test_auto_refuses_plain_text_and_bad_arguments():
    with pytest.raises(InputFileError, match="not a recognised news-database export"):
        read_export(DATA / "not_an_export.txt")
    with pytest.raises(ConfigError, match="format="):
        read_export(DATA / "proquest.txt", format="lexis")
    with pytest.raises(InputFileError, match="does not exist"):
        read_export(DATA / "missing.txt")


def test_undecodable_text_names_the_line_and_the_fix(tmp_path):
    path = tmp_path / "cp1252.txt"
    path.write_bytes((DATA / "nexis_classic.txt").read_text(encoding="utf-8").encode("cp1252", errors="replace"))
    with pytest.raises(InputFileError, match="encoding='cp1252'"):
        read_export(path)
    assert read_export(path, encoding="cp1252")["title"].iloc[1] == TITLES[1]


def test_converters_match_the_text_export():
    txt = (DATA / "nexis_uni.txt").read_text(encoding="utf-8")
    rtf = rtf_to_text((DATA / "nexis_uni.rtf").read_text(encoding="ascii"))
    assert [line for line in rtf.splitlines() if line] == [line for line in txt.splitlines() if line]
    docx = docx_to_text(DATA / "nexis_uni.docx")
    assert docx.splitlines()[:3] == ["Date and Time: Tuesday, December 1, 2026 11:00:00 AM GMT",
                                     "Job Number: 123456789", "Documents (3)"]
    assert detect_export_format(txt) == "nexis" and detect_export_format("Dear diary") is None
