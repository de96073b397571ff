"""Every domain's messages extracted afresh from the source, each language's catalogue updated (Korean now), its .mo compiled.

    python scripts/translations.py           # extract, update each language's translations/<language>/LC_MESSAGES/*.po, compile
    python scripts/translations.py --check   # change nothing; list what is untranslated, stale or malformed

A domain's files are listed in graphlib/translations/<domain>.cfg (Babel's mapping-file format, the
first pattern that matches a file decides its method; `ignore` leaves it to another domain).
tests/test_translations.py runs the same checks. See docs/TRANSLATIONS.md, "How".
"""

import argparse
import contextlib
import functools
import io
import os
import re
import sys
from importlib.metadata import entry_points
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file, extract_javascript, extract_python
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.util import pathmatch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graphlib.i18n import CATALOGUES, DEFAULT_LANGUAGE, DOMAINS, LANGUAGES  # noqa: E402

# English, the language the source is written in, has no catalogue.
TRANSLATED = tuple(language for language in LANGUAGES if language != DEFAULT_LANGUAGE)
PROJECT = "backprop-circuits"
# Folders no domain's files are in: the virtualenv, caches, the vendored scripts.
SKIPPED_FOLDERS = {".venv", ".git", "node_modules", "__pycache__", ".pytest_cache", "vendor"}
# `%(name)s` and the other %-conversions Python fills in; `%%` is a percent sign.
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[sdifreEgGxXoc%]")


def config_path(domain):
    return CATALOGUES / f"{domain}.cfg"


def po_path(domain, language):
    return CATALOGUES / language / "LC_MESSAGES" / f"{domain}.po"


def mo_path(domain, language):
    return po_path(domain, language).with_suffix(".mo")


@functools.cache
def domain_files(domain):
    """(path relative to the root, method, options) for each file of `domain`, by its .cfg."""
    with open(config_path(domain), encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config, str(config_path(domain)))
    files = []
    for name in _source_files():
        for pattern, method in method_map:
            if pathmatch(pattern, name):
                if method != "ignore":
                    files.append((name, method, options_map.get(pattern, {})))
                break
    return tuple(files)


@functools.cache
def _source_files():
    """Every file under the root, relative and sorted, but in SKIPPED_FOLDERS and hidden folders."""
    names = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if name not in SKIPPED_FOLDERS and not name.startswith(".")]
        names += [Path(folder, name).relative_to(ROOT).as_posix() for name in files]
    return tuple(sorted(names))


def keywords(options):
    """The functions that mark a message in a file: Babel's (`_`, `N_`, `gettext`...) and those its
    section of the .cfg adds (`keywords = t`), as `pybabel extract` reads them."""
    return {**DEFAULT_KEYWORDS, **options.get("keywords", {})}


def template(domain):
    """The domain's messages as the source has them now: a catalogue with no translations."""
    catalog = Catalog(domain=domain, project=PROJECT, fuzzy=False)
    for name, method, options in domain_files(domain):
        for line, message, comments, context in extract_from_file(method, str(ROOT / name), keywords(options),
                                                                  ["TRANSLATORS:"], options, True):
            catalog.add(message, None, [(name, line)], auto_comments=comments, context=context)
    return catalog


def non_literal_calls(domain):
    """"file:line: why" of each `_()` (or `N_()`, `gettext()`, a .cfg's keyword) whose message is not
    a literal string: a variable, an f-string, a concatenation, `%` or `.format` (no catalogue can
    hold it; a table's text marked with N_ is shown with i18n.translated), and every warning
    Babel's extractor gives."""
    found = []
    for name, method, options in domain_files(domain):
        warnings = io.StringIO()
        with open(ROOT / name, "rb") as source, contextlib.redirect_stderr(warnings):  # Babel warns there
            for line, function, messages, _comments in _extractor(method)(source, keywords(options), [], options):
                first = messages[0] if isinstance(messages, (list, tuple)) else messages
                if not isinstance(first, str):
                    found.append(f"{name}:{line}: {function}() is given something other than a literal string")
        found += [line.replace(str(ROOT) + "/", "") for line in warnings.getvalue().splitlines() if line.strip()]
    return found


def _extractor(method):
    """Babel's extraction function for `method` ("python", "javascript", "jinja2"...), as Babel
    finds it: its own, or an installed package's entry point."""
    builtin = {"python": extract_python, "javascript": extract_javascript}
    if method in builtin:
        return builtin[method]
    return next(entry for entry in entry_points(group="babel.extractors") if entry.name == method).load()


def updated(domain, language):
    """The domain's catalogue for `language`: what its .po translates, for the messages the source
    has now (a changed message keeps its old translation, marked fuzzy for review)."""
    fresh = template(domain)
    if po_path(domain, language).exists():
        with open(po_path(domain, language), "rb") as po:
            catalog = read_po(po, locale=language, domain=domain)
        fresh.creation_date = catalog.creation_date  # a run that changes no message changes no file
    else:
        header = (f"# The {language} translations of the `{domain}` domain: see docs/TRANSLATIONS.md.\n"
                  "# `python scripts/translations.py` adds the source's new messages to it.")
        catalog = Catalog(locale=language, domain=domain, project=PROJECT, fuzzy=False, header_comment=header)
    catalog.update(fresh, update_header_comment=False)
    return catalog


def po_text(catalog):
    output = io.BytesIO()
    # Without line numbers: a catalogue changes when its messages do, not when code moves.
    write_po(output, catalog, width=100, include_lineno=False, ignore_obsolete=True)
    return output.getvalue()


def compiled(domain, language):
    """The .mo that the .po on disk compiles to."""
    with open(po_path(domain, language), "rb") as po:
        catalog = read_po(po, locale=language, domain=domain)
    output = io.BytesIO()
    write_mo(output, catalog)
    return output.getvalue()


def problems(domain, language):
    """What is wrong with the domain's catalogue for `language`, one sentence each: messages with no
    translation (missing, empty or fuzzy), placeholders that differ, a stale .mo, a `_()` call
    whose message is not a literal."""
    if not config_path(domain).exists():
        return [f"{domain}: no {config_path(domain).relative_to(ROOT)} lists its files"]
    found = non_literal_calls(domain)
    if not po_path(domain, language).exists():
        return [*found, f"{domain}: no catalogue {po_path(domain, language).relative_to(ROOT)}"]
    with open(po_path(domain, language), "rb") as po:
        translations = read_po(po, locale=language, domain=domain)
    for message in template(domain):
        if not message.id:
            continue
        where = ", ".join(name for name, _ in message.locations)
        translated = translations.get(message.id, message.context)
        if translated is None or not translated.string:
            found.append(f"{where}: no {language} translation of {message.id!r}")
        elif translated.fuzzy:
            found.append(f"{where}: the {language} translation of {message.id!r} is fuzzy (review it, then "
                         "delete the '#, fuzzy' line)")
        elif placeholders(message.id) != placeholders(translated.string):
            found.append(f"{where}: the {language} translation of {message.id!r} has the placeholders "
                         f"{placeholders(translated.string)}, the message {placeholders(message.id)}")
    if not mo_path(domain, language).exists() or mo_path(domain, language).read_bytes() != compiled(domain, language):
        found.append(f"{domain}: {mo_path(domain, language).relative_to(ROOT)} is not the compilation of its .po")
    return found


def placeholders(text):
    """The %-conversions of `text`, each once, sorted: ['%%', '%(name)s'] (a translation may use a
    value more or fewer times than its message)."""
    return sorted({match.group(0) for match in PLACEHOLDER.finditer(text)})


def update(domain, language):
    """Write the domain's .po (when its messages changed) and compile its .mo."""
    catalog = updated(domain, language)
    path = po_path(domain, language)
    text = po_text(catalog)
    if not path.exists() or _without_dates(path.read_bytes()) != _without_dates(text):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text)
    mo_path(domain, language).write_bytes(compiled(domain, language))
    untranslated = sum(1 for message in catalog if message.id and (not message.string or message.fuzzy))
    return len([message for message in catalog if message.id]), untranslated


def _without_dates(po):
    return re.sub(rb'"(POT-Creation-Date|PO-Revision-Date): [^"]*"', b"", po)


def main(arguments):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; list the problems, exit 1 if any")
    parser.add_argument("domains", nargs="*", default=DOMAINS, help=f"the domains (default: {' '.join(DOMAINS)})")
    options = parser.parse_args(arguments)
    failed = False
    for domain in options.domains:
        for language in TRANSLATED:
            if not options.check and config_path(domain).exists():
                count, untranslated = update(domain, language)
                print(f"{po_path(domain, language).relative_to(ROOT)}: {count} messages, {untranslated} to translate")
            for problem in problems(domain, language):
                failed = True
                print(problem, file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
