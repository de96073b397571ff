"""The page's JavaScript as small modules (issue 11): each says its one job in its first line, none
is over 300 lines, every name imported is exported by its module, and no module comes back to
itself through its imports. Read as text: the browser suites run the same modules in Chromium."""

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parent.parent / "static"
MODULES = [STATIC / "app.js", *sorted((STATIC / "js").glob("*.js"))]
MAX_LINES = 300
IMPORT = re.compile(r'^import \{([^}]*)\} from "([^"]+)";', re.M)
EXPORT = re.compile(r"^export (?:async )?(?:function|const|class|let) ([\w$]+)", re.M)


def imports_of(module):
    """[(the module imported, the names imported from it)]"""
    found = []
    for names, source in IMPORT.findall(module.read_text()):
        found.append(((module.parent / source).resolve(), [name.strip() for name in names.split(",") if name.strip()]))
    return found


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.name)
def test_a_module_opens_with_its_job_and_stays_small(module):
    lines = module.read_text().splitlines()
    assert lines[0].startswith(("//", "/*")), f"{module.name} opens without saying its job"
    assert lines[0].rstrip(" */").endswith("."), f"{module.name}'s job runs past its first line"
    assert len(lines) <= MAX_LINES, f"{module.name} has {len(lines)} lines"


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.name)
def test_every_name_imported_is_exported_by_its_module(module):
    for source, names in imports_of(module):
        exported = set(EXPORT.findall(source.read_text()))
        assert set(names) <= exported, f"{module.name} imports {set(names) - exported} from {source.name}"


def test_no_module_comes_back_to_itself_through_its_imports():
    graph = {module.resolve(): [source for source, _ in imports_of(module)] for module in MODULES}

    def reaches(start, goal, seen):
        for source in graph.get(start, []):
            if source == goal or (source not in seen and reaches(source, goal, seen | {source})):
                return True
        return False

    cycles = [module.name for module in graph if reaches(module, module, set())]
    assert cycles == []
