"""Constants and small helpers shared by the test modules.

Kept out of ``conftest.py`` so that test modules can import them by name.
"""

from __future__ import annotations

import datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_TITLE = "The Role of Interventional Radiology in Deep Vein Thrombosis Treatment"
BUNDLED_SLUG = "the-role-of-interventional-radiology-in-deep-vein-thrombosis-treatment"


def line_of(text: str, needle: str) -> int:
    """The 1-based number of the first line containing ``needle``."""
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} is not in the document")


def retitled(text: str, title: str) -> str:
    """The document under another title (first line and repeated title line)."""
    assert text.count(BUNDLED_TITLE) == 2
    return text.replace(BUNDLED_TITLE, title)


def make_article(parent, title="Clots explained", **fields):
    """A minimal live article under ``parent``, for comment and API tests."""
    from wagtail_dvt.models import get_article_model

    page = get_article_model()(
        title=title,
        author="Dr. Vein",
        date=datetime.date(2024, 3, 1),
        body=[],
        **fields,
    )
    parent.add_child(instance=page)
    return page


def keys_in(data):
    """Every dict key anywhere in a JSON document."""
    if isinstance(data, dict):
        return set(data) | {key for value in data.values() for key in keys_in(value)}
    if isinstance(data, list):
        return {key for value in data for key in keys_in(value)}
    return set()


def home_page_model():
    """The site's home page model: the demo's, or the swapped test site's
    (``tests/swapped/home``, on its custom base page)."""
    from django.apps import apps

    return apps.get_model("home", "HomePage")
