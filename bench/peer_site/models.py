"""An article page as a site using django-comments-xtd would write it.

The body is a StreamField of headings and wagtail-markdown blocks; comments
are xtd's, attached to the page by content type and id. ``comments_per_page``
switches on the few lines of site code that paginate them (xtd's template
tags render every comment); ``threads_per_page`` paginates by top-level
comment instead, with each page holding its threads whole, as wagtail-dvt's
pages do.
"""

from django.core.paginator import Paginator
from django.db import models
from wagtail import blocks
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtailmarkdown.blocks import MarkdownBlock


class XtdArticlePage(Page):
    author = models.CharField(max_length=255)
    date = models.DateField()
    body = StreamField([("heading", blocks.CharBlock()), ("markdown", MarkdownBlock())])
    comments_per_page = models.PositiveIntegerField(default=0)
    threads_per_page = models.PositiveIntegerField(default=0)

    template = "peer_site/xtd_article_page.html"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        if self.comments_per_page or self.threads_per_page:
            # As xtd's render_xtdcomment_tree tag selects them, one page at a time.
            from django.db.models import Prefetch
            from django_comments.models import CommentFlag
            from django_comments_xtd.models import (
                DISLIKEDIT_FLAG,
                LIKEDIT_FLAG,
                XtdComment,
            )
            from django_comments_xtd.utils import get_current_site_id

            flags = [CommentFlag.SUGGEST_REMOVAL, LIKEDIT_FLAG, DISLIKEDIT_FLAG]
            comments = (
                XtdComment.objects.for_model(self)
                .filter(is_public=True, site__pk=get_current_site_id(request))
                .prefetch_related(
                    Prefetch(
                        "flags", queryset=CommentFlag.objects.filter(flag__in=flags)
                    )
                )
            )
            number = request.GET.get("comments_page")
            if self.threads_per_page:
                # A page of threads: its top-level comments, then all of theirs.
                page = Paginator(comments.filter(level=0), self.threads_per_page)
                page = page.get_page(number)
                shown = comments.filter(
                    thread_id__in=[top.thread_id for top in page.object_list]
                )
            else:
                page = Paginator(comments, self.comments_per_page).get_page(number)
                shown = page.object_list
            context["comment_page"] = page
            context["comment_tree"] = XtdComment.tree_from_queryset(
                shown, user=request.user
            )
        return context
