"""Hangul is drawn: fontconfig has a Korean font (scripts/bootstrap.sh installs fonts-nanum), and Graphviz draws a diagram's Hangul in it."""

import re
import shutil
import subprocess

import pytest

from graphlib.render import FONT

FC_MATCH = shutil.which("fc-match")
DOT = shutil.which("dot")
pytestmark = pytest.mark.skipif(not (FC_MATCH and DOT), reason="fontconfig and Graphviz come with `make test`")


def korean_font():
    """(family, PostScript name) of the font fontconfig gives for Korean text."""
    found = subprocess.run([FC_MATCH, "--format=%{family[0]}\n%{postscriptname}\n%{lang}", ":lang=ko"],
                           capture_output=True, text=True, check=True).stdout
    family, postscript_name, languages = found.split("\n")
    assert "ko" in languages.split("|"), (
        f"fontconfig's best font for Korean, {family}, does not cover Korean: scripts/bootstrap.sh installs fonts-nanum")
    return family, postscript_name


def embedded_fonts(label):
    """The fonts `dot` embeds in a PDF of one node labelled `label`, in the diagrams' font list."""
    source = f'digraph {{ node [fontname="{FONT}"]; a [label="{label}"] }}'
    pdf = subprocess.run([DOT, "-Tpdf"], input=source.encode(), capture_output=True, check=True, timeout=30).stdout
    # Subset fonts are named with six capitals and a plus: /BaseFont /YLSVDP+NanumGothic.
    return set(re.findall(rb"/BaseFont /(?:[A-Z]{6}\+)?([^\s/]+)", pdf))


def test_fontconfig_has_a_font_for_korean():
    family, postscript_name = korean_font()
    assert family and postscript_name


def test_graphviz_draws_hangul_in_the_korean_font():
    _family, postscript_name = korean_font()
    assert postscript_name.encode() in embedded_fonts("회로")  # 회로 (circuit), drawn with its glyphs, not boxes


def test_latin_text_keeps_its_own_font():
    _family, postscript_name = korean_font()
    latin = embedded_fonts("x * y")
    assert latin and postscript_name.encode() not in latin
