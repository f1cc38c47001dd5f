from django.utils.text import slugify
from wagtail import blocks
from wagtailmarkdown.blocks import MarkdownBlock
from wagtailmarkdown.utils import render_markdown


def section_anchors(headings):
    """Return one unique, URL-safe anchor per heading, in order.

    Headings repeat in real articles ("Summary"), so later duplicates get a
    numeric suffix; empty slugs (all punctuation or emoji) fall back to
    ``section-N``.
    """
    anchors, seen = [], set()
    for number, heading in enumerate(headings, start=1):
        base = slugify(heading, allow_unicode=True) or f"section-{number}"
        anchor, suffix = base, 2
        while anchor in seen:
            anchor, suffix = f"{base}-{suffix}", suffix + 1
        seen.add(anchor)
        anchors.append(anchor)
    return anchors


class SectionBlock(blocks.StructBlock):
    """A heading with Markdown paragraphs below it: one part of an article."""

    heading = blocks.CharBlock(max_length=255)
    content = MarkdownBlock(help_text="Markdown. Separate paragraphs by a blank line.")

    class Meta:
        icon = "doc-full"
        label = "Section"
        label_format = "{heading}"
        template = "wagtail_dvt/blocks/section.html"
        preview_value = {
            "heading": "Understanding Deep Vein Thrombosis",
            "content": "A blood clot in one of the body's deep veins, "
            "usually in the legs.\n\nIt can travel to the lungs.",
        }

    def get_api_representation(self, value, context=None):
        return {
            "heading": value["heading"],
            "anchor": section_anchors([value["heading"]])[0],
            "content": value["content"],
            "html": str(render_markdown(value["content"])),
        }


class ArticleStreamBlock(blocks.StreamBlock):
    """The body of an :class:`~wagtail_dvt.models.ArticlePage`."""

    section = SectionBlock()
