"""Wagtail ``frontend_cache`` backends that also purge by tag or by prefix.

A front-end may read an article's comments under any query string
(``?article=4&order=posted_at&limit=20``, in any order): no list of URLs
covers them all. Every API read of an article carries the surrogate key
``wagtail-dvt-article-<id>`` (see :mod:`wagtail_dvt.conditional`), and when
its comments change, :mod:`wagtail_dvt.cache` asks each backend that can to
purge those keys (``purge_tags``) or, failing that, every URL under the
article's paths (``purge_prefixes``). Wagtail's own backends purge exact URLs
only; these subclasses add the rest. Set up in ``docs/deployment.md``.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit
from urllib.request import urlopen

import requests
from wagtail.contrib.frontend_cache.backends import cloudflare, cloudfront, http

logger = logging.getLogger(__name__)


class CloudflareBackend(cloudflare.CloudflareBackend):
    """Wagtail's Cloudflare backend, purging ``Cache-Tag`` values too."""

    TAGS_PER_CALL = 30

    def purge_tags(self, tags):
        for start in range(0, len(tags), self.TAGS_PER_CALL):
            self._purge({"tags": tags[start : start + self.TAGS_PER_CALL]})

    def _purge(self, data):
        headers = {"Content-Type": "application/json"}
        if self.cloudflare_token:
            headers["Authorization"] = f"Bearer {self.cloudflare_token}"
        else:
            headers["X-Auth-Email"] = self.cloudflare_email
            headers["X-Auth-Key"] = self.cloudflare_api_key
        try:
            response = requests.post(
                self.cloudflare_purge_endpoint_url,
                json=data,
                headers=headers,
                timeout=30,
            )
            response.raise_for_status()
        except requests.RequestException:
            logger.exception("Couldn't purge %s from Cloudflare", data)


class CloudfrontBackend(cloudfront.CloudfrontBackend):
    """Wagtail's CloudFront backend, invalidating ``<path>*`` for a prefix.

    CloudFront has no surrogate keys; a trailing ``*`` invalidates the path
    under every query string.
    """

    def purge_prefixes(self, urls):
        paths = sorted({(urlsplit(url).path or "/") + "*" for url in urls})
        if paths and self.cloudfront_distribution_id:
            self._create_invalidation(self.cloudfront_distribution_id, paths)


class VarnishBackend(http.HTTPBackend):
    """Wagtail's HTTP (Varnish) backend, purging surrogate keys with vmod-xkey.

    Sends one ``PURGE /`` with an ``xkey-purge`` header listing the keys; the
    VCL in ``docs/deployment.md`` turns it into ``xkey.purge()``.
    """

    def purge_tags(self, tags):
        request = http.PurgeRequest(
            url=urlunsplit([self.cache_scheme, self.cache_netloc, "/", "", ""]),
            headers={"xkey-purge": " ".join(tags), "User-Agent": "wagtail-dvt"},
        )
        try:
            urlopen(request)  # noqa: S310 - the scheme is the configured LOCATION's
        except OSError:
            logger.exception("Couldn't purge keys %s from Varnish", tags)
