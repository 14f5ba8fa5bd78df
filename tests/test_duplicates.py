"""Near-duplicates with MinHash LSH: planted copies found, distinct articles on one topic kept apart."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from textlab._errors import ConfigError
from textlab.preprocessing.duplicates import find_duplicates, resolve_duplicates, shingles
from textlab.preprocessing.exports.demo import DEMO_OUTLETS, _article, make_news_exports


def _distinct(n: int, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    arts = []
    while len(arts) < n:
        art = _article(rng, len(arts), DEMO_OUTLETS[len(arts) % 5], pd.Timestamp("2014-03-01").date())
        if art["topic"] == "floods":   # one topic: the hard case for false merges
            arts.append(art)
    return arts


def _planted() -> tuple[pd.DataFrame, dict[str, str]]:
    rng = random.Random(7)
    arts = _distinct(40)
    texts = ["\n\n".join(a["paras"]) for a in arts]
    ids = [f"a{i:02d}" for i in range(len(texts))]
    dates = [f"2014-03-{i % 27 + 2:02d}" for i in range(len(texts))]
    copies = {}
    # exact copy
    texts.append(texts[0]); ids.append("exact"); dates.append("2014-04-01"); copies["exact"] = "a00"
    # lightly edited: one paragraph dropped, three words changed
    paras = arts[1]["paras"][:]
    paras.pop(3)
    words = paras[0].split()
    for pos in (2, 5, 9):
        words[pos] = "reportedly"
    paras[0] = " ".join(words)
    texts.append("\n\n".join(paras)); ids.append("edited"); dates.append("2014-04-01"); copies["edited"] = "a01"
    # paragraphs reordered
    paras = arts[2]["paras"][:]
    rng.shuffle(paras)
    texts.append("\n\n".join(paras)); ids.append("reordered"); dates.append("2014-04-01"); copies["reordered"] = "a02"
    # embedded in a longer article (the wire story plus the outlet's own paragraphs)
    texts.append("\n\n".join(arts[30]["paras"][:4] + arts[3]["paras"] + arts[31]["paras"][:4]))
    ids.append("embedded"); dates.append("2014-04-01"); copies["embedded"] = "a03"
    # a copy printed *before* the article it copies: the earlier one is first seen
    texts.append(texts[4]); ids.append("early"); dates.append("2014-02-01"); copies["early"] = "a04"
    docs = pd.DataFrame({"doc_id": ids, "text": texts, "date": dates,
                         "outlet": [f"outlet {i % 5}" for i in range(len(ids))]})
    return docs, copies


def test_planted_copies_are_found_and_distinct_articles_on_one_topic_are_not_merged():
    docs, copies = _planted()
    result = find_duplicates(docs, date_column="date")
    clusters = result.clusters
    cluster_of = dict(zip(clusters["doc_id"], clusters["cluster"]))
    for copy, original in copies.items():
        assert copy in cluster_of and cluster_of[copy] == cluster_of[original], copy
    assert set(clusters["doc_id"]) == set(copies) | set(copies.values())     # nothing else merged
    assert clusters.groupby("cluster").size().eq(2).all()
    assert result.params["n_clusters"] == 5 and result.params["n_duplicates"] == 5


def test_first_seen_follows_the_dates_and_similarity_is_exact():
    docs, _ = _planted()
    clusters = find_duplicates(docs, date_column="date").clusters.set_index("doc_id")
    assert clusters.loc["early", "first_seen"] and not clusters.loc["a04", "first_seen"]
    assert clusters.loc["a04", "original"] == "early"
    assert clusters.loc["a00", "first_seen"] and clusters.loc["exact", "original"] == "a00"
    text = dict(zip(docs["doc_id"], docs["text"]))
    for copy, original in (("edited", "a01"), ("embedded", "a03"), ("reordered", "a02")):
        a, b = shingles(text[copy]), shingles(text[original])
        assert clusters.loc[copy, "jaccard"] == pytest.approx(len(a & b) / len(a | b))
        assert clusters.loc[copy, "similarity"] == pytest.approx(len(a & b) / min(len(a), len(b)))
    assert clusters.loc["reordered", "jaccard"] == 1.0             # shingles never cross paragraphs
    assert clusters.loc["embedded", "jaccard"] < 0.8 <= clusters.loc["embedded", "similarity"]


def test_without_dates_input_order_decides_and_clusters_are_reproducible():
    docs, _ = _planted()
    one = find_duplicates(docs.drop(columns="date"), random_state=3)
    two = find_duplicates(docs.drop(columns="date"), random_state=3)
    pd.testing.assert_frame_equal(one.clusters, two.clusters)
    assert "date" not in one.clusters.columns
    assert one.clusters.set_index("doc_id").loc["a04", "first_seen"]


def test_a_higher_threshold_drops_the_looser_copies():
    docs, copies = _planted()
    strict = find_duplicates(docs, threshold=0.99)
    found = set(strict.clusters["doc_id"])
    assert {"exact", "reordered", "early", "embedded"} <= found and "edited" not in found


def test_resolve_keep_collapse_weight():
    docs, copies = _planted()
    result = find_duplicates(docs, date_column="date")
    before = docs.copy()
    kept = resolve_duplicates(docs, result, policy="keep")
    assert len(kept) == len(docs) and kept.set_index("doc_id").loc["exact", "duplicate_original"] == "a00"
    assert kept["duplicate_cluster"].notna().sum() == 10
    collapsed = resolve_duplicates(docs, result, policy="collapse")
    assert len(collapsed) == len(docs) - 5
    assert not set(collapsed["doc_id"]) & {"exact", "edited", "reordered", "embedded", "a04"}
    assert collapsed.set_index("doc_id").loc["a00", "n_copies"] == 2
    weighted = resolve_duplicates(docs, result.clusters, policy="weight")
    assert weighted["weight"].sum() == pytest.approx(len(docs) - 5)
    assert weighted.set_index("doc_id").loc[["a00", "exact", "a10"], "weight"].tolist() == [0.5, 0.5, 1.0]
    pd.testing.assert_frame_equal(docs, before)


def test_passages_are_deduplicated_by_passage_id():
    docs, _ = _planted()
    passages = docs.rename(columns={"doc_id": "passage_id"}).assign(doc_id=lambda d: d["passage_id"].str[:1])
    result = find_duplicates(passages, unit="passage")
    assert "exact" in set(result.clusters["doc_id"]) and result.params["unit"] == "passage"
    assert len(resolve_duplicates(passages, result, policy="collapse", unit="passage")) == len(passages) - 5


def test_generated_export_duplicates_found_as_planted(tmp_path):
    demo = make_news_exports(tmp_path, n_articles=120)
    truth = demo.truth
    result = find_duplicates(truth.rename(columns={"body": "text"}), date_column="date")
    cluster_of = dict(zip(result.clusters["doc_id"], result.clusters["cluster"]))
    planted = truth.dropna(subset=["duplicate_of"])
    assert all(cluster_of.get(c) is not None and cluster_of.get(c) == cluster_of.get(o)
               for c, o in zip(planted["doc_id"], planted["duplicate_of"]))
    assert result.params["n_duplicates"] == len(planted)


def test_bad_arguments_name_the_parameter():
    docs, _ = _planted()
    with pytest.raises(ConfigError, match="threshold=0"):
        find_duplicates(docs, threshold=0)
    with pytest.raises(ConfigError, match="unit='sentence'"):
        find_duplicates(docs, unit="sentence")
    with pytest.raises(ConfigError, match="date_column='published'"):
        find_duplicates(docs, date_column="published")
    with pytest.raises(ConfigError, match="policy='drop'"):
        resolve_duplicates(docs, find_duplicates(docs), policy="drop")
    with pytest.raises(ConfigError, match="unique"):
        find_duplicates(pd.concat([docs, docs]))


# --- the study: [duplicates] keep | collapse | weight and the effect on headline numbers --------
def _study(tmp_path, action: str, n_articles: int = 100, store: str = "memory"):
    from textlab.study.config import load_study_config

    demo = make_news_exports(tmp_path / "demo", n_articles=n_articles)
    study = tmp_path / f"study_{action}.toml"
    study.write_text(f"""
[corpus]
path = "{(demo.exports).as_posix()}"
format = "auto"
[groups]
column = "outlet"
contrast = ["The Guardian (London)", "Daily Mail"]
[duplicates]
threshold = 0.8
action = "{action}"
[frames]
codebook = "default"
[uncertainty]
n_boot = 20
n_perm = 50
[compute]
n_jobs = 1
store = "{store}"
cache_dir = "{(tmp_path / 'cache').as_posix()}"
""")
    return demo, load_study_config(study)


def _run(config):
    from textlab.study.run import run_study
    from textlab.study.steps import get_step

    steps = [get_step(n) for n in ("corpus", "duplicates", "keyness", "frames", "duplicates_effect")]
    with pytest.warns(Warning):  # small-sample and permutation warnings of the tiny study
        return run_study(config, steps=steps)


@pytest.mark.parametrize("store", ["memory", "disk"])
def test_study_collapse_finds_planted_copies_and_analyses_read_the_collapsed_corpus(tmp_path, store):
    demo, config = _study(tmp_path, "collapse", store=store)
    result = _run(config)
    truth = demo.truth
    planted = dict(zip(truth.loc[truth["duplicate_of"].notna(), "doc_id"],
                       truth.loc[truth["duplicate_of"].notna(), "duplicate_of"]))
    clusters = result.tables["duplicate_clusters"]
    found = dict(zip(clusters["doc_id"], clusters["original"]))
    assert planted and all(found.get(copy) == original for copy, original in planted.items())
    dropped = set(clusters.loc[~clusters["first_seen"], "doc_id"])
    assert dropped == set(planted)  # nothing else merged
    passages = result.tables["passages"]
    assert not set(passages["doc_id"]) & dropped
    assert set(result.tables["documents"]["doc_id"]).isdisjoint(dropped)
    effect = result.tables["duplicates_effect"]
    keys = effect[effect["analysis"] == "key_terms"]
    assert set(keys["group"]) == {"The Guardian (London)", "Daily Mail"}
    # after collapsing, the study's own keyness equals the de-duplicated column of the effect table
    keyness = result.tables["keyness"]
    own = keyness[(keyness["group"] == "Daily Mail") & (keyness["reference"] == "The Guardian (London)")]
    own = own.set_index("term")["z"]
    dm = keys[keys["group"] == "Daily Mail"].set_index("item")
    assert dm["deduplicated"].to_numpy() == pytest.approx(own.reindex(dm.index).to_numpy())
    assert result.results["duplicates"].params["n_copies_dropped"] == len(planted)


def test_study_keep_and_weight_report_the_change_without_changing_the_corpus(tmp_path):
    from textlab.study.duplicates import section_duplicates

    demo, config = _study(tmp_path, "weight")
    result = _run(config)
    assert len(result.tables["documents"]) == len(demo.truth)  # every copy still counted
    effect = result.tables["duplicates_effect"]
    frames = effect[effect["analysis"] == "frames"]
    assert len(frames) and frames["deduplicated"].notna().all()
    keys = effect[effect["analysis"] == "key_terms"]
    keyness = result.tables["keyness"]
    own = keyness[(keyness["group"] == "Daily Mail") & (keyness["reference"] == "The Guardian (London)")]
    own = own.set_index("term")["z"]
    dm = keys[keys["group"] == "Daily Mail"].set_index("item")
    assert dm["all_copies"].to_numpy() == pytest.approx(own.reindex(dm.index).to_numpy())  # keep: main = all copies
    html = section_duplicates(result)
    assert "<h3>Duplicates</h3>" in html and "weight" in html and "top key terms shared" in html


def test_study_duplicates_options_are_checked(tmp_path):
    from textlab.study.config import load_study_config

    study = tmp_path / "s.toml"
    (tmp_path / "x.csv").write_text("doc_id,text,g\na,one,x\n")
    study.write_text('[corpus]\npath = "x.csv"\n[groups]\ncolumn = "g"\n[duplicates]\nthreshold = "high"\n')
    with pytest.raises(ConfigError, match="threshold"):
        load_study_config(study)
    _, config = _study(tmp_path, "drop", n_articles=40)
    from textlab.study.run import run_study
    from textlab.study.steps import get_step

    with pytest.raises(ConfigError, match="action"):
        run_study(config, steps=[get_step("corpus"), get_step("duplicates")])
