"""A message in English and the language in use into the text shown: as written, or from a catalogue.

Every sentence a person reads (errors, notes, the gates' intuitions, the page) is written in English
in the code, marked for translation, and looked up in `translations/<language>/LC_MESSAGES/<domain>.mo`:

    raise ValueInputError(_("%(name)s must be a number.", name=name), field=name)

Values go in as `%(name)s` parameters, never pasted into the message, so that a catalogue holds one
entry per sentence and a translator can move them. A table built when a module is imported marks its
sentences with `N_` and translates them where it shows them, in the language of the moment.

Three domains, by the source file a sentence is written in: `messages` for what the service says
about its input (errors, limits), `lessons` for what a circuit teaches (the gates' intuitions, the
chain-rule rows, the notes), `page` for the template and the page's scripts. `_` looks in the first
two. The language is a context variable: a request, a command line or a notebook cell sets it with
`use_language`; it is English otherwise.
"""

import contextvars
import functools
import unicodedata
from contextlib import contextmanager
from pathlib import Path

from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from .errors import ValueInputError

# Each language spoken, by its code, named in its own language (the page's language menu): adding a
# language is a line here and its catalogues.
LANGUAGE_NAMES = {"en": "English", "ko": "한국어"}
LANGUAGES = tuple(LANGUAGE_NAMES)
DEFAULT_LANGUAGE = "en"
CATALOGUES = Path(__file__).parent / "translations"
DOMAINS = ("messages", "lessons", "page")
PYTHON_DOMAINS = ("messages", "lessons")

_language = contextvars.ContextVar("language", default=DEFAULT_LANGUAGE)


@functools.cache
def catalogue(language):
    """The translations into `language` of the Python code's domains, in one catalogue (English, the
    language the code is written in, translates to itself)."""
    if language == DEFAULT_LANGUAGE:
        return NullTranslations()
    merged = Translations()
    for domain in PYTHON_DOMAINS:
        merged.merge(Translations.load(str(CATALOGUES), [language], domain))
    return merged


def _(message, **params):
    """`message` in the language in use, with its `%(name)s` parameters filled in."""
    text = _look_up(message)
    return text % params if params else text


def N_(message):
    """`message` marked for the catalogue and left as it is: a table's text, translated where it is shown."""
    return message


def translated(text):
    """A table's text, marked with N_, in the language in use where it is shown ("" stays "", which
    gettext would give as the catalogue's header). Not `_`, whose message the catalogue is extracted
    from, so a literal."""
    return _look_up(text) if text else ""


def _look_up(message):
    # Not a call named gettext, which the messages domain's extraction (this file is one of its)
    # would read as a message given something other than a literal.
    look_up = catalogue(_language.get()).gettext
    return look_up(message)


def current_language():
    """The language messages are given in now."""
    return _language.get()


def language_named(given):
    """`given` if it is one of LANGUAGES, else a refusal naming the field `lang` (a link's, a JSON
    body's, a notebook's keyword), in the language in use."""
    if given not in LANGUAGES:
        raise ValueInputError(_("%(name)s must be one of %(choices)s; got %(given)s.", name="lang",
                                choices=", ".join(LANGUAGES), given=repr(str(given)[:40])), field="lang")
    return given


def display_width(text):
    """How many columns `text` takes in a terminal or a monospaced line: two for a wide character
    (Hangul, CJK), so that Korean lines wrap and line up as English ones do."""
    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


@contextmanager
def use_language(language):
    """Give messages in `language` (one of LANGUAGES) inside the `with` block."""
    token = _language.set(language_named(language))
    try:
        yield
    finally:
        _language.reset(token)


@functools.cache
def page_catalogue(language):
    """The translations into `language` of the page's scripts' messages (the `page` domain's from
    static/js), as a dict msgid -> text: what static/js/i18n.js looks them up in. The template's own
    messages stay out (Flask-Babel translates them on the server). Empty for English, which the
    scripts are written in."""
    if language == DEFAULT_LANGUAGE:
        return {}
    with open(CATALOGUES / language / "LC_MESSAGES" / "page.po", "rb") as po:
        messages = read_po(po, locale=language, domain="page")
    return {message.id: message.string for message in messages
            if message.id and message.string and not message.fuzzy
            and any(path.startswith("static/js/") for path, _line in message.locations)}
