"""The README's figures are the command line's (scripts/render_figures.py runs it for each): made
again here, byte for byte the committed files, so that a figure cannot drift from the app."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("render_figures", ROOT / "scripts" / "render_figures.py")
render_figures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(render_figures)


@pytest.mark.parametrize("figure", render_figures.FIGURES)
def test_the_command_line_makes_the_committed_figure(figure, tmp_path):
    (tmp_path / figure).parent.mkdir(parents=True, exist_ok=True)
    assert render_figures.command_line(render_figures.command(figure, tmp_path)) == 0
    assert (tmp_path / figure).read_bytes() == (ROOT / figure).read_bytes(), \
        f"{figure} is not what the command line draws: run .venv/bin/python scripts/render_figures.py"


def test_every_figure_the_readme_shows_is_made_by_it():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = {line.split("](")[1].rstrip(")") for line in readme.splitlines()
             if line.startswith("![") and "](docs/figures/" in line}
    assert shown and shown <= set(render_figures.FIGURES)


def test_the_script_prints_each_command_as_a_person_types_it(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(render_figures, "FIGURES", render_figures.FIGURES[:1])
    (tmp_path / "docs" / "figures").mkdir(parents=True)
    assert render_figures.main(out_dir=tmp_path) == 0
    assert capsys.readouterr().out.splitlines() == [
        "python -m graphlib '(x+y)*z' x=-2 y=5 z=-4 --precision 0 -o docs/figures/figure-1.svg"]
