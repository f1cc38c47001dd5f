"""Links in a reader's comment, made as Django's ``urlize`` makes them.

Django 6.1 deprecates ``urlize``'s guess of ``http://`` for bare domains such
as ``www.example.com`` (``URLIZE_ASSUME_HTTPS``, Django 2028), and warns from
the caller's code on each one unless the site opts in. This urlizer links bare
domains with ``https://`` on every supported Django, which is Django 2028's
behaviour and what readers' browsers would pick, and leaves everything else
(full URLs, email addresses, escaping, punctuation) to Django.
"""

from __future__ import annotations

import html

from django.utils.html import MAX_URL_LENGTH, Urlizer, escape, smart_urlquote
from django.utils.safestring import SafeString


class HttpsUrlizer(Urlizer):
    """Django's urlizer, with ``https://`` for links that name no scheme."""

    def handle_word(self, word, *, safe_input, trim_url_limit=None, **kwargs):
        if "." in word:
            lead, middle, trail = self.trim_punctuation(word)
            if (
                len(middle) <= MAX_URL_LENGTH
                and not self.simple_url_re.match(middle)
                and self.simple_url_2_re.match(middle)
            ):
                url = smart_urlquote(f"https://{html.unescape(middle)}")
                trimmed = self.trim_url(middle, limit=trim_url_limit)
                if kwargs.get("autoescape") and not safe_input:
                    lead, trail, trimmed = escape(lead), escape(trail), escape(trimmed)
                attrs = ' rel="nofollow"' if kwargs.get("nofollow") else ""
                link = self.url_template.format(
                    href=escape(url), attrs=attrs, url=trimmed
                )
                return SafeString(f"{lead}{link}{trail}")
        return super().handle_word(
            word, safe_input=safe_input, trim_url_limit=trim_url_limit, **kwargs
        )


_urlizer = HttpsUrlizer()


def urlize(text, *, nofollow=False, autoescape=True):
    """``text`` with its web and email addresses as links (escaped by default)."""
    return _urlizer(text, nofollow=nofollow, autoescape=autoescape)


__all__ = ["HttpsUrlizer", "urlize"]
