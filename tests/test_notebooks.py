"""Every notebook executes top to bottom on a fresh kernel and makes the figures it claims."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))

# Figures each notebook saves when FIGURE_DIR is set (stem names).
EXPECTED = {
    "00_quickstart": ["02_keyness", "08_prevalence_difference", "12_topic_map"],
    "01_corpus_and_cleaning": ["corpus_overview"],
    "02_topics": ["model_selection", "topic_terms", "passage_topics", "topic_map"],
    "03_framing_comparison": ["keyness", "keyness_intervals", "prevalence_difference", "frames"],
    "04_effects": ["effect_levels_frames", "effect_differences_frames", "effect_trends_topics"],
    "05_news_exports": ["furniture_by_source"],
}


def _with_parameters(book: nbformat.NotebookNode, figure_dir: Path) -> nbformat.NotebookNode:
    """Append overrides to the cell tagged 'parameters' (as papermill does)."""
    for cell in book.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source += f"\nFAST = True\nFIGURE_DIR = {str(figure_dir)!r}\n"
            return book
    raise AssertionError("notebook has no cell tagged 'parameters'")


def test_every_notebook_is_listed():
    assert {p.stem for p in NOTEBOOKS} == set(EXPECTED)


def test_notebooks_are_stored_without_outputs():
    for path in NOTEBOOKS:
        book = nbformat.read(path, as_version=4)
        for cell in book.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, f"{path.name} has stored outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_and_saves_its_figures(path, tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTLAB_PROGRESS", "0")
    book = _with_parameters(nbformat.read(path, as_version=4), tmp_path / "figs")
    client = NotebookClient(book, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    for stem in EXPECTED[path.stem]:
        png = tmp_path / "figs" / f"{stem}.png"
        assert png.is_file() and png.stat().st_size > 10_000, f"{path.name} did not save {stem}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (tmp_path / "figs" / f"{stem}.pdf").read_bytes()[:5] == b"%PDF-"
    images = [o for c in book.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type in ("display_data", "execute_result") and "image/png" in o.get("data", {})]
    assert images, f"{path.name} displayed no figure"
