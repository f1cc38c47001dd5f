"""A Wagtail front-end cache backend that records what it is asked to purge.

It goes through Wagtail's real purge path (``PurgeBatch`` and
``purge_urls_from_cache``); only the HTTP call to a CDN is replaced.
"""

from wagtail.contrib.frontend_cache.backends import BaseBackend

PURGED: list[str] = []


class RecordingBackend(BaseBackend):
    def purge(self, url):
        PURGED.append(url)


TAGS: list[str] = []
PREFIXES: list[str] = []


class TagRecordingBackend(RecordingBackend):
    """Purges by surrogate key too, as ``wagtail_dvt.frontend_cache``'s
    Cloudflare and Varnish backends do."""

    def purge_tags(self, tags):
        TAGS.extend(tags)


class PrefixRecordingBackend(RecordingBackend):
    """Purges by prefix too, as ``wagtail_dvt.frontend_cache``'s CloudFront
    backend does."""

    def purge_prefixes(self, urls):
        PREFIXES.extend(urls)
