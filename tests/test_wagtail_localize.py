"""Translating an article with wagtail-localize keeps each page's comments its own.

wagtail-localize synchronises a page's child relations that are not
translatable into every translation, on each sync. It needs its own apps and
tables, so this runs in a separate process with ``dvt_localize_settings``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest
from dvt_testing import REPO_ROOT

pytestmark = pytest.mark.slow

SCRIPT = """
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from wagtail.models import Locale, Site
from wagtail_localize.models import TranslationSource
from wagtail_dvt.importer import BUNDLED_DOCUMENT, import_document
from wagtail_dvt.models import ArticlePage, Comment

french = Locale.objects.create(language_code="fr")
home = Site.objects.get(is_default_site=True).root_page.specific
source, _ = TranslationSource.get_or_create_from_instance(home)
source.create_or_update_translation(french, fallback=True)

result = import_document(BUNDLED_DOCUMENT, parent=home)
article = ArticlePage.objects.get(pk=result.page_id)
Comment.objects.create(
    page=article, author_name="Hidden", body="Spam", email="p@example.com",
    status="spam",
)
english = sorted(article.reader_comments.values_list("pk", flat=True))
source, _ = TranslationSource.get_or_create_from_instance(article)
translation, _ = source.create_or_update_translation(french, fallback=True)
first_sync = list(
    Comment.objects.filter(page=translation).values_list("author_name", flat=True)
)

Comment.objects.create(
    page=translation, author_name="Anne", body="Merci", status="approved"
)
article.save_revision().publish()
source.update_from_db()
translation, _ = source.create_or_update_translation(french, fallback=True)
print(json.dumps({
    "locale": translation.locale.language_code,
    "translation_of": translation.translation_key == article.translation_key,
    "first_sync": first_sync,
    "after_resync": list(
        Comment.objects.filter(page=translation).values_list("author_name", flat=True)
    ),
    "english_unchanged": sorted(
        article.reader_comments.values_list("pk", flat=True)
    ) == english,
}))
"""


def test_wagtail_localize_keeps_each_translations_comments():
    assert importlib.util.find_spec("wagtail_localize"), (
        "wagtail-localize is missing: install wagtail-dvt[testing]"
    )
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DJANGO_SETTINGS_MODULE": "dvt_localize_settings",
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "tests")]),
    }
    result = subprocess.run(  # noqa: S603 - a fixed script
        [sys.executable, "-c", SCRIPT],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {
        "locale": "fr",
        "translation_of": True,
        "first_sync": [],
        "after_resync": ["Anne"],
        "english_unchanged": True,
    }
