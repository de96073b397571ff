"""The Python layout shows the architecture: each module of graphlib, and app.py, opens with a
one-line docstring that says what it turns into what (its one job)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted((ROOT / "graphlib").glob("*.py")) + [ROOT / "app.py"]


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_each_module_opens_with_its_job_in_one_line(path):
    docstring = ast.get_docstring(ast.parse(path.read_text()), clean=False)
    assert docstring, f"{path.name} has no docstring"
    first_paragraph = docstring.split("\n\n")[0]
    assert "\n" not in first_paragraph.strip() and first_paragraph.rstrip().endswith("."), first_paragraph
