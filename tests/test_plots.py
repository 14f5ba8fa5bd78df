"""Tests of textlab.plots on hand-made result tables (schemas from ARCHITECTURE.md)."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from textlab._errors import ConfigError  # noqa: E402
from textlab import plots  # noqa: E402

GROUP_OF = {"000": "huawei-led", "001": "aws-led", "002": "mixed", "003": "huawei-led", "004": "huawei-led"}
WORDS = (
    "huawei ascend pangu chip sanction china telecom harmonyos kirin smic global_south training talent "
    "aws cloud data_center investment startup sovereign hub region bedrock generative workforce ringgit "
    "malaysia ai infrastructure government partnership digital economy model compute gpu nvidia"
).split()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def rng():
    return np.random.default_rng(7)


@pytest.fixture
def keyness(rng):
    n = len(WORDS)
    cg, cr = rng.integers(1, 80, n), rng.integers(1, 80, n)
    lo = np.log((cg + 0.5) / (cr + 0.5))
    se = np.sqrt(1 / (cg + 0.5) + 1 / (cr + 0.5))
    return pd.DataFrame({
        "term": WORDS, "label": [w.replace("_", " ") for w in WORDS], "group": "huawei-led", "reference": "aws-led",
        "count_group": cg, "count_reference": cr, "log_odds": lo, "log_odds_se": se, "z": lo / se,
        "ci_low": lo - 1.96 * se, "ci_high": lo + 1.96 * se,
    })


@pytest.fixture
def by_group(rng):
    rows = []
    for k in range(1, 7):
        for g in ["aws-led", "huawei-led", "mixed"]:
            m = rng.uniform(0.05, 0.3)
            rows.append((k, g, m, m - 0.04, m + 0.05))
    return pd.DataFrame(rows, columns=["topic", "group", "mean", "ci_low", "ci_high"])


def _texts(fig):
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _check_print_quality(fig):
    """Every visible text >= 7 pt; everything drawn lies inside the figure (nothing clipped)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for t in _texts(fig):
        assert t.get_fontsize() >= plots.MIN_FONT_SIZE, (t.get_text(), t.get_fontsize())
    drawn = fig.get_tightbbox(renderer)  # inches; only artists actually drawn
    width, height = fig.get_size_inches()
    tol = 1 / 72
    assert drawn.x0 >= -tol and drawn.y0 >= -tol, drawn
    assert drawn.x1 <= width + tol and drawn.y1 <= height + tol, (drawn, width, height)


# --- colours and style -------------------------------------------------------------------------

SEEDS_COLORS = {"huawei-led": "#D55E00", "aws-led": "#0072B2", "mixed": "#CC79A7"}  # seeds/study.toml [figures]


def test_group_colors_fixed_by_the_study_whatever_the_subset():
    full = plots.group_colors(["mixed", "aws-led", "huawei-led"], fixed=SEEDS_COLORS)
    assert full == {"aws-led": "#0072B2", "huawei-led": "#D55E00", "mixed": "#CC79A7"}
    assert plots.group_colors(["huawei-led"], fixed=SEEDS_COLORS)["huawei-led"] == full["huawei-led"]
    mixed = plots.group_colors(["aws-led", "zeta"], fixed=SEEDS_COLORS)
    assert mixed["aws-led"] == full["aws-led"] and mixed["zeta"] not in SEEDS_COLORS.values()


def test_library_colors_know_no_study_groups():
    """Without [figures] colors, the seeds' groups are just groups: the palette in sorted order."""
    assert plots.group_colors(["huawei-led", "aws-led"]) == {"aws-led": plots.OKABE_ITO["vermillion"],
                                                             "huawei-led": plots.OKABE_ITO["blue"]}
    assert not hasattr(plots, "STUDY_COLORS")


def test_group_colors_other_groups_distinct_deterministic_and_not_reserved():
    names = [f"outlet{i}" for i in range(10)]
    a = plots.group_colors(names, fixed={"outlet3": "#123456"})
    assert a == plots.group_colors(list(reversed(names)), fixed={"outlet3": "#123456"})
    assert len(set(a.values())) == 10 and a["outlet3"] == "#123456"
    assert a["outlet0"] == plots.OKABE_ITO["vermillion"]  # first in sorted order takes the first free colour


def test_interval_labels_follow_ci_level(by_group):
    from textlab.plots._common import interval_percent

    assert interval_percent(0.9) == "90%" and interval_percent(None) == "95%"
    ax = plots.plot_prevalence(by_group, ci_level=0.8)
    assert "80% interval" in ax.get_xlabel() and "95%" not in ax.get_xlabel()
    frames = by_group.rename(columns={"topic": "frame"})
    assert "90% interval" in plots.plot_frames(frames.assign(frame=frames["frame"].astype(str)),
                                                ci_level=0.9).get_xlabel()
    plt.close("all")


def test_plot_rejects_colors_missing_a_group(by_group):
    with pytest.raises(ConfigError, match="colors"):
        plots.plot_prevalence(by_group, colors={"aws-led": "#000000"})


def test_style_context_does_not_leak_rcparams():
    before = dict(mpl.rcParams)
    with plots.style():
        assert mpl.rcParams["pdf.fonttype"] == 42
        assert mpl.rcParams["font.size"] == 8
    fig, ax = plots.figure("full", 2.0)
    plots.plot_prevalence(pd.DataFrame({"topic": [1], "group": ["mixed"], "mean": [.2], "ci_low": [.1],
                                        "ci_high": [.3]}), ax=ax)
    after = dict(mpl.rcParams)
    assert {k for k in before if before[k] != after[k] and k != "backend"} == set()
    assert tuple(fig.get_size_inches()) == (plots.FULL_WIDTH, 2.0)


def test_figure_rejects_unknown_width():
    with pytest.raises(ConfigError, match="width"):
        plots.figure("double")


# --- figures -----------------------------------------------------------------------------------

def test_corpus_overview_bars_colours_and_removed_share():
    docs = pd.DataFrame(
        {"n_words_raw": [1200, 900, 1500, 1100, 3000], "n_words_clean": [1150, 820, 1400, 1080, 1000],
         "narrative": [GROUP_OF[d] for d in GROUP_OF]},
        index=pd.Index(list(GROUP_OF), name="doc_id"),
    )
    table = plots.corpus_overview_table(docs, group_column="narrative")
    assert table["group"].tolist() == sorted(table["group"])  # ordered by group
    assert table.loc[table.doc_id == "004", "share_removed"].item() == pytest.approx(2000 / 3000)
    ax = plots.plot_corpus_overview(table)
    kept = ax.patches[len(table):]
    assert [p.get_width() for p in kept] == table["n_words_clean"].tolist()
    colors = plots.group_colors(GROUP_OF.values())
    assert [to_hex(p.get_facecolor()).upper() for p in kept] == [colors[g] for g in table["group"]]
    assert "\u221267%" in [t.get_text().strip() for t in ax.texts]
    _check_print_quality(ax.figure)


def test_select_keyness_labels_matches_an_independent_ranking(keyness):
    labels = plots.select_keyness_labels(keyness, n=5)
    sig = keyness[keyness.z.abs() >= 1.96]
    expected = set(sig.nlargest(5, "z").query("z > 0").term) | set(sig.nsmallest(5, "z").query("z < 0").term)
    assert set(labels.term) == expected
    assert set(labels.loc[labels.z > 0, "favours"]) <= {"huawei-led"}
    assert set(labels.loc[labels.z < 0, "favours"]) <= {"aws-led"}


def test_keyness_points_colours_and_labels_do_not_overlap(keyness):
    ax = plots.plot_keyness(keyness, n_labels=8, colors=SEEDS_COLORS)
    offsets = ax.collections[0].get_offsets()
    assert len(offsets) == len(keyness)
    # each point's colour from its own z, independently of the drawing order
    cols = [to_hex(c).upper() for c in ax.collections[0].get_facecolors()]
    by_xy = {(round(float(x), 9), round(float(y), 9)): c for (x, y), c in zip(offsets, cols, strict=True)}
    for row in keyness.itertuples():
        x = round(float(np.log10(row.count_group + row.count_reference)), 9)
        want = "#D55E00" if row.z >= 1.96 else "#0072B2" if row.z <= -1.96 else plots.NEUTRAL
        assert by_xy[(x, round(float(row.z), 9))] == want
    labels = plots.select_keyness_labels(keyness, n=8)
    texts = [t for t in ax.texts if t.get_text()]
    assert sorted(t.get_text() for t in texts) == sorted(labels["label"])
    fig = ax.figure
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(r) for t in texts]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j]), (texts[i].get_text(), texts[j].get_text())
    _check_print_quality(fig)


def test_keyness_rejects_several_comparisons(keyness):
    two = pd.concat([keyness, keyness.assign(group="mixed")])
    with pytest.raises(ConfigError, match="comparisons"):
        plots.plot_keyness(two)


def test_keyness_intervals_draw_the_bootstrap_interval(keyness):
    labels = plots.select_keyness_labels(keyness, n=4)
    ax = plots.plot_keyness_intervals(labels)
    order = labels.sort_values("log_odds")
    assert [t.get_text() for t in ax.get_yticklabels()] == order["label"].tolist()
    segments = [line for line in ax.lines if len(line.get_xdata()) == 2 and line.get_ydata()[0] == line.get_ydata()[1]]
    got = sorted((float(s.get_xdata()[0]), float(s.get_xdata()[1])) for s in segments)
    want = sorted(zip(order.ci_low, order.ci_high, strict=True))
    assert np.allclose(np.asarray(got), np.asarray(want))


def test_distinctive_terms_one_panel_per_group_bars_equal_tfidf():
    rows = [(g, r, f"{g[:3]}{r}", f"{g[:3]} {r}", 1.0 / r)
            for g in ["huawei-led", "aws-led", "mixed"] for r in range(1, 13)]
    table = pd.DataFrame(rows, columns=["group", "rank", "term", "label", "tfidf"])
    axes = plots.plot_distinctive_terms(table)
    palette = plots.group_colors(table.group)
    assert [ax.get_title(loc="left") for ax in axes] == ["aws-led", "huawei-led", "mixed"]
    for ax in axes:
        g = ax.get_title(loc="left")
        want = table[table.group == g].sort_values("rank")
        assert [t.get_text() for t in ax.get_yticklabels()] == want["label"].tolist()
        assert sorted(p.get_width() for p in ax.patches) == pytest.approx(sorted(want["tfidf"]))
        assert {to_hex(p.get_facecolor()).upper() for p in ax.patches} == {palette[g]}
    _check_print_quality(axes[0].figure)


def test_model_selection_mean_line_and_chosen_k():
    rows = [(k, s, 0.3 + 0.01 * k + 0.02 * s, 0.01 * k - 0.003 * s, 1 - 0.05 * k, 100.0)
            for k in range(2, 9) for s in range(3)]
    table = pd.DataFrame(rows, columns=["n_topics", "random_state", "c_v", "c_npmi", "diversity", "perplexity"])
    axes = plots.plot_model_selection(table, chosen_n_topics=5)
    assert len(axes) == 3
    mean_line = [line for line in axes[0].lines if line.get_linestyle() == "-" and len(line.get_xdata()) == 7][0]
    expected = [np.mean([0.3 + 0.01 * k + 0.02 * s for s in range(3)]) for k in range(2, 9)]
    assert list(mean_line.get_ydata()) == pytest.approx(expected)
    seed_points = [line for line in axes[0].lines if len(line.get_xdata()) == len(table)][0]
    assert sorted(seed_points.get_ydata()) == pytest.approx(sorted(table.c_v))
    vlines = [line for line in axes[1].lines if list(line.get_xdata()) == [5, 5]]
    assert len(vlines) == 1
    legend_texts = [t.get_text() for t in axes[0].figure.legends[0].get_texts()]
    assert "chosen K = 5" in legend_texts
    _check_print_quality(axes[0].figure)
    with pytest.raises(ConfigError, match="chosen_n_topics"):
        plots.plot_model_selection(table, chosen_n_topics=12)


def test_topic_terms_small_multiples_flag_unstable_topics():
    rows = [(k, "frex", r, f"t{k}_{r}", f"t{k} {r}", 1.0 / (r + 1)) for k in range(1, 6) for r in range(1, 9)]
    terms = pd.DataFrame(rows, columns=["topic", "method", "rank", "term", "label", "score"])
    stab = pd.DataFrame({"topic": range(1, 6), "stability": [0.42, 0.9, 0.8, 0.3, 0.95],
                         "stable": [False, True, True, False, True]})
    axes = plots.plot_topic_terms(terms, stab)
    assert len(axes) == 5
    titles = [ax.get_title(loc="left") for ax in axes]
    assert "unstable (0.42)" in titles[0] and "unstable (0.30)" in titles[3]
    assert "stability 0.90" in titles[1]
    for ax, stable in zip(axes, stab.stable, strict=True):
        assert len(ax.patches) == 8
        assert all(bool(p.get_hatch()) != stable for p in ax.patches)
    assert [t.get_text() for t in axes[2].get_yticklabels()] == [f"t3 {r}" for r in range(1, 9)]
    _check_print_quality(axes[0].figure)
    with pytest.raises(ConfigError, match="method"):
        plots.plot_topic_terms(pd.concat([terms, terms.assign(method="probability")]))


def test_prevalence_points_intervals_and_colours(by_group):
    ax = plots.plot_prevalence(by_group)
    colors = plots.group_colors(by_group.group)
    for g, c in colors.items():
        want = by_group[by_group.group == g]
        point_lines = [line for line in ax.lines if to_hex(line.get_color()).upper() == c and line.get_marker() == "o"]
        assert len(point_lines) == 1
        assert sorted(point_lines[0].get_xdata()) == pytest.approx(sorted(want["mean"]))
    _check_print_quality(ax.figure)


def test_prevalence_difference_label_zero_line_and_sign_colours():
    diff = pd.DataFrame({"topic": [1, 2, 3], "group_a": "huawei-led", "group_b": "aws-led",
                         "difference": [0.2, -0.1, 0.01], "ci_low": [0.1, -0.2, -0.05], "ci_high": [0.3, -0.02, 0.07]})
    ax = plots.plot_prevalence_difference(diff, colors=SEEDS_COLORS)
    assert "huawei-led \u2212 aws-led" in ax.get_xlabel()
    assert any(list(line.get_xdata()) == [0, 0] for line in ax.lines)
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert [to_hex(d.get_color()).upper() for d in dots] == ["#D55E00", "#0072B2", plots.NEUTRAL]
    _check_print_quality(ax.figure)


def test_passage_topics_rows_ordered_by_group_document_position(rng):
    sizes = {"000": 25, "001": 15, "002": 20, "003": 18, "004": 22}
    docs = np.repeat(list(sizes), list(sizes.values()))
    pos = np.concatenate([np.arange(n) for n in sizes.values()])
    passages = pd.DataFrame({"passage_id": [f"{d}:{i:03d}" for d, i in zip(docs, pos, strict=True)], "doc_id": docs,
                             "position": pos, "narrative": [GROUP_OF[d] for d in docs]}).iloc[::-1]
    doc_topic = rng.dirichlet(np.ones(6), len(passages))
    ax = plots.plot_passage_topics(doc_topic, passages, group_column="narrative")
    shown = np.asarray(ax.images[0].get_array())
    key = sorted(range(len(passages)), key=lambda i: (passages.narrative.iloc[i], passages.doc_id.iloc[i],
                                                      passages.position.iloc[i]))
    np.testing.assert_allclose(shown, doc_topic[key])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["001", "000", "003", "004", "002"]
    separators = [line for line in ax.lines if line.get_xdata()[0] == 0 and line.get_xdata()[1] == 1]
    assert len(separators) == 4
    _check_print_quality(ax.figure)


def test_similarity_ordered_annotated_with_group_strips(rng):
    ids = list(GROUP_OF)
    m = rng.uniform(0, 0.6, (5, 5))
    m = (m + m.T) / 2
    np.fill_diagonal(m, 1.0)
    sim = pd.DataFrame(m, index=ids, columns=ids)
    ax = plots.plot_similarity(sim, pd.Series(GROUP_OF))
    order = ["001", "000", "003", "004", "002"]
    np.testing.assert_allclose(np.asarray(ax.images[0].get_array()), sim.loc[order, order].to_numpy())
    assert [t.get_text() for t in ax.texts] == [f"{v:.2f}" for v in sim.loc[order, order].to_numpy().ravel()]
    strip = [to_hex(p.get_facecolor()).upper() for p in ax.patches][:5]
    assert strip == [plots.group_colors(GROUP_OF.values())[GROUP_OF[i]] for i in order]
    _check_print_quality(ax.figure)


def test_frames_rows_and_colours():
    rows = [(f, g, 0.01 * (i + 1), 0.005 * (i + 1), 0.02 * (i + 1)) for i, f in enumerate(["security", "economic_gain"])
            for g in ["aws-led", "huawei-led", "mixed"]]
    table = pd.DataFrame(rows, columns=["frame", "group", "mean", "ci_low", "ci_high"])
    ax = plots.plot_frames(table, colors=SEEDS_COLORS)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["economic gain", "security"]
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert {to_hex(d.get_color()).upper() for d in dots} == {"#0072B2", "#D55E00", "#CC79A7"}
    _check_print_quality(ax.figure)


def test_topic_leaning_and_topic_map_area_and_colour(by_group):
    lean = plots.topic_leaning(by_group)
    expected = by_group.loc[by_group.groupby("topic")["mean"].idxmax()].set_index("topic")["group"]
    assert lean.to_dict() == expected.to_dict()
    tmap = pd.DataFrame({"topic": range(1, 7), "x": [0.1, -0.2, 0.3, 0.0, -0.1, 0.2],
                         "y": [0.0, 0.1, -0.2, 0.3, -0.3, 0.2], "prevalence": [0.3, 0.1, 0.2, 0.15, 0.05, 0.2]})
    ax = plots.plot_topic_map(tmap, lean)
    sc = ax.collections[0]
    sizes = sc.get_sizes()
    np.testing.assert_allclose(sizes / sizes.max(), tmap.prevalence / tmap.prevalence.max())
    colors = plots.group_colors(by_group.group)
    assert [to_hex(c).upper() for c in sc.get_facecolors()] == [colors[lean[t]] for t in tmap.topic]
    assert [t.get_text() for t in ax.texts] == [str(t) for t in range(1, 7)]
    _check_print_quality(ax.figure)


# --- saving ------------------------------------------------------------------------------------

def test_save_figure_is_byte_identical_embeds_truetype_and_has_no_dates(tmp_path, by_group):
    ax = plots.plot_prevalence(by_group)
    first = plots.save_figure(ax.figure, tmp_path / "a" / "prevalence")
    second = plots.save_figure(ax.figure, tmp_path / "b" / "prevalence.pdf")
    assert [p.name for p in first] == ["prevalence.pdf", "prevalence.png"] == [p.name for p in second]
    for p, q in zip(first, second, strict=True):
        assert p.read_bytes() == q.read_bytes()
    pdf = first[0].read_bytes()
    assert b"/FontFile2" in pdf and b"/Type3" not in pdf
    assert b"CreationDate" not in pdf and b"Matplotlib" not in pdf
    png = first[1].read_bytes()
    assert b"Software" not in png and b"matplotlib" not in png.lower()
    # 300 dpi at print size: pixel width = 3.5 in x 300
    width = int.from_bytes(png[16:20], "big")
    assert width == round(plots.SINGLE_COLUMN * 300)
    assert not list(tmp_path.rglob("*.tmp"))


def test_save_figure_rejects_unknown_format(tmp_path):
    fig, _ = plots.figure()
    with pytest.raises(ConfigError, match="formats"):
        plots.save_figure(fig, tmp_path / "x", formats=("jpg",))


def test_every_public_name_is_documented_with_an_example():
    for name in plots.__all__:
        obj = getattr(plots, name)
        if callable(obj):
            assert obj.__doc__ and ">>>" in obj.__doc__, name
    assert re.search(r"pdf\.fonttype:\s*42", plots.STYLE_PATH.read_text())


def test_corpus_overview_many_documents_switches_to_box_plots_per_group(rng):
    n = 300
    groups = np.array(["aws-led", "huawei-led", "mixed"])[np.arange(n) % 3]
    raw = rng.integers(50, 2000, n)
    clean = raw // 2 + (groups == "mixed") * (raw // 2)  # mixed loses nothing, the others half
    table = pd.DataFrame({"doc_id": [f"d{i}" for i in range(n)], "group": groups, "n_words_raw": raw,
                          "n_words_clean": clean})
    ax = plots.plot_corpus_overview(table)
    top_to_bottom = sorted(ax.get_yticklabels(), key=lambda t: -t.get_position()[1])
    assert [t.get_text() for t in top_to_bottom] == ["aws-led (n=100)", "huawei-led (n=100)", "mixed (n=100)"]
    shares = {}
    for g in ["aws-led", "huawei-led", "mixed"]:
        rows = table[table.group == g]
        shares[g] = f"\u2212{1 - rows.n_words_clean.sum() / rows.n_words_raw.sum():.0%}"
    assert [t.get_text().strip() for t in ax.texts] == [shares["aws-led"], shares["huawei-led"], shares["mixed"]]
    assert ax.get_xscale() == "log"
    _check_print_quality(ax.figure)


def test_topic_terms_relevance_scores_drawn_as_dots_with_labels():
    rows = [(k, "relevance", r, f"w{k}{r}", f"w{k}{r}", -0.5 * r) for k in range(1, 9) for r in range(1, 6)]
    terms = pd.DataFrame(rows, columns=["topic", "method", "rank", "term", "label", "score"])
    axes = plots.plot_topic_terms(terms, topic_labels={1: "chips and sanctions"})
    assert len(axes) == 8
    assert axes[0].get_title(loc="left") == "1: chips and sanctions"
    assert not axes[0].patches
    dots = [line for line in axes[0].lines if line.get_marker() == "o"][0]
    assert sorted(dots.get_xdata()) == sorted(-0.5 * r for r in range(1, 6))
    _check_print_quality(axes[0].figure)


def test_font_subset_cache_is_byte_stable_embeds_truetype_and_subsets_once(tmp_path, by_group, monkeypatch):
    from matplotlib.backends import _backend_pdf_ps

    from textlab.plots import save

    calls = []
    original = _backend_pdf_ps.get_glyphs_subset
    monkeypatch.setattr(_backend_pdf_ps, "get_glyphs_subset", lambda *a: calls.append(a) or original(*a))
    monkeypatch.setattr(save, "_SUBSETS", {})
    figures = [plots.plot_prevalence(by_group).figure, plots.plot_frames(
        by_group.rename(columns={"topic": "frame"}).astype({"frame": str})).figure]
    with plots.font_subset_cache():
        first = [plots.save_figure(f, tmp_path / "a" / f"f{i}", formats=("pdf",))[0] for i, f in enumerate(figures)]
        second = [plots.save_figure(f, tmp_path / "b" / f"f{i}", formats=("pdf",))[0] for i, f in enumerate(figures)]
    assert len(calls) == 1  # one font, one subset for both figures and both runs
    assert _backend_pdf_ps.get_glyphs_subset is not original  # our counting wrapper is back in place
    for p, q in zip(first, second, strict=True):
        data = p.read_bytes()
        assert data == q.read_bytes() and b"/FontFile2" in data and b"CreationDate" not in data
    plain = plots.save_figure(figures[0], tmp_path / "c" / "f0", formats=("pdf",))[0].read_bytes()
    assert len(calls) == 2 and b"/FontFile2" in plain  # outside the block: matplotlib's own subsetting
    plt.close("all")


def test_keyness_of_many_terms_steers_labels_around_the_points_near_them(monkeypatch):
    """Above MAX_AVOID terms the labels avoid the labelled points and those of largest |z| only."""
    from textlab.plots import keyness as module

    rng = np.random.default_rng(1)
    n = 1_500
    z = rng.standard_t(3, n)
    table = pd.DataFrame({"term": [f"t{i}" for i in range(n)], "label": [f"term{i}" for i in range(n)],
                          "group": "a", "reference": "b", "count_group": rng.integers(1, 900, n),
                          "count_reference": rng.integers(1, 900, n), "z": z,
                          "q_perm": np.where(np.abs(z) > 3, 0.01, 0.5)})
    x = np.log10(table["count_group"] + table["count_reference"]).to_numpy(dtype=float)
    assert module._points_to_avoid(x, z, x[:2], z[:2])[0] is x  # below the cap: every point, unchanged
    monkeypatch.setattr(module, "MAX_AVOID", 200)
    avoid_x, avoid_z = module._points_to_avoid(x, z, x[:2], z[:2])
    assert len(avoid_x) == 202 and set(np.round(avoid_z[:200], 9)) == set(np.round(np.sort(z[np.argsort(-np.abs(z))[:200]]), 9))
    assert np.abs(avoid_z[:200]).min() >= np.sort(np.abs(z))[-200]
    ax = plots.plot_keyness(table, n_labels=8)
    texts = [t for t in ax.texts if t.get_text()]
    assert len(texts) == len(plots.select_keyness_labels(table, n=8))
    ax.figure.canvas.draw()
    boxes = [t.get_window_extent(ax.figure.canvas.get_renderer()) for t in texts]
    assert not any(boxes[i].overlaps(boxes[j]) for i in range(len(boxes)) for j in range(i + 1, len(boxes)))
