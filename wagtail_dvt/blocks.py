from django.core.exceptions import ValidationError
from django.utils.text import slugify
from wagtail import blocks
from wagtailmarkdown.blocks import MarkdownBlock

from .markdown import render_section_markdown


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


def section_representation(heading, content, anchor=None):
    """A section as the API shows it; the anchor defaults to the heading's own."""
    return {
        "heading": heading,
        "anchor": anchor or section_anchors([heading])[0],
        "content": content,
        "html": str(render_section_markdown(content)),
    }


class SectionBlock(blocks.StructBlock):
    """A heading with Markdown paragraphs below it: one part of an article."""

    heading = blocks.CharBlock(max_length=255)
    # wagtail-markdown's block edits with its EasyMDE widget (toolbar, preview).
    content = MarkdownBlock(help_text="Markdown. Separate paragraphs by a blank line.")

    class Meta:
        icon = "doc-full"
        label = "Section"
        # The heading labels a collapsed section in the editor.
        label_format = "{heading}"
        template = "wagtail_dvt/blocks/section.html"
        preview_value = {
            "heading": "Understanding Deep Vein Thrombosis",
            "content": "A blood clot in one of the body's deep veins, "
            "usually in the legs.\n\nIt can travel to the lungs.",
        }
        preview_description = "A heading with Markdown paragraphs below it."

    empty_messages = {
        "heading": "Give this section a heading; readers see it in the contents.",
        "content": "Write some text for this section, or remove the section.",
    }

    def clean(self, value):
        # Replaces "This field is required." with messages that say what to do.
        # Drafts may be saved incomplete (Wagtail defers required checks).
        if not self.is_deferred_validation:
            errors = {
                name: ValidationError(message, code="required")
                for name, message in self.empty_messages.items()
                if not str(value.get(name) or "").strip()
            }
            if errors:
                raise blocks.StructBlockValidationError(block_errors=errors)
        return super().clean(value)

    def get_api_representation(self, value, context=None):
        return section_representation(value["heading"], value["content"])


class ArticleStreamBlock(blocks.StreamBlock):
    """The body of an :class:`~wagtail_dvt.models.ArticlePage`."""

    section = SectionBlock()
