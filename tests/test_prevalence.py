"""Tests of textlab.analysis.prevalence against hand calculations and simulations."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon

from textlab._errors import ConfigError, EstimationError, SmallSampleWarning
from textlab.analysis.prevalence import estimate_prevalence, jensen_shannon_divergence
from textlab.analysis.topics.lda import LdaFit


def make_fit(alpha: np.ndarray, passage_ids, *, seed: int = 0) -> LdaFit:
    alpha = np.asarray(alpha, dtype=float)
    k = alpha.shape[1]
    return LdaFit(
        topic_term=np.full((k, 3), 1 / 3),
        doc_topic=alpha / alpha.sum(axis=1, keepdims=True),
        doc_topic_dirichlet=alpha,
        vocabulary=np.array(["a", "b", "c"]),
        passage_ids=np.asarray(passage_ids, dtype=object),
        convergence=pd.DataFrame(),
        params={"random_state": seed},
    )


def make_passages(doc_groups: dict[str, str], per_doc: int, *, n_words=None) -> pd.DataFrame:
    rows = [(f"{d}:{j:03d}", d, g) for d, g in doc_groups.items() for j in range(per_doc)]
    table = pd.DataFrame(rows, columns=["passage_id", "doc_id", "narrative"])
    table["n_words"] = 40 if n_words is None else n_words
    return table


def quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        return func(*args, **kwargs)


@pytest.fixture
def study():
    """Three huawei-led documents, one aws-led, one mixed; three seed runs."""
    passages = make_passages({"000": "huawei-led", "001": "aws-led", "002": "mixed",
                              "003": "huawei-led", "004": "huawei-led"}, per_doc=6)
    rng = np.random.default_rng(7)
    fits = [make_fit(rng.gamma(2.0, size=(len(passages), 4)) * 5 + 0.2, passages["passage_id"], seed=s)
            for s in range(3)]
    return fits, passages


def test_point_estimate_is_mean_over_runs_of_plain_group_means(study):
    fits, passages = study
    result = quiet(estimate_prevalence, fits, passages, group_column="narrative", n_draws=4, n_boot=4)
    expected = np.mean([
        pd.DataFrame(f.doc_topic, columns=range(1, 5)).groupby(passages["narrative"].to_numpy()).mean().to_numpy()
        for f in fits
    ], axis=0)  # groups in sorted order: aws-led, huawei-led, mixed
    got = result.by_group.pivot(index="group", columns="topic", values="mean").to_numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert list(result.by_group.columns) == ["topic", "group", "mean", "ci_low", "ci_high",
                                             "n_passages", "n_docs", "resampling_unit"]
    assert sorted(result.by_group["topic"].unique()) == [1, 2, 3, 4]
    huawei = result.by_group[result.by_group["group"] == "huawei-led"].iloc[0]
    assert (huawei["n_passages"], huawei["n_docs"]) == (18, 3)
    assert (result.by_group["ci_low"] <= result.by_group["ci_high"]).all()


def test_weight_by_length_uses_word_weighted_means():
    passages = make_passages({"a": "x", "b": "x", "c": "y", "d": "y"}, per_doc=2, n_words=[10, 30, 5, 5, 50, 10, 20, 20])
    rng = np.random.default_rng(3)
    fit = make_fit(rng.gamma(2.0, size=(8, 3)) + 0.5, passages["passage_id"])
    result = estimate_prevalence([fit], passages, group_column="narrative", n_draws=2, n_boot=2, weight_by_length=True)
    x = passages["narrative"].to_numpy() == "x"
    expected = np.average(fit.doc_topic[x], axis=0, weights=passages["n_words"][x])
    got = result.by_group.query("group == 'x'").sort_values("topic")["mean"].to_numpy()
    np.testing.assert_allclose(got, expected)


def test_posterior_component_matches_analytic_dirichlet_variance():
    alpha = np.array([[2.0, 1.0, 0.5], [0.3, 0.3, 4.0], [5.0, 5.0, 5.0], [1.0, 8.0, 1.0], [0.5, 0.5, 0.5]])
    passages = make_passages({"a": "g", "b": "g", "c": "g", "d": "g", "e": "g"}, per_doc=1)
    fit = make_fit(alpha, passages["passage_id"])
    result = estimate_prevalence([fit], passages, group_column="narrative", n_draws=3000, n_boot=1)
    a0 = alpha.sum(axis=1, keepdims=True)
    var = alpha * (a0 - alpha) / (a0 ** 2 * (a0 + 1))  # Dirichlet marginal variance
    analytic_sd = np.sqrt(var.sum(axis=0)) / len(alpha)  # sd of the mean of independent passages
    comp = result.variance_components
    got = comp[comp["source"] == "posterior"].sort_values("topic")["sd"].to_numpy()
    np.testing.assert_allclose(got, analytic_sd, rtol=0.06)
    seeds = comp[comp["source"] == "seeds"]["sd"].to_numpy()
    assert np.all(seeds == 0)  # one run: no seed component


def test_seed_component_is_spread_of_group_means_across_runs(study):
    fits, passages = study
    result = quiet(estimate_prevalence, fits, passages, group_column="narrative", n_draws=6, n_boot=6)
    huawei = (passages["narrative"] == "huawei-led").to_numpy()
    means = np.array([f.doc_topic[huawei].mean(axis=0) for f in fits])
    comp = result.variance_components.query("source == 'seeds' and group == 'huawei-led'").sort_values("topic")
    np.testing.assert_allclose(comp["sd"].to_numpy(), means.std(axis=0, ddof=1))
    assert set(result.variance_components["source"]) == {"posterior", "resampling", "seeds", "total"}


def test_composed_interval_covers_population_mean_at_nominal_rate():
    """Simulate documents -> passages -> word counts; the 95% interval must cover the true mean ~95%."""
    mu = np.array([0.5, 0.3, 0.2])
    n_docs, per_doc, n_sims = 25, 4, 200
    passages = make_passages({f"d{i:02d}": "g" for i in range(n_docs)}, per_doc=per_doc)
    rng = np.random.default_rng(2024)
    hits = 0
    for sim in range(n_sims):
        doc_mix = rng.dirichlet(20 * mu, size=n_docs)
        gamma = rng.standard_gamma(30 * np.repeat(doc_mix, per_doc, axis=0))
        theta = gamma / gamma.sum(axis=1, keepdims=True)  # passage proportions around their document's
        counts = rng.multinomial(60, theta)  # 60 words per passage
        fit = make_fit(0.1 + counts, passages["passage_id"])
        result = estimate_prevalence([fit], passages, group_column="narrative", n_draws=10, n_boot=200,
                                     random_state=sim)
        row = result.by_group.query("topic == 1").iloc[0]
        hits += row["ci_low"] <= mu[0] <= row["ci_high"]
    coverage = hits / n_sims
    print(f"coverage={coverage:.3f}")
    assert 0.88 <= coverage <= 0.99, coverage


def test_document_resampling_is_wider_than_passage_resampling_for_clustered_documents():
    passages = make_passages({f"d{i}": "g" for i in range(8)}, per_doc=10)
    rng = np.random.default_rng(5)
    doc_level = np.repeat(rng.dirichlet([1.0, 1.0], size=8), 10, axis=0)  # passages copy their document
    fit = make_fit(doc_level * 1e6, passages["passage_id"])
    by_doc = estimate_prevalence([fit], passages, group_column="narrative", n_draws=10, n_boot=400)
    with pytest.warns(SmallSampleWarning, match="treats passages as independent"):
        by_passage = estimate_prevalence([fit], passages, group_column="narrative", n_draws=10, n_boot=400,
                                         resampling_unit="passage")
    width = lambda r: (r.by_group["ci_high"] - r.by_group["ci_low"]).iloc[0]  # noqa: E731
    assert width(by_doc) > 2 * width(by_passage)
    assert by_passage.by_group["resampling_unit"].eq("passage").all()


def test_single_document_group_falls_back_to_passages_with_warning_and_column(study):
    fits, passages = study
    with pytest.warns(SmallSampleWarning, match="'aws-led' has 1 document"):
        result = estimate_prevalence(fits, passages, group_column="narrative",
                                     contrast=("huawei-led", "aws-led"), n_draws=4, n_boot=4)
    units = result.by_group.groupby("group")["resampling_unit"].unique().map(list).to_dict()
    assert units == {"aws-led": ["passage"], "huawei-led": ["document"], "mixed": ["passage"]}
    assert result.difference["resampling_unit"].eq("passage").all()
    assert result.params["resampling_unit_by_group"]["huawei-led"] == "document"


def test_difference_and_divergence(study):
    fits, passages = study
    result = quiet(estimate_prevalence, fits, passages, group_column="narrative",
                   contrast=("huawei-led", "aws-led"), n_draws=10, n_boot=50)
    by = result.by_group.pivot(index="group", columns="topic", values="mean")
    diff = result.difference.sort_values("topic")
    assert list(diff.columns) == ["topic", "group_a", "group_b", "difference", "ci_low", "ci_high", "resampling_unit"]
    np.testing.assert_allclose(diff["difference"], by.loc["huawei-led"] - by.loc["aws-led"])
    div = result.divergence.iloc[0]
    expected = jensenshannon(by.loc["huawei-led"].to_numpy(), by.loc["aws-led"].to_numpy(), base=2) ** 2
    assert (div["group_a"], div["group_b"]) == ("huawei-led", "aws-led")
    assert div["jsd"] == pytest.approx(expected, rel=1e-9)
    assert 0 <= div["ci_low"] <= div["ci_high"] <= 1
    every_pair = quiet(estimate_prevalence, fits, passages, group_column="narrative", n_draws=4, n_boot=4)
    assert len(every_pair.divergence) == 3  # all pairs of three groups


def test_jensen_shannon_divergence_is_scipy_distance_squared():
    rng = np.random.default_rng(11)
    p, q = rng.dirichlet(np.ones(6), size=2)
    assert float(jensen_shannon_divergence(p, q)) == pytest.approx(jensenshannon(p, q, base=2) ** 2)
    assert float(jensen_shannon_divergence(np.array([1.0, 0, 0]), np.array([0, 0.5, 0.5]))) == pytest.approx(1.0)


def test_same_random_state_gives_identical_tables(study):
    fits, passages = study
    run = lambda rs: quiet(estimate_prevalence, fits, passages, group_column="narrative",  # noqa: E731
                           n_draws=8, n_boot=16, random_state=rs)
    first, second, other = run(3), run(3), run(4)
    for name in ("by_group", "difference", "divergence", "variance_components"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))
    assert not first.by_group["ci_low"].equals(other.by_group["ci_low"])


def test_passages_are_matched_by_id_not_row_order(study):
    fits, passages = study
    shuffled = passages.sample(frac=1.0, random_state=1)
    a = quiet(estimate_prevalence, fits, passages, group_column="narrative", n_draws=4, n_boot=4)
    b = quiet(estimate_prevalence, fits, shuffled, group_column="narrative", n_draws=4, n_boot=4)
    pd.testing.assert_series_equal(a.by_group["mean"], b.by_group["mean"])


def test_refusals(study):
    fits, passages = study
    with pytest.raises(ConfigError, match=r"'aws-led', 'huawei-led', 'mixed'"):
        quiet(estimate_prevalence, fits, passages, group_column="narrative", contrast=("huawei-led", "google-led"))
    with pytest.raises(ConfigError, match="group_column"):
        estimate_prevalence(fits, passages, group_column="outlet")
    empty = passages.assign(narrative=pd.Categorical(passages["narrative"],
                                                     categories=["aws-led", "huawei-led", "mixed", "other"]))
    with pytest.raises(EstimationError, match="other"):
        estimate_prevalence(fits, empty, group_column="narrative")
    other_k = make_fit(np.ones((len(passages), 5)), passages["passage_id"])
    with pytest.raises(ValueError, match="same number of topics"):
        estimate_prevalence([fits[0], other_k], passages, group_column="narrative")
    reordered = make_fit(fits[1].doc_topic_dirichlet, passages["passage_id"][::-1])
    with pytest.raises(ValueError, match="passage order"):
        estimate_prevalence([fits[0], reordered], passages, group_column="narrative")
    with pytest.raises(ConfigError, match="resampling_unit"):
        estimate_prevalence(fits, passages, group_column="narrative", resampling_unit="word")
    with pytest.raises(ConfigError, match="not in passages"):
        estimate_prevalence(fits, passages.iloc[1:], group_column="narrative")


def test_few_documents_are_flagged_with_the_number_of_distinct_resamples(study):
    fits, passages = study
    with pytest.warns(SmallSampleWarning, match="'huawei-led' has only 3 documents.* 10 distinct resamples"):
        estimate_prevalence(fits, passages, group_column="narrative", n_draws=2, n_boot=2)


def test_reference_rest_pools_the_other_groups_by_passage(study):
    fits, passages = study
    result = quiet(estimate_prevalence, fits, passages, group_column="narrative", n_draws=10, n_boot=40,
                   reference="rest")  # fmt: skip
    assert set(zip(result.difference.group_a, result.difference.group_b)) == {
        ("aws-led", "rest"), ("huawei-led", "rest"), ("mixed", "rest")}  # fmt: skip
    labels = passages["narrative"].to_numpy()
    expected = np.mean([f.doc_topic[labels == "mixed"].mean(0) - f.doc_topic[labels != "mixed"].mean(0)
                        for f in fits], axis=0)  # fmt: skip
    got = result.difference[result.difference.group_a == "mixed"].sort_values("topic")["difference"]
    assert np.allclose(got, expected, rtol=1e-12)
    assert (result.difference.ci_low <= result.difference.ci_high).all()
    assert list(result.divergence.group_b) == ["rest"] * 3
    assert result.params["contrast"] == {"groups": None, "reference": "rest", "pairs": None}


def test_result_carries_its_settings_and_rebuilds(study):
    from textlab.data import Result
    from textlab.stats import Contrast

    fits, passages = study
    result = quiet(estimate_prevalence, fits, passages, group_column="narrative", n_draws=4, n_boot=8,
                   ci_level=0.8, contrast=Contrast(pairs=[("mixed", "aws-led")]))  # fmt: skip
    assert isinstance(result, Result) and result.params["comparisons"] == [["mixed", "aws-led"]]
    assert result.params["resampling_fallbacks"] == {"aws-led": "1 document(s): passages resampled instead",
                                                     "mixed": "1 document(s): passages resampled instead"}
    assert result.params["ci_level"] == 0.8
    again = type(result).from_tables(result.tables(), result.params)
    pd.testing.assert_frame_equal(again.difference, result.difference)
