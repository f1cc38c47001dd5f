"""A Wagtail front-end cache backend that records what it is asked to purge.

It goes through Wagtail's real purge path (``PurgeBatch`` and
``purge_urls_from_cache``); only the HTTP call to a CDN is replaced.
"""

from wagtail.contrib.frontend_cache.backends import BaseBackend

PURGED: list[str] = []


class RecordingBackend(BaseBackend):
    def purge(self, url):
        PURGED.append(url)
