"""estimate_effect: estimates against independent regressions, planted effects, time, many groups, refusals."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.special import expit

from textlab._errors import ConfigError, EstimationError, SmallSampleWarning
from textlab.analysis.effects import EffectResult, estimate_effect, outcome_draws, parse_dates
from textlab.analysis.frames import FrameResult

_SPEC = importlib.util.spec_from_file_location("planted", Path(__file__).parent / "data" / "effects" / "planted.py")
planted_module = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(planted_module)
planted = planted_module.planted


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setenv("TEXTLAB_PROGRESS", "0")


def _design(rows: pd.DataFrame) -> np.ndarray:
    """Intercept, outlet dummies (o0 reference) and years since 2023-01-01, built by hand."""
    dates = pd.DatetimeIndex(pd.to_datetime(rows["date"]))
    years = dates.year + (dates.day_of_year - 1) / np.where(dates.is_leap_year, 366, 365) - 2023
    return np.column_stack([np.ones(len(rows)), rows["outlet"] == "o1", rows["outlet"] == "o2", years]).astype(float)


def test_ols_equals_statsmodels_on_the_same_draws():
    fit, rows, _ = planted(200, seed=1)
    result = estimate_effect(fit, rows, formula="~ outlet + date", link="ols", resampling="none", n_draws=4,
                             keep_replicates=True, over=False, random_state=7)
    x = _design(rows)
    coef = result.coefficients
    for k in (1, 2, 3):
        direct = sm.OLS(fit.doc_topic[:, k - 1], x).fit().params
        np.testing.assert_allclose(coef.loc[coef.outcome == k, "estimate"], direct, rtol=1e-8, atol=1e-10)
    draws = outcome_draws(fit, 4, random_state=7)
    reps = result.replicates
    for d in range(4):
        direct = sm.OLS(draws[d][:, 1], x).fit().params
        mine = reps[(reps.draw == d) & (reps.outcome == 2)]["estimate"].to_numpy()
        np.testing.assert_allclose(mine, direct, rtol=1e-8, atol=1e-10)
    assert result.params["n_replicates"] == 4 and result.params["link"] == "ols"


def test_logit_point_estimate_equals_statsmodels_quasibinomial_glm():
    fit, rows, _ = planted(300, seed=2)
    result = estimate_effect(fit, rows, formula="1 ~ outlet + date", n_draws=2, n_boot=4, over=False)
    glm = sm.GLM(fit.doc_topic[:, 0], _design(rows), family=sm.families.Binomial()).fit(scale="X2")
    np.testing.assert_allclose(result.coefficients["estimate"], glm.params, rtol=1e-6, atol=1e-8)
    assert result.params["outcomes"] == ["1"]


def test_planted_effects_are_recovered_and_marginal_means_match_truth():
    fit, rows, mu = planted(3000, seed=3)
    result = estimate_effect(fit, rows, formula="1 ~ outlet * date + z", n_draws=10, n_boot=60, over=False)
    coef = result.coefficients.set_index("term")
    for term, value in planted_module.TRUTH.items():
        assert abs(coef.loc[term, "estimate"] - value) < 3.5 * coef.loc[term, "std_error"] + 0.02, term
    assert coef.loc["date", "ci_low"] > 0 and coef.loc["outlet[T.o1]", "ci_low"] > 0
    assert coef.loc["z", "ci_low"] < 0 < coef.loc["z", "ci_high"]
    means = result.marginal_means.set_index("level")
    for level in ("o0", "o1", "o2"):  # standardised truth: mean over all rows of the true share with the level set
        rows_set = rows.assign(outlet=level)
        truth = _true_mean(rows_set)
        assert means.loc[level, "ci_low"] - 0.01 < truth < means.loc[level, "ci_high"] + 0.01


def _true_mean(rows: pd.DataFrame) -> float:
    dates = pd.DatetimeIndex(pd.to_datetime(rows["date"]))
    years = (dates.year + (dates.day_of_year - 1) / np.where(dates.is_leap_year, 366, 365) - 2023).to_numpy()
    b = rows["outlet"].map({"o0": 0.0, "o1": 0.5, "o2": -0.3}).to_numpy()
    return float(expit(-1 + b + 0.4 * years + 0.3 * (rows["outlet"] == "o1").to_numpy() * years).mean())


def test_logit_predictions_stay_in_unit_interval_where_ols_leaves_it():
    fit, rows, _ = planted(400, seed=4, slope=2.5, inter=0.0, beta_outlet=(-2.5, 0, 0), conc=5)
    logit = estimate_effect(fit, rows, formula="1 ~ outlet * date", n_draws=4, n_boot=40, n_points=10)
    ols = estimate_effect(fit, rows, formula="1 ~ outlet * date", link="ols", n_draws=4, n_boot=40, n_points=10)
    assert logit.predictions[["ci_low", "ci_high"]].to_numpy().min() >= 0
    assert logit.predictions["ci_high"].max() <= 1
    assert ols.predictions["estimate"].min() < 0  # the straight line crosses zero for o0 early on
    assert ols.coefficients["scale"].eq("proportion").all() and logit.coefficients["scale"].eq("logit").all()


def test_nine_outlets_every_level_and_pair_with_multiplicity():
    rng = np.random.default_rng(5)
    n = 900
    outlets = np.array([f"outlet-{i}" for i in range(9)])
    rows = pd.DataFrame({"passage_id": [f"p{i}" for i in range(n)], "doc_id": [f"d{i // 3}" for i in range(n)],
                         "outlet": np.repeat(outlets, n // 9)})
    effect = np.repeat(np.linspace(-0.8, 0.8, 9), n // 9)
    share = rng.beta(8 * expit(-1 + effect), 8 * (1 - expit(-1 + effect)))
    table = pd.DataFrame({"passage_id": rows.passage_id, "security": share})
    result = estimate_effect(table, rows, formula="~ outlet", n_boot=120, reference="outlet-4")
    means = result.marginal_means
    assert len(means) == 9 and means["ci_low"].lt(means["estimate"]).all()
    assert result.coefficients["term"].tolist()[1] == "outlet[T.outlet-0]"  # outlet-4 is the reference
    contrasts = result.contrasts
    assert len(contrasts) == 36 and contrasts["q_value"].ge(contrasts["p_value"]).all()
    first_last = contrasts[(contrasts.level_a == "outlet-0") & (contrasts.level_b == "outlet-8")].iloc[0]
    assert first_last["ci_high"] < 0
    observed = table.security.groupby(rows.outlet).mean()
    np.testing.assert_allclose(means.set_index("level")["estimate"], observed[means["level"]], atol=1e-8)
    assert "Benjamini-Hochberg" in result.params["multiplicity"]
    pairs = estimate_effect(table, rows, formula="~ outlet", n_boot=40, contrast=[("outlet-8", "outlet-0")])
    assert pairs.contrasts[["level_a", "level_b"]].values.tolist() == [["outlet-8", "outlet-0"]]


def test_frame_result_shares_with_document_resampling():
    rng = np.random.default_rng(6)
    rows = pd.DataFrame({"passage_id": [f"d{i // 2}:{i % 2:03d}" for i in range(200)],
                         "doc_id": [f"d{i // 2}" for i in range(200)], "side": np.repeat(["left", "right"], 100)})
    long = pd.concat([pd.DataFrame({"passage_id": rows.passage_id, "doc_id": rows.doc_id, "group": rows.side,
                                    "frame": f, "n_hits": 0, "n_tokens": 50,
                                    "share": rng.beta(2, 20, 200) + (rows.side == "right") * (0.05 if f == "risk" else 0)})
                      for f in ("risk", "cost")], ignore_index=True)
    empty = pd.DataFrame()
    frames = FrameResult(by_passage=long, by_group=empty, drivers=empty, coverage=empty)
    result = estimate_effect(frames, rows, formula="~ side", n_boot=100)
    assert result.params["outcome_kind"] == "frame" and result.params["n_draws"] == 0
    contrast = result.contrasts.set_index("outcome")
    assert contrast.loc["risk", "level_a"] == "left" and contrast.loc["risk", "ci_high"] < 0
    assert contrast.loc["cost", "ci_low"] < 0 < contrast.loc["cost", "ci_high"]
    assert result.params["strata"] == ["side"] and result.params["n_units"] == 100


def test_before_after_contrast_recovers_a_planted_jump_by_outlet():
    fit, rows, _ = planted(1500, seed=8, slope=0.0, inter=0.0, jump=0.8)
    result = estimate_effect(fit, rows, formula="1 ~ outlet", change_date="2024-01-01", by="outlet",
                             n_draws=5, n_boot=50)
    assert result.params["formula_fitted"].endswith("+ period")
    jumps = result.contrasts[result.contrasts.variable == "period"]
    assert sorted(jumps["by"]) == ["o0", "o1", "o2"] and (jumps["level_a"] == "after").all()
    assert (jumps["ci_low"] > 0.05).all()
    null = estimate_effect(*planted(1500, seed=9, slope=0.0, inter=0.0)[:2], formula="1 ~ outlet",
                           change_date="2024-01-01", n_draws=5, n_boot=50)
    row = null.contrasts[null.contrasts.variable == "period"].iloc[0]
    assert row["ci_low"] < 0 < row["ci_high"]


def test_trends_by_group_spline_and_binned_recorded():
    fit, rows, _ = planted(600, seed=10)
    spline = estimate_effect(fit, rows, formula="1 ~ outlet + s(date, df=3)", n_draws=4, n_boot=40, n_points=8)
    pred = spline.predictions
    assert sorted(pred["by"].unique()) == ["(all)", "o0", "o1", "o2"] and pred.groupby("by").size().eq(8).all()
    assert pred["value"].iloc[0] == rows["date"].min() and pred["value"].iloc[7] == rows["date"].max()
    rising = pred[pred.by == "o0"]["estimate"].to_numpy()
    assert rising[-1] > rising[0] + 0.05  # the planted upward trend
    assert spline.params["time_terms"]["date"].startswith("B-spline")
    binned = estimate_effect(fit, rows, formula="1 ~ outlet + bin(date, quarter)", n_draws=4, n_boot=40, n_points=8)
    assert binned.params["time_terms"]["date"].startswith("binned")
    quarters = binned.marginal_means[binned.marginal_means.variable == "date_quarter"]
    assert quarters["level"].tolist()[:2] == ["2023Q1", "2023Q2"] and len(quarters) == 8


def test_seed_runs_are_cycled_and_recorded():
    fit, rows, _ = planted(200, seed=11)
    other = type(fit)(**{**fit.__dict__, "doc_topic_dirichlet": fit.doc_topic_dirichlet * 2,
                         "params": {"random_state": 99}})
    draws = outcome_draws([fit, other], 4, random_state=0)
    assert draws.shape == (4, 200, 3)
    result = estimate_effect([fit, other], rows, formula="~ outlet", n_draws=4, n_boot=8)
    assert result.params["n_fits"] == 2 and result.params["fit_random_states"] == [11, 99]
    assert result.params["n_replicates"] == 8


def test_unparseable_dates_are_named_in_one_line():
    rows = pd.DataFrame({"passage_id": ["a", "b", "c"], "date": ["2024-01-01", "soon", "2024-13-45"]})
    with pytest.raises(ConfigError) as info:
        parse_dates(rows, "date")
    message = str(info.value)
    assert "\n" not in message and "row 1 (b) 'soon'" in message and "row 2 (c)" in message and "2 value(s)" in message


def test_spline_with_more_df_than_dates_falls_back_with_warning():
    fit, rows, _ = planted(120, seed=12)
    rows = rows.assign(date=np.where(np.arange(120) % 3 == 0, "2023-03-01",
                                     np.where(np.arange(120) % 3 == 1, "2023-09-01", "2024-03-01")))
    with pytest.warns(SmallSampleWarning, match="3 distinct values; using df=2"):
        result = estimate_effect(fit, rows, formula="1 ~ outlet + s(date, df=6)", n_draws=2, n_boot=10)
    assert result.params["spline_fallbacks"]["date"] == {"df_requested": 6, "df_used": 2, "distinct_values": 3}
    one_date = rows.assign(date="2023-03-01")
    with pytest.raises(EstimationError, match="1 distinct value"):
        estimate_effect(fit, one_date, formula="~ s(date)", n_draws=2, n_boot=10)


def test_level_with_one_document_is_flagged():
    fit, rows, _ = planted(150, seed=13)
    rows = rows.assign(outlet=np.where(np.arange(150) == 0, "lonely", rows["outlet"]))
    with pytest.warns(SmallSampleWarning, match="'lonely' has 1 document"):
        result = estimate_effect(fit, rows, formula="~ outlet", n_draws=2, n_boot=20)
    lonely = result.marginal_means[result.marginal_means.level == "lonely"]
    assert lonely["note"].str.contains("1 document").all() and (lonely["n_docs"] == 1).all()
    assert "lonely" in result.params["resampling_fallbacks"]


def test_cluster_resampling_checks():
    fit, rows, _ = planted(300, seed=14)
    rows = rows.assign(author=[f"a{i % 30}" for i in range(300)])
    with pytest.raises(ConfigError, match="resample the levels of a term"):
        estimate_effect(fit, rows, formula="~ outlet", resampling="cluster:outlet")
    result = estimate_effect(fit, rows, formula="~ date", resampling="cluster:author", n_draws=2, n_boot=20,
                             over=False)
    assert result.params["resampling_unit"] == "author" and result.params["n_units"] == 30
    with pytest.warns(SmallSampleWarning, match="10 clusters"):
        estimate_effect(fit, rows.assign(author=[f"a{i % 10}" for i in range(300)]), formula="~ date",
                        resampling="cluster:author", n_draws=2, n_boot=10, over=False)
    with pytest.raises(ConfigError, match="resampling="):
        estimate_effect(fit, rows, formula="~ outlet", resampling="bogus")


def test_bad_inputs_are_refused_in_one_line():
    fit, rows, _ = planted(60, seed=15)
    with pytest.raises(ConfigError, match="link="):
        estimate_effect(fit, rows, formula="~ outlet", link="probit")
    with pytest.raises(ConfigError, match="reference='o9' is not a level of 'outlet'"):
        estimate_effect(fit, rows, formula="~ outlet", reference="o9")
    with pytest.raises(ConfigError, match="passage"):
        estimate_effect(fit, rows.iloc[:30], formula="~ outlet")
    with pytest.raises(ConfigError, match="names no column"):
        estimate_effect(fit, rows, formula="~ nothing_here")
    with pytest.raises(ConfigError, match="left-hand side"):
        estimate_effect(fit, rows, formula="7 ~ outlet")


def test_result_round_trips_through_its_tables():
    fit, rows, _ = planted(120, seed=16)
    result = estimate_effect(fit, rows, formula="~ outlet + date", n_draws=2, n_boot=10, n_points=5)
    again = EffectResult.from_tables(result.tables(), result.params)
    for name, table in result.tables().items():
        pd.testing.assert_frame_equal(again.tables()[name], table)
    assert {"coefficients", "marginal_means", "contrasts", "predictions"} <= set(result.tables())


def test_same_seed_same_numbers_other_seed_other_intervals():
    fit, rows, _ = planted(150, seed=17)
    a = estimate_effect(fit, rows, formula="~ outlet", n_draws=3, n_boot=12, random_state=1)
    b = estimate_effect(fit, rows, formula="~ outlet", n_draws=3, n_boot=12, random_state=1)
    c = estimate_effect(fit, rows, formula="~ outlet", n_draws=3, n_boot=12, random_state=2)
    pd.testing.assert_frame_equal(a.coefficients, b.coefficients)
    assert not np.allclose(a.coefficients["ci_low"], c.coefficients["ci_low"])
    np.testing.assert_allclose(a.coefficients["estimate"], c.coefficients["estimate"])


def test_missing_covariates_are_dropped_with_a_warning():
    fit, rows, _ = planted(100, seed=18)
    rows = rows.assign(outlet=rows["outlet"].where(np.arange(100) % 10 != 5))
    with pytest.warns(UserWarning, match="10 row"):
        result = estimate_effect(fit, rows, formula="~ outlet", n_draws=2, n_boot=10)
    assert result.params["n_rows"] == 90 and result.params["rows_dropped_missing"] == 10


def test_figures_draw_the_tables_and_stay_legible_with_fifteen_groups():
    import matplotlib.pyplot as plt

    from textlab.plots.effects import effect_plot_table, plot_effect_differences, plot_effect_levels, plot_effect_trends

    fit, rows, _ = planted(900, n_outlets=15, beta_outlet=np.linspace(-0.5, 0.5, 15), seed=19)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        result = estimate_effect(fit, rows, formula="~ outlet + s(date, df=3)", n_draws=2, n_boot=20, n_points=6,
                                 reference="o0", contrast={"reference": "o0"})
    ax = plot_effect_levels(result, outcome=1)
    drawn = effect_plot_table(result, "levels", outcome=1)
    assert len(ax.get_yticklabels()) == 15 == len(drawn)
    assert ax.figure.get_size_inches()[1] >= 0.22 * 15
    diff = plot_effect_differences(result, outcome=2)
    assert len(diff.get_yticklabels()) == 14 == len(effect_plot_table(result, "differences", outcome=2))
    axes = plot_effect_trends(result)
    assert len(axes) == 3 and all(len(a.lines) == 16 for a in axes)  # 15 outlets + all outlets as observed
    assert axes[0].lines[-1].get_linestyle() == "--" and axes[0].lines[-1].get_color() == "#000000"
    assert "pointwise 95% intervals" in axes[0].figure.legends[0].get_title().get_text()
    with pytest.raises(ConfigError, match="outcome="):
        plot_effect_levels(result, outcome=9)
    plt.close("all")


def test_irls_from_its_own_start_handles_shares_of_exactly_zero_and_one():
    from textlab.analysis.effects import fit_shares

    rng = np.random.default_rng(20)
    x = np.column_stack([np.ones(300), rng.normal(size=300), rng.integers(0, 2, 300)])
    y = np.clip(expit(-0.3 + 1.5 * x[:, 1] + 0.5 * x[:, 2]) + rng.normal(0, 0.3, 300), 0, 1)  # exact 0s and 1s
    assert (y == 0).sum() > 10 and (y == 1).sum() > 10
    ys = np.column_stack([y, 1 - y])
    beta, ok = fit_shares(x, ys, link="logit")
    for k in range(2):
        glm = sm.GLM(ys[:, k], x, family=sm.families.Binomial()).fit()
        np.testing.assert_allclose(beta[:, k], glm.params, rtol=1e-7, atol=1e-9)
    assert ok.all() and np.isfinite(beta).all()
    np.testing.assert_allclose(beta[:, 0], -beta[:, 1], atol=1e-9)  # y and 1 - y: mirrored coefficients
    weights = rng.poisson(1.0, 300).astype(float)  # a bootstrap replicate: rows of weight 0 skipped
    again, _ = fit_shares(x, ys, link="logit", weights=weights, start=np.zeros((3, 2)))
    glm = sm.GLM(ys[:, 0], x, family=sm.families.Binomial(), freq_weights=weights).fit()
    np.testing.assert_allclose(again[:, 0], glm.params, rtol=1e-7, atol=1e-9)
