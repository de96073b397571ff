"""The project's documents: their links lead to files in the repository, every section of
docs/CONVENTIONS.md cited in the code and tests ("CONVENTIONS §4") exists, and nothing cites a
document that is not in the repository."""

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONVENTIONS = ROOT / "docs" / "CONVENTIONS.md"
DOCUMENTS = [ROOT / "README.md", CONVENTIONS]
SOURCE_SUFFIXES = {".py", ".md", ".html", ".js", ".css", ".ini", ".txt"}
NOT_OURS = {".venv", ".venv-peers", "vendor", "__pycache__", ".git", ".pytest_cache", ".hypothesis"}
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
# The design notes the project began from, which live outside the repository.
OUTSIDE_DOCUMENT = re.compile(r"\bDESIGN(?:\.md)?\b|\.\./shared/")


def sources():
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = sorted(name for name in subfolders if name not in NOT_OURS)
        for name in sorted(files):
            if Path(name).suffix in SOURCE_SUFFIXES:
                yield Path(folder) / name


def section_numbers():
    return [int(number) for number in re.findall(r"^## (\d+)\. ", CONVENTIONS.read_text(), re.M)]


def test_the_sections_are_numbered_in_order():
    assert section_numbers() == list(range(1, len(section_numbers()) + 1))


def test_the_readme_links_to_the_conventions():
    assert "docs/CONVENTIONS.md" in MARKDOWN_LINK.findall((ROOT / "README.md").read_text())


def test_every_relative_link_leads_to_a_file_in_the_repository():
    for document in DOCUMENTS:
        for target in MARKDOWN_LINK.findall(document.read_text()):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            path = (document.parent / target.partition("#")[0]).resolve()
            assert path.is_relative_to(ROOT) and path.exists(), f"{document.name} links to {target}"


def test_every_cited_section_exists():
    sections = set(section_numbers())
    cited = 0
    for path in sources():
        for line in path.read_text().splitlines():
            if "CONVENTIONS" in line:
                for number in re.findall(r"§(\d+)", line):
                    cited += 1
                    assert int(number) in sections, f"{path.relative_to(ROOT)} cites CONVENTIONS §{number}: {line.strip()}"
    assert cited > 0


def test_nothing_cites_a_document_outside_the_repository():
    this_file = Path(__file__).resolve()
    for path in sources():
        if path == this_file:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not OUTSIDE_DOCUMENT.search(line), f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
