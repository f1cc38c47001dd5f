"""``--parent`` and ``--locale`` in bilingual and multi-Site trees (issue 11).

The parent is found as Wagtail routes a request: the Site by host and port,
the root's translation for the ``i18n_patterns`` language prefix, then the
path under that root.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings
from dvt_testing import BUNDLED_SLUG, home_page_model
from wagtail.models import Locale, Site

from wagtail_dvt.importer import ParentPageError, import_document
from wagtail_dvt.models import get_article_model, get_base_page_model

ArticlePage = get_article_model()
Page = get_base_page_model()
HomePage = home_page_model()

LANGUAGES = [("en", "English"), ("fr", "French")]
MIDDLEWARE = [
    *settings.MIDDLEWARE[:2],
    "django.middleware.locale.LocaleMiddleware",
    *settings.MIDDLEWARE[2:],
]


@pytest.fixture
def bilingual(root_page):
    """en and fr Locales, the French home a translation of the English one,
    and pages served under ``/en/`` and ``/fr/``."""
    with override_settings(
        WAGTAIL_I18N_ENABLED=True,
        LANGUAGE_CODE="en",
        LANGUAGES=LANGUAGES,
        WAGTAIL_CONTENT_LANGUAGES=LANGUAGES,
        ROOT_URLCONF="dvt_i18n_urls",
        MIDDLEWARE=MIDDLEWARE,
    ):
        english = Locale.objects.get_or_create(language_code="en")[0]
        Page.objects.filter(depth__gt=1).update(locale=english)
        french = Locale.objects.create(language_code="fr")
        root_page.refresh_from_db()
        french_home = root_page.copy_for_translation(french)
        french_home.save_revision().publish()
        yield root_page, Page.objects.get(pk=french_home.pk).specific


def test_a_language_prefixed_path_imports_into_the_translated_tree(
    bilingual, run_import, client
):
    english_home, french_home = bilingual

    run_import("--parent", "/fr/")

    article = ArticlePage.objects.get()
    assert article.get_parent().pk == french_home.pk
    assert article.locale.language_code == "fr"
    assert client.get(f"/fr/{BUNDLED_SLUG}/").status_code == 200
    assert client.get(f"/en/{BUNDLED_SLUG}/").status_code == 404


def test_a_prefixed_path_below_the_translated_root(bilingual, run_import):
    english_home, french_home = bilingual
    blog = french_home.add_child(instance=HomePage(title="Le blog", slug="blog"))
    english_home.add_child(instance=HomePage(title="Blog", slug="blog"))

    run_import("--parent", "/fr/blog/")

    assert ArticlePage.objects.get().get_parent().pk == blog.pk


def test_locale_imports_under_the_parents_translation(bilingual, run_import):
    english_home, french_home = bilingual

    run_import("--parent", "/", "--locale", "fr")

    assert ArticlePage.objects.get().get_parent().pk == french_home.pk


def test_a_locale_without_a_translation_is_a_clear_error(
    bilingual, run_import, db_counts
):
    english_home, _ = bilingual
    Locale.objects.create(language_code="de")
    before = db_counts()
    with override_settings(
        LANGUAGES=[*LANGUAGES, ("de", "German")],
        WAGTAIL_CONTENT_LANGUAGES=[*LANGUAGES, ("de", "German")],
    ):
        run = run_import("--parent", "/", "--locale", "de", expect_error=True)
    assert str(run.error) == (
        f"{english_home.title!r} has no translation in the locale 'de'; "
        "translate it first, or give the translated page as --parent"
    )
    assert db_counts() == before


@pytest.fixture
def second_site(root_page):
    tree_root = Page.get_first_root_node()
    home = tree_root.add_child(instance=HomePage(title="B home", slug="b-home"))
    Site.objects.create(hostname="b.localhost", port=80, root_page=home)
    return home


@pytest.mark.parametrize("url", ["http://b.localhost/", "http://b.localhost"])
def test_a_url_imports_under_that_sites_root(second_site, url, run_import):
    run_import("--parent", url)

    assert ArticlePage.objects.get().get_parent().pk == second_site.pk


def test_a_url_path_under_a_second_site(second_site, root_page, run_import):
    blog = second_site.add_child(instance=HomePage(title="Blog", slug="blog"))
    root_page.add_child(instance=HomePage(title="Other blog", slug="blog"))

    run_import("--parent", "http://b.localhost/blog/")

    assert ArticlePage.objects.get().get_parent().pk == blog.pk


def test_a_url_chooses_the_site_by_port(second_site, run_import):
    tree_root = Page.get_first_root_node()
    other = tree_root.add_child(instance=HomePage(title="B 8080", slug="b-8080"))
    Site.objects.create(hostname="b.localhost", port=8080, root_page=other)

    run_import("--parent", "http://b.localhost:8080/")

    assert ArticlePage.objects.get().get_parent().pk == other.pk


def test_a_host_no_site_serves_is_an_error(second_site, run_import, db_counts):
    before = db_counts()
    run = run_import("--parent", "https://typo.example.com/", expect_error=True)
    assert "no Site serves the host 'typo.example.com'" in str(run.error)
    assert db_counts() == before


def test_a_parent_type_that_refuses_articles_says_what_to_add(
    root_page, monkeypatch, run_import, db_counts
):
    # As bakerydemo's BlogIndexPage does, with subpage_types of its own.
    monkeypatch.setattr(HomePage, "subpage_types", ["home.HomePage"], raising=False)
    monkeypatch.setattr(HomePage, "_clean_subpage_models", None)
    before = db_counts()

    run = run_import("--parent", "/", expect_error=True)

    assert str(run.error) == (
        f"article pages are not allowed under {root_page.title!r}: its page type "
        "home.HomePage does not allow them in subpage_types; add "
        f"'{ArticlePage._meta.label}' to HomePage.subpage_types, or give another "
        "--parent"
    )
    assert db_counts() == before


def test_a_parent_the_article_model_refuses_says_what_to_add(root_page, monkeypatch):
    monkeypatch.setattr(
        ArticlePage, "parent_page_types", [Page._meta.label], raising=False
    )
    monkeypatch.setattr(ArticlePage, "_clean_parent_page_models", None)

    with pytest.raises(ParentPageError) as error:
        import_document(parent=root_page)

    assert f"{ArticlePage._meta.label}.parent_page_types does not list" in str(
        error.value
    )
    assert "add 'home.HomePage' to it" in str(error.value)
