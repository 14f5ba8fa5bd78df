"""`textlab figures`: every figure as PDF, PNG and CSV, byte-identical on rerun, with a README."""

from __future__ import annotations

import struct

import pandas as pd
import pytest

from textlab.study.figures import FIGURE_NAMES, make_figures
from textlab.study.run import run_study


def _png_info(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    phys = data.find(b"pHYs")
    ppm_x = struct.unpack(">I", data[phys + 4:phys + 8])[0] if phys > 0 else None
    return width, height, ppm_x


@pytest.fixture(scope="module")
def figure_dir(seeds_study_fast, tmp_path_factory):
    out = tmp_path_factory.mktemp("figs") / "figures"
    make_figures(seeds_study_fast, out)
    return out


def test_every_figure_in_three_formats(figure_dir):
    for name in FIGURE_NAMES:
        for suffix in (".pdf", ".png", ".csv"):
            assert (figure_dir / f"{name}{suffix}").is_file(), name + suffix
        assert (figure_dir / f"{name}.pdf").read_bytes()[:5] == b"%PDF-"
        width, height, ppm = _png_info(figure_dir / f"{name}.png")
        assert ppm is not None and abs(ppm * 0.0254 - 300) < 1, f"{name}.png is not 300 dpi"
        assert width <= 7.3 * 300, f"{name}.png is wider than a full page"
        pdf = (figure_dir / f"{name}.pdf").read_bytes()
        assert b"/FontFile2" in pdf or b"/TrueType" in pdf, f"{name}.pdf does not embed TrueType fonts"
        assert b"CreationDate" not in pdf


def test_csvs_hold_what_is_drawn(figure_dir, seeds_study_fast):
    overview = pd.read_csv(figure_dir / "01_corpus_overview.csv", dtype={"doc_id": str}).set_index("doc_id")
    docs = seeds_study_fast.tables["documents"].set_index("doc_id")
    assert (overview["n_words_raw"] - overview["n_words_clean"]).loc["004"] > 1000  # the teaser tail, removed
    assert overview["n_words_clean"].to_dict() == docs["n_words_clean"].to_dict()
    difference = pd.read_csv(figure_dir / "08_prevalence_difference.csv")
    pd.testing.assert_frame_equal(difference, seeds_study_fast.tables["prevalence_difference"],
                                  check_dtype=False, atol=1e-9)
    keyness = pd.read_csv(figure_dir / "02_keyness.csv")
    assert set(keyness["group"]) == {"huawei-led"} and set(keyness["reference"]) == {"aws-led"}


def test_readme_names_each_figure_with_numbers(figure_dir, seeds_study_fast):
    readme = (figure_dir / "README.md").read_text()
    for name in FIGURE_NAMES:
        assert f"## {name}" in readme and f"{name}.png" in readme
    assert readme.count("**Numbers:**") == len(FIGURE_NAMES)
    assert f"K = {seeds_study_fast.n_topics}" in readme


def test_formats_and_dpi_come_from_the_study(seeds_study_fast, tmp_path):
    config = seeds_study_fast.config.replace(figure_formats=("png",), figure_dpi=100)
    result = type(seeds_study_fast)(config=config, results=seeds_study_fast.results,
                                    provenance=seeds_study_fast.provenance, tables=seeds_study_fast.tables)
    written = make_figures(result, tmp_path / "figures")
    assert not [p for p in written if p.suffix == ".pdf"]
    width, _, ppm = _png_info(tmp_path / "figures" / "02_keyness.png")
    assert abs(ppm * 0.0254 - 100) < 1 and width == round(7.2 * 100)
    readme = (tmp_path / "figures" / "README.md").read_text()
    assert "Each figure is a 100 dpi PNG and the CSV of exactly what is drawn." in readme


def test_group_colours_come_from_the_study_file(seeds_study_fast, figure_dir):
    from textlab.study.figures import study_colors

    assert study_colors(seeds_study_fast) == {"aws-led": "#0072B2", "huawei-led": "#D55E00", "mixed": "#CC79A7"}
    config = seeds_study_fast.config.replace(figure_colors={})
    plain = type(seeds_study_fast)(config=config, results=seeds_study_fast.results,
                                   provenance=seeds_study_fast.provenance, tables=seeds_study_fast.tables)
    assert study_colors(plain)["aws-led"] == "#D55E00"  # the library knows no study's groups


def test_rerun_gives_byte_identical_files(figure_dir, seeds_dir, tmp_path):
    again = run_study(seeds_dir / "study.toml", fast=True)
    out = tmp_path / "figures"
    make_figures(again, out)
    first = {p.name: p.read_bytes() for p in figure_dir.iterdir()}
    second = {p.name: p.read_bytes() for p in out.iterdir()}
    assert first.keys() == second.keys()
    different = [name for name in first if first[name] != second[name]]
    assert not different, different


def test_committed_figures_match_what_the_command_produces(repo_root, tmp_path):
    """A fresh run of the seeds study reproduces the committed figures' numbers and README."""
    committed = repo_root / "figures"
    if not (committed / "README.md").is_file():
        pytest.fail("figures/ has not been generated: run `make figures` and commit the result")
    result = run_study(repo_root / "seeds" / "study.toml")
    out = tmp_path / "figures"
    make_figures(result, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in committed.iterdir())
    for name in FIGURE_NAMES:
        fresh = pd.read_csv(out / f"{name}.csv")
        stored = pd.read_csv(committed / f"{name}.csv")
        pd.testing.assert_frame_equal(fresh, stored, check_exact=False, rtol=1e-6, atol=1e-9, obj=name)
    assert (out / "README.md").read_text() == (committed / "README.md").read_text()
