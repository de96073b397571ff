"""Every message of every domain has its Korean: extracted afresh from the source, as scripts/translations.py does."""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from graphlib.errors import ValueInputError
from graphlib.i18n import DOMAINS, LANGUAGES, catalogue, use_language, _

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("translations", ROOT / "scripts" / "translations.py")
translations = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(translations)

TRANSLATED = [language for language in LANGUAGES if language != "en"]


def _catalogue_of(domain, language):
    """The domain's catalogue for `language`; a failure naming what is missing where there is none."""
    missing = [path for path in (translations.config_path(domain), translations.po_path(domain, language))
               if not path.exists()]
    if missing:
        pytest.fail(f"the {domain} domain has no {', '.join(str(path.relative_to(ROOT)) for path in missing)}")
    with open(translations.po_path(domain, language), "rb") as po:
        return translations.read_po(po, locale=language, domain=domain)


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_has_a_translation(domain, language):
    """Missing from the .po, empty, or fuzzy (a changed message's old translation, to review)."""
    translated = _catalogue_of(domain, language)
    template = translations.template(domain)
    untranslated = []
    for message in template:
        if not message.id:
            continue
        entry = translated.get(message.id, message.context)
        if entry is None or not entry.string or entry.fuzzy:
            untranslated.append(f"{message.locations[0][0]}: {message.id!r}")
    assert not untranslated, (f"{len(untranslated)} of the {domain} domain's {len(template) } messages have no "
                              f"{language} translation; run `python scripts/translations.py` and translate them "
                              "in " + str(translations.po_path(domain, language).relative_to(ROOT)) + ":\n"
                              + "\n".join(untranslated))


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", TRANSLATED)
def test_a_translation_has_the_placeholders_of_its_message(domain, language):
    translated = _catalogue_of(domain, language)
    different = [f"{entry.id!r} -> {entry.string!r}" for entry in translated
                 if entry.id and entry.string
                 and translations.placeholders(entry.id) != translations.placeholders(entry.string)]
    assert not different


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", TRANSLATED)
def test_the_mo_is_the_compilation_of_the_po(domain, language):
    _catalogue_of(domain, language)
    mo = translations.mo_path(domain, language)
    assert mo.exists() and mo.read_bytes() == translations.compiled(domain, language), (
        f"{mo.relative_to(ROOT)} is stale: run `python scripts/translations.py {domain}`")


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_marked_message_is_a_literal_string(domain):
    """`_(f"{name} is wrong")` or `_(text)` cannot be looked up: the catalogue holds sentences (a
    table's text, marked with N_, is shown with i18n.translated)."""
    _catalogue_of(domain, TRANSLATED[0])
    assert translations.non_literal_calls(domain) == []


def test_no_file_is_in_two_domains():
    files = {}
    for domain in DOMAINS:
        for name, _method, _options in translations.domain_files(domain):
            files.setdefault(name, []).append(domain)
    assert {name: domains for name, domains in files.items() if len(domains) > 1} == {}


def test_every_python_file_of_the_service_is_in_a_domain():
    """graphlib's modules and app.py, i18n.py too (its refusal of a language is a message)."""
    listed = {name for domain in DOMAINS for name, _method, _options in translations.domain_files(domain)}
    python_files = {"app.py", *(path.relative_to(ROOT).as_posix() for path in (ROOT / "graphlib").rglob("*.py"))}
    assert python_files - listed == set()


@pytest.mark.parametrize("message, placeholders", [
    ("%(name)s must be a number.", ["%(name)s"]),
    ("100%% of %(count)d gates", ["%%", "%(count)d"]),
    ("No parameters at all.", []),
])
def test_placeholders_are_the_conversions_python_fills_in(message, placeholders):
    assert translations.placeholders(message) == placeholders


def test_the_check_command_passes_on_the_committed_catalogues():
    """What a contributor runs before committing: no problem in any domain with a catalogue."""
    result = subprocess.run([sys.executable, "scripts/translations.py", "--check"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_english_is_the_source_and_korean_comes_from_the_catalogue():
    with use_language("en"):
        assert _("No parameters at all.") == "No parameters at all."
    assert catalogue("en").gettext("anything") == "anything"
    with pytest.raises(ValueInputError, match="lang must be one of en, ko; got 'fr'"):
        with use_language("fr"):
            pass


def test_a_catalogue_entry_is_one_sentence_with_its_values_as_parameters():
    """No message of the `messages` domain is pasted together: its values come in as %(name)s."""
    translated = _catalogue_of("messages", "ko")
    for entry in translated:
        if entry.id:
            assert not re.search(r"\{\w+\}", entry.id), f"{entry.id!r} looks like an f-string's template"
