from wagtail.models import Page

from wagtail_dvt.models import get_article_model


class HomePage(Page):
    """The demo site's root page: an index of the imported articles."""

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
