from django.db import models
from wagtail.models import AbstractPage, DefaultBasePageMixin


class SitePage(AbstractPage, DefaultBasePageMixin):
    """The site's base page model (``WAGTAIL_PAGE_MODEL``), with a field of its own.

    Not named ``BasePage`` as in Wagtail's guide: on Wagtail 8.0 that name's
    API v3 schema, ``BasePageMetaSchema``, collides with Wagtail's own schema
    of that name, and ``/api/v3/openapi.json`` then types every page listing's
    ``meta.type`` as ``"basepage.BasePage"`` (the suite's schemathesis test
    found it). A Wagtail bug, not the plugin's; see docs/custom-article-model.md.
    """

    category = models.CharField(max_length=100, blank=True)

    search_fields = AbstractPage.search_fields + DefaultBasePageMixin.search_fields
    promote_panels = DefaultBasePageMixin.promote_panels + ["category"]
