from tests.swapped.basepage.models import SitePage
from wagtail_dvt.models import get_article_model


class HomePage(SitePage):
    """The site's root page, as the demo's, on the site's base page model."""

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["articles"] = (
            get_article_model()
            .objects.live()
            .public()
            .descendant_of(self)
            .order_by("-date", "title")
        )
        return context
