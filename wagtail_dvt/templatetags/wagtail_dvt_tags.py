from django import template

from ..markdown import render_section_markdown

register = template.Library()


@register.filter
def section_markdown(text):
    """Render a section's Markdown; see :mod:`wagtail_dvt.markdown`."""
    return render_section_markdown(text)
