"""Human validation: items drawn as documented, simulated coders scored as expected, alpha as krippendorff."""

from __future__ import annotations

import functools
import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from textlab.analysis.frames import load_codebook, score_frames
from textlab.analysis.topics.labels import top_terms
from textlab.analysis.topics.lda import fit_lda
from textlab.preprocessing.tokens import TokenizedCorpus
from textlab.validation import make_validation, score_validation, write_validation, wilson_interval

HOSTILE = "</script><script>document.title='owned'</script> <b>bold</b> & \u2028"


@functools.lru_cache(maxsize=1)
def mini_result():
    """A study-like result: 4 planted topics over readable words, 300 passages, a 3-frame codebook."""
    rng = np.random.default_rng(1)
    words = [[f"t{k}w{i}" for i in range(12)] for k in range(4)]
    docs = []
    for d in range(300):
        theta = rng.dirichlet(np.full(4, 0.2))
        docs.append([words[k][rng.integers(12)] for k in rng.choice(4, size=40, p=theta)])
    ids = [f"p{d:03d}" for d in range(300)]
    texts = [" ".join(doc) for doc in docs]
    texts[0] = HOSTILE + " " + texts[0]
    passages = pd.DataFrame({"passage_id": ids, "doc_id": ids, "text": texts})
    corpus = TokenizedCorpus(passages, docs)
    fit = fit_lda(corpus, n_topics=4, no_above=1.0, passes=100, restarts=1, progress=False)
    book = load_codebook({"alpha": ["t0w0", "t0w1"], "beta": ["t1w0", "t1w1"], "gamma": ["t2w0"]})
    frames = score_frames(corpus, book, group_column=None, n_boot=1, resampling_unit="passage", normalize=str.split)
    topics = pd.DataFrame({"passage_id": ids, "doc_id": ids, **{f"topic_{k + 1}": fit.doc_topic[:, k] for k in range(4)}})
    tables = {"topic_terms": top_terms(fit), "passage_topics": topics, "passages": passages,
              "frames_by_passage": frames.by_passage}
    return SimpleNamespace(tables=tables, fits=[fit], provenance={}, config=SimpleNamespace(source=None), source=None)


@pytest.fixture(scope="module")
def mini():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mini_result()


@pytest.fixture(scope="module")
def folder(tmp_path_factory, mini):
    validation = make_validation(mini, n_word=3, n_topic=40, n_frame=40, random_state=3)
    return write_validation(validation, tmp_path_factory.mktemp("v") / "validation"), validation


def _coders(key: pd.DataFrame, kind: str, n: int, seed: int, p_correct: float = 0.7) -> list[pd.DataFrame]:
    """Simulated coders: perfect (the key), random (uniform over options) or noisy (key with p_correct)."""
    rng = np.random.default_rng(seed)
    out = []
    for c in range(n):
        rows = []
        for item in key.itertuples():
            values = [v for v, _ in json.loads(item.options)]
            if item.task == "frame_coding":
                truth = set(item.answer.split(";")) - {"none"}
                guess = {v for v in values if rng.random() < 0.5}
                pick = truth if kind == "perfect" or (kind == "noisy" and rng.random() < p_correct) else guess
                answer = ";".join(sorted(pick)) or "none"
            else:
                right = kind == "perfect" or (kind == "noisy" and rng.random() < p_correct)
                answer = item.answer if right else str(rng.choice(values))
            rows.append({"coder": f"{kind}{c}", "item_id": item.item_id, "answer": answer})
        out.append(pd.DataFrame(rows))
    return out


def _write(tables, tmp_path, name):
    paths = []
    for i, table in enumerate(tables):
        path = tmp_path / f"{name}{i}.csv"
        table.to_csv(path, index=False)
        paths.append(path)
    return paths


def test_items_are_stratified_seeded_and_the_key_is_kept_apart(folder, mini):
    out, validation = folder
    key, items = validation.key, validation.items
    assert (key["task"] == "word_intrusion").sum() == 4 * 3 and set(key.loc[key["task"] == "word_intrusion", "topic"]) == {1, 2, 3, 4}
    topic_items = key[key["task"] == "topic_intrusion"]
    assert len(topic_items) == 40 and topic_items["topic"].value_counts().min() >= 5  # spread over dominant topics
    strata = key.loc[key["task"] == "frame_coding", "stratum"].value_counts()
    assert set(strata.index) == {"alpha", "beta", "gamma", "none"} and strata.max() - strata.min() <= 1
    fit = mini.fits[0]
    index = {w: i for i, w in enumerate(fit.vocabulary)}
    for row in key[key["task"] == "word_intrusion"].itertuples():  # intruder: improbable here, top of another topic
        column = fit.topic_term[:, index[row.answer]]
        assert column[row.topic - 1] <= np.median(fit.topic_term[row.topic - 1]) and column.max() > 0.03
    again = make_validation(mini, n_word=3, n_topic=40, n_frame=40, random_state=3)
    pd.testing.assert_frame_equal(again.key, key)
    assert "answer" not in items.columns
    coder_files = (out / "form.html").read_text(encoding="utf-8") + (out / "items.csv").read_text(encoding="utf-8")
    assert '"answer"' not in coder_files and "answer_key" not in coder_files
    assert set(p.name for p in out.iterdir()) >= {"form.html", "items.csv", "answer_key.csv", "validation.json"}
    assert "Word intrusion tests 4 of 4 topics" in validation.params["coverage"]["statement"]


def test_form_is_offline_and_corpus_text_cannot_break_out(folder):
    out, _ = folder
    page = (out / "form.html").read_text(encoding="utf-8")
    assert page.count("<script") == 2 and page.count("</script>") == 2
    assert "default-src 'none'" in page and not any(s in page for s in ("http://", "https://", "src="))
    assert "\\u003c/script\\u003e" in page and "<b>bold</b>" not in page


def test_perfect_random_and_noisy_coders(folder, tmp_path):
    out, validation = folder
    key = validation.key
    perfect = score_validation(out, _write(_coders(key, "perfect", 2, 0), tmp_path, "perfect"))
    assert (perfect.model["precision"] == 1).all() and (perfect.intrusion["precision"] == 1).all()
    frames = perfect.frames.set_index("frame")
    assert (frames[["precision", "recall"]] == 1).all().all()
    assert (perfect.agreement["alpha"] == 1).all()

    random = score_validation(out, _write(_coders(key, "random", 30, 1), tmp_path, "random")).model.set_index("task")
    for task, chance in (("word_intrusion", 1 / 6), ("topic_intrusion", 1 / 4)):
        assert random.loc[task, "chance"] == pytest.approx(chance)
        assert random.loc[task, "ci_low"] <= chance + 0.02 and abs(random.loc[task, "precision"] - chance) < 0.05
    noisy = score_validation(out, _write(_coders(key, "noisy", 10, 2), tmp_path, "noisy"))
    model = noisy.model.set_index("task")
    for task in ("word_intrusion", "topic_intrusion"):
        expected = 0.7 + 0.3 * model.loc[task, "chance"]
        assert random.loc[task, "precision"] < model.loc[task, "precision"] < 1
        assert model.loc[task, "ci_low"] <= expected <= model.loc[task, "ci_high"]
    assert 0 < noisy.agreement.set_index("task").loc["word_intrusion", "alpha"] < 1


def test_alpha_is_krippendorffs_on_the_same_data(folder, tmp_path):
    import krippendorff

    out, validation = folder
    key = validation.key
    coders = _coders(key, "noisy", 4, 5, p_correct=0.6)
    coders[1] = coders[1].iloc[::2]  # a coder who skipped half the items
    score = score_validation(out, _write(coders, tmp_path, "c"))
    answers = pd.concat(coders)
    names = sorted(answers["coder"].unique())
    for task in ("word_intrusion", "topic_intrusion"):
        items = key[key["task"] == task]
        data = np.full((len(names), len(items)), np.nan)
        for j, item in enumerate(items.itertuples()):
            values = [v for v, _ in json.loads(item.options)]
            for row in answers[answers["item_id"] == item.item_id].itertuples():
                data[names.index(row.coder), j] = values.index(row.answer)
        expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
        assert score.agreement.set_index("task").loc[task, "alpha"] == pytest.approx(expected, abs=1e-12)
    items = key[key["task"] == "frame_coding"]
    frames = [v for v, _ in json.loads(items["options"].iloc[0])]
    data = np.full((len(names), len(items) * len(frames)), np.nan)
    for j, item in enumerate(items.itertuples()):
        for row in answers[answers["item_id"] == item.item_id].itertuples():
            for f, frame in enumerate(frames):
                data[names.index(row.coder), j * len(frames) + f] = float(frame in row.answer.split(";"))
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert score.agreement.set_index("task").loc["frame_coding", "alpha"] == pytest.approx(expected, abs=1e-12)


def test_frame_precision_and_recall_against_the_dictionary(folder, tmp_path):
    out, validation = folder
    key = validation.key
    items = key[key["task"] == "frame_coding"]
    rows = []
    for item in items.itertuples():  # coders see alpha wherever the dictionary does, and beta nowhere
        dictionary = set(item.answer.split(";")) - {"none"}
        rows.append({"coder": "x", "item_id": item.item_id, "answer": ";".join(sorted(dictionary - {"beta"})) or "none"})
    score = score_validation(out, _write([pd.DataFrame(rows)], tmp_path, "f"))
    frames = score.frames.set_index("frame")
    assert frames.loc["alpha", "precision"] == 1 and frames.loc["alpha", "recall"] == 1
    assert frames.loc["beta", "precision"] == 0 and np.isnan(frames.loc["beta", "recall"])
    n_beta = sum("beta" in a.split(";") for a in items["answer"])
    assert frames.loc["beta", "n_dictionary_positive"] == n_beta > 0


def test_answers_by_label_unknown_items_and_duplicates(folder, tmp_path):
    from textlab._errors import ConfigError

    out, validation = folder
    item = validation.key[validation.key["task"] == "topic_intrusion"].iloc[0]
    label = dict(json.loads(item["options"]))[item["answer"]]
    path = tmp_path / "label.csv"
    pd.DataFrame({"item_id": [item["item_id"]], "answer": [label]}).to_csv(path, index=False)
    score = score_validation(out, [path])
    assert score.answers["correct"].tolist() == [1.0] and score.answers["coder"].tolist() == ["label"]
    pd.DataFrame({"item_id": ["Z999"], "answer": ["x"]}).to_csv(path, index=False)
    with pytest.raises(ConfigError, match="not in the answer key"):
        score_validation(out, [path])
    pd.DataFrame({"coder": ["a", "a"], "item_id": ["W001", "W001"], "answer": ["x", "y"]}).to_csv(path, index=False)
    with pytest.raises(ConfigError, match="more than once"):
        score_validation(out, [path])


def test_wilson_interval_matches_statsmodels():
    from statsmodels.stats.proportion import proportion_confint

    for k, n in ((0, 5), (3, 10), (10, 10), (47, 200)):
        np.testing.assert_allclose(wilson_interval(k, n), proportion_confint(k, n, method="wilson"), atol=1e-12)


def test_cli_score_and_the_report_section(folder, tmp_path, capsys):
    from textlab.cli import main
    from textlab.validation.report import section_validation

    out, validation = folder
    paths = _write(_coders(validation.key, "noisy", 2, 4), tmp_path, "cli")
    results = tmp_path / "results"
    results.mkdir()
    assert section_validation(SimpleNamespace(source=results)) == ""
    assert main(["validate", "score", str(out), *map(str, paths), "--out", str(results / "validation")]) == 0
    printed = capsys.readouterr().out
    assert "word_intrusion" in printed and "2 coder(s) answered" in printed
    section = section_validation(SimpleNamespace(source=results))
    model = pd.read_csv(results / "validation" / "validation_model.csv")
    assert "<h3>Human validation</h3>" in section and f"{model['precision'].iloc[0]:.3f}" in section
    assert main(["validate", "score", str(out)]) == 2  # no answer files: one-line error
