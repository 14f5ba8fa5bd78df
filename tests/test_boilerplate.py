"""Corpus-level boilerplate: recurring furniture removed with an audit, article text kept."""

from __future__ import annotations

import collections

import pandas as pd
import pytest

from textlab._errors import ConfigError
from textlab.preprocessing.boilerplate import detect_profile, find_boilerplate, remove_boilerplate
from textlab.preprocessing.exports.demo import make_news_exports

SENTENCES = [
    "The council approved the budget after a long debate about rents and repairs in the town.",
    "Residents said the flood defences had failed for the third winter running despite promises.",
    "Ministers promised new money for rural bus routes but gave no figure for the coming year.",
    "Hospital chiefs warned that waiting times would rise again unless nurse numbers improved soon.",
    "Farmers on the Levels asked for the rivers to be dredged before the spring rains arrived.",
    "Economists said retail sales had fallen for a second month as shoppers stayed at home.",
    "The school will close for two weeks while engineers check the roof for asbestos and damp.",
    "Union leaders rejected the offer and said a strike ballot would go ahead next month.",
    "Police appealed for witnesses after a lorry overturned on the bypass late on Sunday night.",
    "The museum reopened with a new gallery devoted to the history of the local mills.",
    "Shop owners complained that parking charges were driving customers to the retail park instead.",
    "A new study found that air quality near the school gates breached legal limits every morning.",
]


TOPICS = ["rents", "floods", "buses", "nurses", "farms", "sales", "roofs", "strikes", "lorries", "mills",
          "parking", "air quality"]


def _headline(i: int) -> str:
    return f"Why {TOPICS[i % len(TOPICS)]} matter to the town"


def _export_like(i: int, body: list[str], outlet: str = "The Courier") -> str:
    return "\n".join([f"{i + 1} of 40 DOCUMENTS", "", outlet, f"March {i % 28 + 1}, 2014 Monday", "",
                      _headline(i), "", f"BYLINE: Reporter {i % 3}", f"LENGTH: {100 + i} words", "",
                      *[x for para in body for x in (para, "")],
                      f"LOAD-DATE: March {i % 28 + 2}, 2014", "LANGUAGE: ENGLISH",
                      f"Copyright 2014 {outlet} Ltd", f"Document CRR{i:08d}ea3f0001x"])


def _corpus(n: int = 10, outlet: str = "The Courier") -> pd.DataFrame:
    texts = [_export_like(i, [SENTENCES[(i + k) % len(SENTENCES)] for k in range(4)], outlet) for i in range(n)]
    return pd.DataFrame({"doc_id": [f"d{i}" for i in range(n)], "text": texts, "outlet": outlet})


def _body_words(text: str) -> collections.Counter:
    return collections.Counter(text.split())


def test_furniture_removed_fields_moved_and_every_body_word_kept():
    docs = _corpus()
    out = remove_boilerplate(docs, source_column="outlet")
    for i, text in enumerate(out.docs["text"]):
        body = [SENTENCES[(i + k) % len(SENTENCES)] for k in range(4)]
        assert text == "\n\n".join([_headline(i), *body])
    assert out.docs["date"].tolist() == [f"2014-03-{i % 28 + 1:02d}" for i in range(10)]
    assert out.docs["byline"].tolist() == [f"Reporter {i % 3}" for i in range(10)]
    assert out.docs["length"].tolist() == [100 + i for i in range(10)]
    assert out.docs["language"].eq("ENGLISH").all() and out.docs["outlet"].eq("The Courier").all()
    assert list(out.audit.columns) == ["doc_id", "line_start", "line_end", "rule", "text"]
    assert set(out.audit["rule"]) == {"boilerplate", "boilerplate_field"}
    summary = out.summary.set_index("source").loc["The Courier"]
    assert summary["n_docs"] == 10 and summary["docs_changed"] == 10
    assert summary["words_removed"] == sum(len(t.split()) for t in docs["text"]) - sum(
        len(t.split()) for t in out.docs["text"])
    assert out.params["min_docs"] == 5 and out.params["min_share"] == 0.2


def test_audit_line_numbers_point_at_the_raw_text():
    docs = _corpus()
    out = remove_boilerplate(docs, source_column="outlet")
    raw = dict(zip(docs["doc_id"], docs["text"]))
    for row in out.audit.itertuples():
        lines = raw[row.doc_id].split("\n")
        assert lines[row.line_start - 1].strip() == row.text.split("\n")[0]
        assert lines[row.line_end - 1].strip() == row.text.split("\n")[-1]
    removed = out.audit.groupby("doc_id")["text"].apply(lambda s: sum(len(t.split()) for t in s))
    before = docs.set_index("doc_id")["text"].str.split().str.len()
    after = out.docs.set_index("doc_id")["text"].str.split().str.len()
    assert (before - after).equals(removed.reindex(before.index))


def test_an_articles_own_refrain_and_a_quote_two_articles_share_are_kept():
    docs = _corpus(12)
    refrain = "Not in my name, they chanted again and again outside the town hall gates."
    quote = "\u201cWe will not be silenced on this matter,\u201d she said."
    texts = docs["text"].tolist()
    texts[0] = texts[0].replace(SENTENCES[0], f"{SENTENCES[0]}\n\n{refrain}\n\n{refrain}\n\n{refrain}")
    texts[1] = texts[1].replace(SENTENCES[1], f"{SENTENCES[1]}\n\n{quote}")
    texts[2] = texts[2].replace(SENTENCES[2], f"{SENTENCES[2]}\n\n{quote}")
    out = remove_boilerplate(docs.assign(text=texts), source_column="outlet")
    assert out.docs["text"].iloc[0].count(refrain) == 3
    assert quote in out.docs["text"].iloc[1] and quote in out.docs["text"].iloc[2]
    # the same line in most documents of the source *is* furniture (the test can fail)
    texts = [t.replace("LOAD-DATE", f"{quote}\n\nLOAD-DATE") if i < 8 else t for i, t in enumerate(texts)]
    out = remove_boilerplate(docs.assign(text=texts), source_column="outlet")
    assert not out.docs["text"].str.contains("silenced").any()


def test_a_story_one_outlet_printed_several_times_is_not_furniture():
    docs = _corpus(10)
    story = ("The bridge will close for repairs from Monday, the council said, and buses will be diverted "
             "through the old town for at least six weeks while the work goes on.")
    texts = [t.replace(SENTENCES[(i + 1) % len(SENTENCES)], story) if i < 3 else t
             for i, t in enumerate(docs["text"])]
    kept = remove_boilerplate(docs.assign(text=texts), source_column="outlet", min_docs=3)
    assert kept.docs["text"].str.contains("bridge will close").sum() == 3
    # only because sentence-like lines need prose_share of the source's documents
    gone = remove_boilerplate(docs.assign(text=texts), source_column="outlet", min_docs=3, prose_share=0.2)
    assert gone.docs["text"].str.contains("bridge will close").sum() == 0


def test_field_shaped_lines_inside_the_body_are_kept():
    docs = _corpus(8)
    texts = [t.replace(SENTENCES[(i + 1) % len(SENTENCES)], f"{SENTENCES[(i + 1) % len(SENTENCES)]}\n\n"
                       "March 3, 2014\n\nLANGUAGE: not a field here") for i, t in enumerate(docs["text"])]
    out = remove_boilerplate(docs.assign(text=texts), source_column="outlet")
    assert out.docs["text"].str.contains("March 3, 2014\n\nLANGUAGE: not a field here", regex=False).all()
    assert out.docs["date"].tolist() == [f"2014-03-{i % 28 + 1:02d}" for i in range(8)]


def test_each_source_has_its_own_furniture_and_small_sources_are_left_alone():
    docs = pd.concat([_corpus(10, "The Courier"), _corpus(3, "The Herald").assign(
        doc_id=lambda d: "h" + d["doc_id"])], ignore_index=True)
    found = find_boilerplate(docs, source_column="outlet")
    assert set(found.patterns["source"]) == {"The Courier"}           # 3 documents < min_docs
    assert found.params["docs_per_source"] == {"The Courier": 10, "The Herald": 3}
    out = remove_boilerplate(docs, found, source_column="outlet")
    assert out.docs["text"].iloc[10] == docs["text"].iloc[10]
    assert out.summary.set_index("source").loc["The Herald", "lines_removed"] == 0


def test_patterns_learnt_on_a_sample_apply_to_new_documents_and_existing_fields_win():
    found = find_boilerplate(_corpus(10), source_column="outlet")
    fresh = _corpus(12).iloc[10:].assign(date="2000-01-01")
    out = remove_boilerplate(fresh, found, source_column="outlet")
    assert out.docs["date"].eq("2000-01-01").all()
    assert not out.docs["text"].str.contains("LOAD-DATE|Copyright|LENGTH").any()


def test_generated_export_keeps_every_body_word_and_leaves_no_furniture(tmp_path):
    demo = make_news_exports(tmp_path, n_articles=100)
    truth = demo.truth.set_index("doc_id")
    docs = pd.DataFrame([{"doc_id": p.stem, "text": p.read_text(encoding="utf-8")}
                         for p in sorted(demo.articles.glob("*.txt"))]).merge(
        truth[["outlet"]], left_on="doc_id", right_index=True)
    out = remove_boilerplate(docs, source_column="outlet")
    kept = total = extra = 0
    for doc_id, text in zip(out.docs["doc_id"], out.docs["text"]):
        body, clean = _body_words(truth.loc[doc_id, "body"]), _body_words(text)
        kept += sum((body & clean).values())
        total += sum(body.values())
        extra += sum((clean - body - _body_words(truth.loc[doc_id, "title"])).values())
    assert kept == total and extra == 0
    got = out.docs.set_index("doc_id").reindex(truth.index)
    assert (got["date"] == truth["date"]).all()
    assert (got["byline"].fillna("") == truth["byline"].fillna("")).all()
    assert len(out.summary) == 5 and (out.summary["n_patterns"] >= 8).all()


def test_profiles_are_chosen_with_reasons(tmp_path):
    news = detect_profile(_corpus(10))
    assert news.profile == "news_export" and str(news) == "news_export" and news.reasons
    web = pd.DataFrame({"text": [f"Home\nMenu\nSubscribe now\n{s}\nShare this article\nAdvertisement\n"
                                 "We use cookies to improve your experience." for s in SENTENCES]})
    assert detect_profile(web).profile == "web"
    plain = detect_profile(pd.DataFrame({"text": SENTENCES}))
    assert plain.profile == "plain" and "plain" in plain.reasons[0]


def test_bad_arguments_name_the_parameter():
    with pytest.raises(ConfigError, match="source_column='paper'"):
        find_boilerplate(_corpus(), source_column="paper")
    with pytest.raises(ConfigError, match="min_docs=1"):
        find_boilerplate(_corpus(), source_column="outlet", min_docs=1)
    with pytest.raises(ConfigError, match="min_share=0"):
        find_boilerplate(_corpus(), source_column="outlet", min_share=0)
    with pytest.raises(ConfigError, match="'text' column"):
        remove_boilerplate(pd.DataFrame({"body": ["x"]}), source_column=None)


def test_lower_cased_exports_without_full_stops_are_cleaned_the_same_way(tmp_path):
    demo = make_news_exports(tmp_path, n_articles=60)
    truth = demo.truth.set_index("doc_id")

    def low(text):
        return text.lower().replace(".", "")

    docs = pd.DataFrame([{"doc_id": p.stem, "text": low(p.read_text(encoding="utf-8"))}
                         for p in sorted(demo.articles.glob("*.txt"))]).merge(
        truth[["outlet"]], left_on="doc_id", right_index=True)
    out = remove_boilerplate(docs, source_column="outlet")
    for doc_id, text in zip(out.docs["doc_id"], out.docs["text"]):
        body, clean = _body_words(low(truth.loc[doc_id, "body"])), _body_words(text)
        assert body <= clean, doc_id
        assert not clean - body - _body_words(low(truth.loc[doc_id, "title"])), doc_id
    got = out.docs.set_index("doc_id").reindex(truth.index)
    assert (got["date"] == truth["date"]).all()


def test_a_long_factiva_headline_does_not_hide_the_header_fields():
    # "HD <13-word headline>" is sentence-long: the code lines after it are still the header block
    texts = ["\n".join([f"HD The Bank of England called for a review of the housing market number {i}",
                        "BY By Jack Doyle", f"WC {150 + i} words", f"PD {i + 1} February 2014",
                        "SN The Daily Telegraph",
                        "LA English", "CY (c) 2014 Telegraph Media Group Limited. All rights reserved.", "LP",
                        SENTENCES[i % len(SENTENCES)], "TD", SENTENCES[(i + 1) % len(SENTENCES)]]) for i in range(8)]
    out = remove_boilerplate(pd.DataFrame({"text": texts}), source_column=None)
    for i, text in enumerate(out.docs["text"]):
        assert "Telegraph" not in text and "words" not in text
        assert SENTENCES[i % len(SENTENCES)] in text and SENTENCES[(i + 1) % len(SENTENCES)] in text
    assert out.docs["date"].tolist() == [f"2014-02-{i + 1:02d}" for i in range(8)]


def test_a_drop_cap_first_paragraph_is_not_taken_for_a_factiva_code():
    lead = "AN extraordinary row erupted last night over the council's plan to close the library for good."
    texts = [f"AN Document DJ{i:010d}\n\n{lead if i == 0 else SENTENCES[i]}\n\n{SENTENCES[(i + 1) % 12]}\n\n"
             f"AN Document XX{i:010d}" for i in range(8)]
    out = remove_boilerplate(pd.DataFrame({"text": texts}), source_column=None)
    assert lead in out.docs["text"].iloc[0] and "Document" not in out.docs["text"].iloc[0]
