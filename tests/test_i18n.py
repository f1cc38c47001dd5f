"""A bilingual site: English and French trees, as ``wagtail start`` sets one up.

``i18n_patterns`` with ``LocaleMiddleware``, ``WAGTAIL_I18N_ENABLED``, the
French home a translation of the English one, and the bundled article imported
under the French home. Readers of ``/fr/...`` see no English label, read dates
as French writes them, and get French messages from the comment form; pages
translated with ``simple_translation`` keep their comments their own.
"""

from __future__ import annotations

import re
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from wagtail.models import Locale
from wagtail.users.models import UserProfile

from wagtail_dvt.comments.forms import make_form_token
from wagtail_dvt.importer import BUNDLED_DOCUMENT, import_document
from wagtail_dvt.models import Comment, CommentStatus, get_article_model

ArticlePage = get_article_model()

LANGUAGES = [("en", "English"), ("fr", "French")]

BILINGUAL = dict(  # noqa: C408 - the keyword arguments of override_settings
    ROOT_URLCONF="dvt_i18n_urls",
    WAGTAIL_I18N_ENABLED=True,
    LANGUAGE_CODE="en",
    LANGUAGES=LANGUAGES,
    WAGTAIL_CONTENT_LANGUAGES=LANGUAGES,
    MIDDLEWARE=[
        *settings.MIDDLEWARE[:2],
        "django.middleware.locale.LocaleMiddleware",
        *settings.MIDDLEWARE[2:],
    ],
    WAGTAIL_DVT={"FORM_TOKEN_MIN_AGE": 0, "FLOOD_INTERVAL": 0},
)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def bilingual_site():
    with override_settings(**BILINGUAL):
        yield


# Every label of the article template and the comment form, in English.
ENGLISH_LABELS = [
    "Posted on",
    "Contents",
    "Comments (",
    "No comments yet",
    "Write a comment",
    "Name:",
    "Email (optional)",
    "Only moderators see it",
    "Comment:",
    "Leave this field empty",
    "Comments are moderated",
    "Post comment",
    "Comments are closed",
    "Older comments",
    "Newer comments",
]


@pytest.fixture
def locales(db):
    english = Locale.objects.get(language_code="en")
    french = Locale.objects.create(language_code="fr")
    return english, french


@pytest.fixture
def english_home(root_page, locales):
    assert root_page.locale == locales[0]
    return root_page


@pytest.fixture
def french_home(english_home, locales):
    """The English home translated into French and published."""
    home = english_home.copy_for_translation(locales[1])
    home.title = "Accueil"
    home.save_revision().publish()
    home.refresh_from_db()
    return home


@pytest.fixture
def french_article(french_home):
    result = import_document(BUNDLED_DOCUMENT, parent=french_home)
    return ArticlePage.objects.get(pk=result.page_id)


def text_of(html, pattern):
    """The text inside the first element ``pattern`` matches, tags removed."""
    match = re.search(pattern + r"(.*?)</", html, re.S)
    assert match, pattern
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def byline(html):
    match = re.search(r'<p class="dvt-byline">(.*?)</p>', html, re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", "", match.group(1))).split())


def token_from(html):
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def test_the_article_lands_in_the_french_tree(french_article, french_home, locales):
    assert french_article.get_parent().pk == french_home.pk
    assert french_article.locale == locales[1]
    assert french_article.url == f"/fr/{french_article.slug}/"


def test_the_french_page_shows_no_english_label(client, french_article):
    response = client.get(f"/fr/{french_article.slug}/")
    assert response.status_code == 200
    html = unescape(response.content.decode())

    assert '<html lang="fr">' in html
    assert [label for label in ENGLISH_LABELS if label in html] == []
    assert byline(html) == "Publié le 27 juin 2023 par Hamish Negi"
    assert text_of(html, r'<h2 id="dvt-toc-heading">') == "Sommaire"
    assert text_of(html, r'<h2 id="dvt-comments-heading">') == "Commentaires (19)"
    assert text_of(html, r'<h2 id="dvt-comment-form-heading">') == (
        "Laisser un commentaire"
    )
    assert text_of(html, r'<label for="id_author_name">').startswith("Nom")
    assert text_of(html, r'<label for="id_email">').startswith(
        "Adresse e-mail (facultative)"
    )
    assert text_of(html, r'<label for="id_body">').startswith("Commentaire")
    assert text_of(html, r'<button type="submit">') == "Publier le commentaire"
    # Comment times in French's DATETIME_FORMAT, in TIME_ZONE (UTC).
    assert ">27 juin 2023 21:53</time>" in html
    assert "June" not in html.split('id="comments"')[1]


def test_the_english_page_stays_english(client, english_home):
    result = import_document(BUNDLED_DOCUMENT, parent=english_home)
    article = ArticlePage.objects.get(pk=result.page_id)
    assert article.url == f"/en/{article.slug}/"
    html = unescape(client.get(article.url).content.decode())
    assert byline(html) == "Posted on June 27, 2023 by Hamish Negi"
    assert "Write a comment" in html
    assert ">June 27, 2023, 9:53 p.m.</time>" in html


def test_a_french_reader_posts_and_reads_french_messages(client, french_article):
    url = f"/fr/{french_article.slug}/"
    token = token_from(client.get(url).content.decode())
    form = {"author_name": "Anne", "email": "", "body": "Merci !", "token": token}

    refused = client.post(url + "comment/", {**form, "body": ""})
    assert refused.status_code == 400
    with translation.override("fr"):  # Django's own words, which vary by version
        required = str(forms.Field.default_error_messages["required"])
    assert required != "This field is required."
    assert required in unescape(refused.content.decode())

    accepted = client.post(url + "comment/", form)
    assert accepted.status_code == 303
    assert accepted["Location"] == f"{url}?comment_status=pending#comment-form"
    notice = unescape(client.get(accepted["Location"]).content.decode())
    assert "Votre commentaire est en attente de modération." in notice

    # The token served its comment: sending it again is refused, in French.
    spent = client.post(url + "comment/", {**form, "body": "Encore merci !"})
    assert spent.status_code == 400
    assert "Ce formulaire a déjà été envoyé." in unescape(spent.content.decode())

    # The same text while it waits: answered as a new comment, not stored twice.
    fresh = {**form, "token": token_from(client.get(url).content.decode())}
    again = client.post(url + "comment/", fresh)
    assert again.status_code == 303
    assert Comment.objects.filter(page=french_article, author_name="Anne").count() == 1

    # Once it is public, a repeat is refused, in French.
    Comment.objects.filter(author_name="Anne").update(status=CommentStatus.APPROVED)
    fresh = {**form, "token": token_from(client.get(url).content.decode())}
    again = client.post(url + "comment/", fresh)
    assert again.status_code == 409
    assert "Vous avez déjà envoyé ce commentaire." in unescape(again.content.decode())
    assert Comment.objects.filter(page=french_article, author_name="Anne").count() == 1


def test_a_closed_french_article_says_so_in_french(client, french_article):
    ArticlePage.objects.filter(pk=french_article.pk).update(comments_open=False)
    url = f"/fr/{french_article.slug}/"
    html = unescape(client.get(url).content.decode())
    assert "Les commentaires sont fermés." in html
    # A form shown before comments were closed, posted after.
    form = {"author_name": "A", "body": "B", "token": make_form_token(french_article)}
    response = client.post(url + "comment/", form)
    assert response.status_code == 403
    assert "Les commentaires sont fermés pour cet article." in unescape(
        response.content.decode()
    )


GERMAN_MONTHS = "Januar Februar März April Mai Juni Juli August September Oktober \
November Dezember".split()
FRENCH_MONTHS = "janvier février mars avril mai juin juillet août septembre octobre \
novembre décembre".split()
# Django's "N" format, the month in English's DATETIME_FORMAT.
ENGLISH_MONTHS = "Jan. Feb. March April May June July Aug. Sept. Oct. Nov. Dec.".split()


def test_moderators_are_mailed_in_their_own_language(
    client,
    french_article,
    django_user_model,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    """A French reader's comment reaches each moderator in their admin language.

    The batch is rendered once per (language, time zone) of the moderators'
    Wagtail profiles, not in the language of the reader who posted; a
    moderator without a profile reads it in ``LANGUAGE_CODE`` and ``TIME_ZONE``.
    """
    django_user_model.objects.create_superuser("en-mod", "en@example.com", "x")
    moderate = Permission.objects.get(codename="moderate_comment")
    for username, language, time_zone in [
        ("de-mod", "de", "Europe/Berlin"),
        ("fr-mod", "fr", "America/Toronto"),
    ]:
        user = django_user_model.objects.create_user(
            username, f"{language}@example.com", "x"
        )
        user.user_permissions.add(moderate)
        UserProfile.objects.create(
            user=user, preferred_language=language, current_time_zone=time_zone
        )
    url = f"/fr/{french_article.slug}/"
    token = token_from(client.get(url).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url + "comment/",
            {"author_name": "Anne", "email": "", "body": "Merci", "token": token},
        )
    assert response.status_code == 303

    mail = {message.to[0]: message for message in mailoutbox}
    assert len(mailoutbox) == 3
    assert sorted(mail) == ["de@example.com", "en@example.com", "fr@example.com"]
    posted = Comment.objects.get(author_name="Anne").posted_at
    title = french_article.title

    english = mail["en@example.com"]
    assert english.subject == "1 reader comment awaits moderation"
    assert english.body.startswith("1 new reader comment awaits moderation.\n")
    utc = posted.astimezone(ZoneInfo("UTC"))
    month = ENGLISH_MONTHS[utc.month - 1]
    assert f"\nAnne, {month} {utc.day}, {utc.year}, " in english.body
    assert re.search(r"\nAnne, .* UTC\n", english.body), english.body
    assert "Approve, reject or delete it: http" in english.body
    assert "1 comment is pending in all." in english.body

    german = mail["de@example.com"]
    assert german.subject == "1 Leserkommentar wartet auf Freigabe"
    assert german.body.startswith("1 neuer Leserkommentar wartet auf Freigabe.\n")
    berlin = posted.astimezone(ZoneInfo("Europe/Berlin"))
    month = GERMAN_MONTHS[berlin.month - 1]
    assert (
        f"\nAnne, {berlin.day}. {month} {berlin.year} {berlin:%H:%M} "
        f"{berlin.tzname()}\n"
    ) in german.body, german.body
    assert "Freigeben, ablehnen oder löschen: http" in german.body
    assert "Insgesamt wartet 1 Kommentar auf Freigabe." in german.body
    assert "Alle ausstehenden Kommentare: http" in german.body

    french = mail["fr@example.com"]
    assert french.subject == "1 commentaire de lecteur en attente de modération"
    assert french.body.startswith(
        "1 nouveau commentaire de lecteur est en attente de modération.\n"
    )
    toronto = posted.astimezone(ZoneInfo("America/Toronto"))
    month = FRENCH_MONTHS[toronto.month - 1]
    assert (
        f"\nAnne, {toronto.day} {month} {toronto.year} {toronto:%H:%M} "
        f"{toronto.tzname()}\n"
    ) in french.body, french.body
    assert "Pour l’approuver, le refuser ou le supprimer\u00a0: http" in french.body

    for message in mailoutbox:
        # The article and the reader's words, whatever the language.
        assert f"\n{title}\n" in message.body
        assert "\n> Merci\n" in message.body
    # Each reads only their own language.
    assert "Freigabe" not in english.body + french.body
    assert "modération" not in english.body + german.body
    assert "moderation" not in german.body + french.body


# -- translating an article --------------------------------------------------


@pytest.fixture
def english_article(english_home):
    """The bundled article in English, with comments readers cannot see too."""
    result = import_document(BUNDLED_DOCUMENT, parent=english_home)
    article = ArticlePage.objects.get(pk=result.page_id)
    for status in (CommentStatus.PENDING, CommentStatus.SPAM, CommentStatus.REJECTED):
        Comment.objects.create(
            page=article,
            author_name=f"Hidden {status}",
            body="Not for readers.",
            email="private@example.com",
            ip_address="192.0.2.1",
            status=status,
        )
    return article


def translate(client, page, locale, django_user_model):
    """Translate ``page`` as an editor does: simple_translation's submit view."""
    admin = django_user_model.objects.create_superuser("editor", "ed@example.com", "x")
    client.force_login(admin)
    response = client.post(
        reverse("simple_translation:submit_page_translation", args=[page.pk]),
        {"locales": [locale.pk]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    return page.get_translation(locale).specific


def test_a_translation_starts_without_comments(
    client, english_article, french_home, locales, django_user_model
):
    before = set(english_article.reader_comments.values_list("pk", "status"))
    assert len(before) == 22

    french = translate(client, english_article, locales[1], django_user_model)

    assert french.pk != english_article.pk
    assert french.translation_key == english_article.translation_key
    # Neither the approved comments nor the hidden ones were copied.
    assert Comment.objects.filter(page=french).count() == 0
    assert not Comment.objects.filter(page=french, email="private@example.com")
    assert set(english_article.reader_comments.values_list("pk", "status")) == before


def test_each_translation_keeps_its_own_comments(
    client, english_article, french_home, locales, django_user_model
):
    french = translate(client, english_article, locales[1], django_user_model)
    french.title = "Le rôle de la radiologie interventionnelle"
    french.save_revision().publish()
    french.refresh_from_db()

    url = f"/fr/{french.slug}/"
    token = token_from(client.get(url).content.decode())
    response = client.post(
        url + "comment/",
        {"author_name": "Anne", "email": "", "body": "Merci", "token": token},
    )
    assert response.status_code == 303
    Comment.objects.filter(author_name="Anne").update(status=CommentStatus.APPROVED)

    french_html = unescape(client.get(url).content.decode())
    english_html = unescape(client.get(english_article.url).content.decode())
    assert "Commentaires (1)" in french_html
    assert ">Anne</span>" in french_html
    assert "Comments (19)" in english_html
    assert ">Anne</span>" not in english_html

    # Publishing either page again moves no comment between them.
    english_article.save_revision().publish()
    french.save_revision().publish()
    assert list(french.reader_comments.values_list("author_name", flat=True)) == [
        "Anne"
    ]
    assert english_article.reader_comments.count() == 22


def test_an_alias_in_another_locale_keeps_its_own_comments(
    english_article, french_home, locales
):
    """Aliases (``WAGTAILSIMPLETRANSLATION_SYNC_PAGE_TREE`` makes them for every
    locale) are refreshed from the original on each publish; Wagtail copies child
    relations there without ``exclude_fields_in_copy``, as wagtail-localize does
    for relations it synchronises."""
    alias = english_article.copy_for_translation(locales[1], alias=True).specific
    assert alias.alias_of_id == english_article.pk
    assert Comment.objects.filter(page=alias).count() == 0

    Comment.objects.create(
        page=alias, author_name="Anne", body="Merci", status="approved"
    )
    english_article.save_revision().publish()

    assert list(
        Comment.objects.filter(page=alias).values_list("author_name", flat=True)
    ) == ["Anne"]
    assert english_article.reader_comments.count() == 22


def test_child_relation_copies_leave_reader_comments_behind(
    english_article, french_home, locales
):
    """What wagtail-localize calls for a relation it synchronises."""
    french = english_article.copy_for_translation(locales[1])
    french.save()
    Comment.objects.create(page=french, author_name="Anne", body="Merci")
    french = ArticlePage.objects.get(pk=french.pk)

    assert english_article.copy_child_relation("reader_comments", french) == {}
    english_article.copy_all_child_relations(french, commit=True)

    assert list(french.reader_comments.values_list("author_name", flat=True)) == [
        "Anne"
    ]
