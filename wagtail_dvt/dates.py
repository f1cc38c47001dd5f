"""Dates and times as the current language writes them, fast enough for long lists.

Django's ``date`` filter parses its format string and translates month names
on every call; a page of comments calls it once per comment. These helpers do
the same formatting with the work that depends only on the language done once.
"""

import datetime
import functools

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import dateformat, formats, timezone, translation
from django.utils.dates import MONTHS, MONTHS_ALT, MONTHS_AP

# Format characters that print a month's name; their words are looked up once
# per language (see _parsed_datetime_format).
_MONTH_NAMES = {"F": MONTHS, "N": MONTHS_AP, "E": MONTHS_ALT}
# Format characters that print a number, written here without a DateFormat.
_NUMBERS = {
    "d": lambda value: f"{value.day:02d}",
    "j": lambda value: str(value.day),
    "m": lambda value: f"{value.month:02d}",
    "n": lambda value: str(value.month),
    "Y": lambda value: f"{value.year:04d}",
    "y": lambda value: f"{value.year % 100:02d}",
    "H": lambda value: f"{value.hour:02d}",
    "G": lambda value: str(value.hour),
    "i": lambda value: f"{value.minute:02d}",
    "s": lambda value: f"{value.second:02d}",
}
# Django reloads its translations and formats when these change; so must we.
_SETTINGS_THAT_CHANGE_FORMATS = formats.FORMAT_SETTINGS | {
    "FORMAT_MODULE_PATH",
    "LANGUAGE_CODE",
    "LANGUAGES",
    "LOCALE_PATHS",
    "USE_I18N",
}


@functools.cache
def _parsed_datetime_format(language):
    """The locale's ``DATETIME_FORMAT`` in ``language``, parsed once.

    A list of ``(kind, value)``: literal text, a month-name table, a number
    function, the words of "a.m."/"p.m." (format ``P``, as in English), or a
    :class:`~django.utils.dateformat.DateFormat` method name for the rest.
    Parsing the format and translating words for every comment shown cost
    more than the rest of a comment's rendering; this keeps Django's formats
    (and a site's ``FORMAT_MODULE_PATH``) at the cost of dictionary lookups.
    """
    with translation.override(language):
        pattern = str(formats.get_format("DATETIME_FORMAT", language))
        parts = []
        for index, piece in enumerate(dateformat.re_formatchars.split(pattern)):
            if index % 2 == 0:
                if piece:
                    parts.append(("text", dateformat.re_escaped.sub(r"\1", piece)))
            elif piece in _MONTH_NAMES:
                names = {
                    number: str(name) for number, name in _MONTH_NAMES[piece].items()
                }
                parts.append(("month", names))
            elif piece in _NUMBERS:
                parts.append(("number", _NUMBERS[piece]))
            elif piece == "P":
                parts.append(("P", _p_words()))
            else:
                parts.append(("method", piece))
        return parts


def _p_words():
    """Django's own words for midnight, noon, a.m. and p.m., in this language."""
    at = functools.partial(datetime.datetime, 2000, 1, 1)
    return [
        str(dateformat.DateFormat(at(0, 0)).P()),
        str(dateformat.DateFormat(at(12, 0)).P()),
        str(dateformat.DateFormat(at(1, 0)).a()),
        str(dateformat.DateFormat(at(13, 0)).a()),
    ]


def _p(value, words):
    """Django's ``P``: "9 a.m.", "9:30 p.m.", "midnight" or "noon"."""
    midnight, noon, am, pm = words
    if value.minute == 0 and value.hour in (0, 12):
        return noon if value.hour else midnight
    hour = value.hour % 12 or 12
    time = f"{hour}:{value.minute:02d}" if value.minute else str(hour)
    return f"{time} {pm if value.hour > 11 else am}"


def format_datetime(value):
    """``value`` in the current time zone, in the language's ``DATETIME_FORMAT``.

    The same text as ``date_format(localtime(value), "DATETIME_FORMAT")``
    ("June 27, 2023, 9:53 p.m.", "27 juin 2023 21:53"), several times faster.
    """
    local = timezone.localtime(value)
    formatter = None
    text = []
    for kind, part in _parsed_datetime_format(translation.get_language()):
        if kind == "text":
            text.append(part)
        elif kind == "month":
            text.append(part[local.month])
        elif kind == "number":
            text.append(part(local))
        elif kind == "P":
            text.append(_p(local, part))
        else:
            formatter = formatter or dateformat.DateFormat(local)
            text.append(str(getattr(formatter, part)()))
    return "".join(text)


@receiver(setting_changed)
def _forget_parsed_datetime_formats(setting, **kwargs):
    if setting in _SETTINGS_THAT_CHANGE_FORMATS:
        _parsed_datetime_format.cache_clear()
