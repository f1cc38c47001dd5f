"""The admission rules of ``wagtail_dvt.comments.admission.submit_comment``.

The page's form and the API endpoints both call it; these tests pin the rules
themselves, without HTTP.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from dvt_testing import FROZEN_AT, age_posts, make_article
from wagtail.models import PageViewRestriction

from wagtail_dvt.comments import limits
from wagtail_dvt.comments.admission import (
    ArticleNotFound,
    CommentFlood,
    CommentsClosed,
    DuplicateComment,
    InvalidComment,
    TokenUsed,
    classify,
    count_links,
    submit_comment,
)
from wagtail_dvt.models import (
    Comment,
    CommentStatus,
    get_article_model,
    get_base_page_model,
)

ArticlePage = get_article_model()
Page = get_base_page_model()

IP = "203.0.113.7"


@pytest.fixture
def article(root_page):
    return make_article(root_page)


def post(page, **overrides):
    fields = {
        "author_name": "Ann Reader",
        "body": "Thank you, this helped me understand my scan.",
        "ip_address": IP,
        "user_agent": "TestBrowser/1.0",
    }
    fields.update(overrides)
    return submit_comment(page, **fields)


def set_dvt(settings, **values):
    settings.WAGTAIL_DVT = {**getattr(settings, "WAGTAIL_DVT", {}), **values}


# -- accepted comments ------------------------------------------------------


def test_a_new_comment_is_stored_pending_with_its_private_fields(article, clock):
    comment = post(article, email="ann@example.com", author_name="  Ann Reader  ")

    comment.refresh_from_db()
    assert comment.page_id == article.pk
    assert comment.status == CommentStatus.PENDING
    assert comment.author_name == "Ann Reader"
    assert comment.email == "ann@example.com"
    assert comment.ip_address == IP
    assert comment.user_agent == "TestBrowser/1.0"
    assert comment.posted_at == FROZEN_AT


def test_a_post_without_a_user_agent_stores_none(article):
    comment = post(article, user_agent=None)
    comment.refresh_from_db()
    assert comment.user_agent == ""


def test_auto_approve_stores_approved(article, settings):
    set_dvt(settings, AUTO_APPROVE=True)
    assert post(article).status == CommentStatus.APPROVED


def test_a_generic_page_is_accepted_as_its_specific_article(article):
    comment = post(Page.objects.get(pk=article.pk))
    assert comment.page_id == article.pk


def test_privileged_fields_are_not_accepted(article):
    with pytest.raises(TypeError):
        post(article, status=CommentStatus.APPROVED)
    with pytest.raises(TypeError):
        post(article, posted_at=timezone.now() - timedelta(days=1))
    assert not Comment.objects.exists()


def test_line_endings_are_normalised_and_a_long_user_agent_cut(article):
    comment = post(article, body="one\r\ntwo\rthree", user_agent="x" * 400)
    assert comment.body == "one\ntwo\nthree"
    assert len(comment.user_agent) == 255


def test_an_invalid_ip_address_is_a_programming_error(article):
    with pytest.raises(ValueError):
        post(article, ip_address="not-an-address")


# -- validation (400) -------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"author_name": ""}, "author_name"),
        ({"author_name": "   "}, "author_name"),
        ({"body": ""}, "body"),
        ({"body": " \n\t "}, "body"),
        ({"email": "not-an-email"}, "email"),
        ({"author_name": "x" * 101}, "author_name"),
        ({"body": "x" * 5001}, "body"),
        ({"body": "null\x00byte"}, "body"),
    ],
)
def test_invalid_fields_are_refused_with_400(article, overrides, field):
    with pytest.raises(InvalidComment) as refusal:
        post(article, **overrides)

    assert refusal.value.status_code == 400
    assert field in refusal.value.errors
    assert all(isinstance(m, str) for m in refusal.value.errors[field])
    assert not Comment.objects.exists()


def test_length_limits_come_from_the_settings(article, settings):
    set_dvt(settings, COMMENT_NAME_MAX_LENGTH=5, COMMENT_BODY_MAX_LENGTH=10)
    with pytest.raises(InvalidComment) as refusal:
        post(article, author_name="Annabel", body="x" * 11)
    assert set(refusal.value.errors) == {"author_name", "body"}

    assert post(article, author_name="Ann", body="x" * 10).pk


def test_the_name_limit_cannot_exceed_the_column(article, settings):
    set_dvt(settings, COMMENT_NAME_MAX_LENGTH=1000)
    with pytest.raises(InvalidComment):
        post(article, author_name="x" * 256)


# -- the page (404, 403) ----------------------------------------------------


def test_a_draft_article_is_not_found(article):
    article.unpublish()
    with pytest.raises(ArticleNotFound) as refusal:
        post(article)
    assert refusal.value.status_code == 404


def test_a_page_that_is_not_an_article_is_not_found(root_page):
    with pytest.raises(ArticleNotFound):
        post(root_page)


def test_closed_comments_are_refused_with_403(root_page):
    closed = make_article(root_page, comments_open=False)
    with pytest.raises(CommentsClosed) as refusal:
        post(closed)
    assert refusal.value.status_code == 403
    assert not Comment.objects.exists()


def test_the_switch_is_read_from_the_database_not_the_instance(article):
    ArticlePage.objects.filter(pk=article.pk).update(comments_open=False)
    with pytest.raises(CommentsClosed):
        post(article)  # the in-memory instance still says open


@pytest.mark.parametrize("on_parent", [False, True])
def test_a_private_article_is_refused_with_403(root_page, on_parent):
    parent = make_article(root_page, title="Private section")
    article = make_article(parent, title="Private article")
    PageViewRestriction.objects.create(
        page=parent if on_parent else article,
        restriction_type=PageViewRestriction.LOGIN,
    )
    with pytest.raises(CommentsClosed) as refusal:
        post(article)
    assert refusal.value.status_code == 403
    assert not Comment.objects.exists()


# -- duplicates (409) and floods (429) ---------------------------------------


def test_a_duplicate_of_an_approved_comment_is_refused_with_409(article):
    post(article)
    Comment.objects.update(status=CommentStatus.APPROVED)
    with pytest.raises(DuplicateComment) as refusal:
        post(article, ip_address="198.51.100.1")
    assert refusal.value.status_code == 409
    assert Comment.objects.count() == 1


@pytest.mark.parametrize(
    "status", [CommentStatus.PENDING, CommentStatus.SPAM, CommentStatus.REJECTED]
)
def test_a_duplicate_of_a_hidden_comment_looks_new_and_is_not_stored(article, status):
    post(article)
    Comment.objects.update(status=status)
    repeated = post(article, ip_address="198.51.100.1")
    assert (repeated.pk, repeated.status) == (None, CommentStatus.PENDING)
    assert repeated.page_id == article.pk  # answered as any pending comment
    assert list(Comment.objects.values_list("status", flat=True)) == [status]


@pytest.mark.parametrize(
    "variant",
    [
        "THANK YOU, this helped me understand my scan.",
        "Thank\u200b you, this helped me understand my scan.",
        "Ｔｈａｎｋ you, this helped me understand my scan.",
        "Thank you,  this helped me understand my scan.\r\n",
    ],
)
def test_the_duplicate_check_compares_normalized_text(article, variant):
    post(article, body="Thank you, this helped me understand my scan.")
    Comment.objects.update(status=CommentStatus.APPROVED)
    with pytest.raises(DuplicateComment):
        post(article, body=variant, author_name="ann reader", ip_address="192.0.2.9")


def test_the_fingerprint_keeps_the_name_and_the_text_apart(article):
    from wagtail_dvt.comments.text import comment_fingerprint

    assert comment_fingerprint("An", "nx said it") != comment_fingerprint(
        "Ann", "x said it"
    )
    post(article, author_name="An", body="nx said it")
    Comment.objects.update(status=CommentStatus.APPROVED)
    assert post(article, author_name="Ann", body="x said it", ip_address="::9").pk


def test_the_same_text_by_another_name_or_on_another_page_is_no_duplicate(
    article, root_page
):
    other = make_article(root_page, title="Another article")
    post(article)
    post(article, author_name="Bob", ip_address="198.51.100.1")
    post(other, ip_address="198.51.100.2")
    assert Comment.objects.count() == 3


def test_a_second_comment_from_one_address_within_15_s_is_a_flood(
    article, root_page, clock
):
    other = make_article(root_page, title="Another article")
    post(article)
    with pytest.raises(CommentFlood) as refusal:
        post(other, body="Something else entirely.")

    assert refusal.value.status_code == 429
    assert refusal.value.retry_after == 15
    assert Comment.objects.count() == 1


def test_retry_after_counts_down(article, clock):
    post(article)
    clock.shift(10)
    with pytest.raises(CommentFlood) as refusal:
        post(article, body="Again")
    assert refusal.value.retry_after == 5
    clock.shift(4.5)
    with pytest.raises(CommentFlood) as refusal:
        post(article, body="Again")
    assert refusal.value.retry_after == 1


def test_after_the_interval_the_address_may_post_again(article, clock):
    post(article)
    clock.shift(15)
    assert post(article, body="A second thought.").pk


def test_other_addresses_are_not_held_up(article):
    post(article)
    assert post(article, body="Me too", ip_address="2001:db8::1").pk


def test_flood_interval_is_a_setting(article, settings, clock):
    set_dvt(settings, FLOOD_INTERVAL=60)
    post(article)
    clock.shift(30)
    with pytest.raises(CommentFlood) as refusal:
        post(article, body="Again")
    assert refusal.value.retry_after == 30

    set_dvt(settings, FLOOD_INTERVAL=0)
    assert post(article, body="Again").pk


def test_a_repeat_of_a_hidden_comment_starts_the_flood_interval(article, root_page):
    """After a repeat, the next post is answered as after a new comment: 429."""
    other = make_article(root_page, title="Another article")
    post(article)
    Comment.objects.update(status=CommentStatus.PENDING)
    repeated = post(article, ip_address="198.51.100.1")
    assert repeated.pk is None

    with pytest.raises(CommentFlood):
        post(other, body="Anything else.", ip_address="198.51.100.1")


def test_an_unknown_address_counts_as_one_shared_client(article, root_page):
    other = make_article(root_page, title="Another article")
    assert post(article, ip_address=None).ip_address is None
    with pytest.raises(CommentFlood) as refusal:
        post(other, body="Another one.", ip_address=None)
    assert 1 <= refusal.value.retry_after <= 15
    assert post(other, body="A known reader.").pk  # not held up

    age_posts(seconds=16)
    assert post(other, body="Later on.", ip_address=None).pk


def test_a_refused_post_starts_no_flood_interval(article):
    with pytest.raises(InvalidComment):
        post(article, body="")
    assert post(article).pk


@pytest.mark.parametrize("upsert", [True, False], ids=["one statement", "orm path"])
def test_each_path_of_the_limits_applies_the_same_rules(
    article, root_page, clock, monkeypatch, upsert
):
    """PostgreSQL and SQLite check and record in one SQL statement; other
    databases take the ORM path. Both hold the flood limit and spend a token
    once, here on SQLite or PostgreSQL."""
    if not upsert:
        monkeypatch.setattr(limits, "_UPSERT_VENDORS", ())
    other = make_article(root_page, title="Another article")

    assert post(article, token="first-token").pk
    clock.shift(10)
    with pytest.raises(CommentFlood) as refusal:
        post(other, body="Too soon.")
    assert refusal.value.retry_after == 5
    assert post(other, body="Someone else.", ip_address=None, token="other").pk
    clock.shift(5)
    with pytest.raises(TokenUsed):
        post(other, body="With a used token.", token="first-token")
    assert post(other, body="A second thought.", token="third-token").pk

    assert sorted(limits.PostingClient.objects.values_list("address", flat=True)) == [
        limits.UNKNOWN_CLIENT,
        IP,
    ]
    assert limits.SpentCommentToken.objects.count() == 3


@pytest.mark.parametrize(
    ("names", "warnings"),
    [
        ({}, 0),
        ({"TRUSTED_PROXY_HEADER": "X-Forwarded-For", "TRUSTED_PROXY_COUNT": 2}, 0),
        ({"TRUSTED_PROXY_COUNT": 2}, 1),
        ({"TRUSTED_PROXY_HEADER": "X-Forwarded-For", "TRUSTED_PROXY_COUNT": 0}, 1),
        ({"TRUSTED_PROXY_HEADER": " "}, 1),
    ],
)
def test_a_system_check_warns_of_proxy_settings_without_an_address(
    settings, names, warnings
):
    from wagtail_dvt.checks import check_proxy_settings

    settings.WAGTAIL_DVT = names
    found = check_proxy_settings()
    assert [warning.id for warning in found] == ["wagtail_dvt.W002"] * warnings


def test_spam_and_rejected_comments_count_for_the_flood(article):
    post(article)
    Comment.objects.update(status=CommentStatus.SPAM)
    with pytest.raises(CommentFlood):
        post(article, body="Again")


# -- classification: pending, approved, spam ---------------------------------


@pytest.mark.parametrize(
    ("body", "links"),
    [
        ("no links here", 0),
        ("see https://example.com/a and http://example.org", 2),
        ("www.example.com, https://a.example/x and mail me@example.com", 3),
        ("<a href='https://evil.example'>click</a>", 1),
    ],
)
def test_links_are_counted_as_the_page_shows_them(body, links):
    assert count_links(body) == links


def test_more_than_two_links_hold_the_comment(article, settings):
    set_dvt(settings, AUTO_APPROVE=True)
    two = post(article, body="https://a.example and https://b.example")
    three = post(
        article,
        body="https://a.example https://b.example https://c.example",
        ip_address="198.51.100.1",
    )
    assert two.status == CommentStatus.APPROVED
    assert three.status == CommentStatus.PENDING


def test_max_links_is_a_setting(settings):
    set_dvt(settings, AUTO_APPROVE=True, MAX_LINKS=0)
    assert classify("Ann", "see https://a.example") == CommentStatus.PENDING
    set_dvt(settings, MAX_LINKS=None)
    assert classify("Ann", "https://a.example " * 20) == CommentStatus.APPROVED


def test_moderation_words_hold_the_comment(article, settings):
    set_dvt(settings, AUTO_APPROVE=True, MODERATION_WORDS=["ivermectin", "miracle"])
    held = post(article, body="Try IVERMECTIN instead of surgery!")
    fine = post(article, body="Thanks for the clear write-up.", ip_address="::2")
    assert held.status == CommentStatus.PENDING
    assert fine.status == CommentStatus.APPROVED


@pytest.mark.parametrize(
    "fields",
    [
        {"author_name": "Miracle Cures Ltd"},
        {"email": "sales@miracle.example"},
        {"ip_address": "192.0.2.55"},
        {"user_agent": "MiracleBot/2.0"},
    ],
)
def test_word_lists_match_every_field(settings, fields):
    set_dvt(settings, AUTO_APPROVE=True, MODERATION_WORDS=["miracle", "192.0.2."])
    values = {"email": "", "ip_address": "", "user_agent": "", **fields}
    author_name = values.pop("author_name", "Ann")
    assert classify(author_name, "Harmless text", **values) == CommentStatus.PENDING


def test_disallowed_words_mark_the_comment_spam(article, settings):
    set_dvt(
        settings, AUTO_APPROVE=True, DISALLOWED_WORDS=["casino"], MODERATION_WORDS=[]
    )
    comment = post(article, body="Best CASINO bonus, visit now")
    assert comment.status == CommentStatus.SPAM


def test_disallowed_wins_over_moderation(settings):
    set_dvt(settings, DISALLOWED_WORDS=["casino"], MODERATION_WORDS=["bonus"])
    assert classify("Ann", "casino bonus") == CommentStatus.SPAM


def test_blank_list_entries_match_nothing(settings):
    set_dvt(settings, AUTO_APPROVE=True, DISALLOWED_WORDS=["", "  ", "\u200b"])
    assert classify("Ann", "hello") == CommentStatus.APPROVED


@pytest.mark.parametrize(
    "spelling",
    [
        "via\u200bgra",  # zero-width space
        "via\u00adgra",  # soft hyphen
        "ｖｉａｇｒａ",  # full-width letters
        "VIA\u200dGRA",  # zero-width joiner, capitals
        "vi\u202eag\u202cra",  # bidi controls
        "\ufeffviagra",  # byte order mark
    ],
)
@pytest.mark.parametrize("field", ["author_name", "body"])
def test_word_lists_match_the_normalized_name_and_text(
    article, settings, spelling, field
):
    set_dvt(
        settings,
        AUTO_APPROVE=True,
        DISALLOWED_WORDS=["viagra"],
        MODERATION_WORDS=["ｆｒｅｅ money"],
    )
    comment = post(article, **{field: f"Cheap {spelling} here"})
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.SPAM
    assert classify("Ann", "FREE\u200b  money") == CommentStatus.PENDING


def test_the_word_lists_and_the_duplicate_check_share_one_normaliser():
    from wagtail_dvt.comments.text import fold, normalize_for_comparison

    for spelling in ["via\u200bgra", "ｖｉａｇｒａ", "\u202eVIAGRA", "vi\u00adagra"]:
        assert fold(spelling) == "viagra"
        assert normalize_for_comparison(spelling) == "viagra"


# -- moderator email --------------------------------------------------------


@pytest.fixture
def moderators(django_user_model):
    """Users who should get mail, and users who should not."""
    permission = Permission.objects.get(
        codename="moderate_comment", content_type__app_label="wagtail_dvt"
    )
    group = Group.objects.create(name="Comment moderators")
    group.permissions.add(permission)

    django_user_model.objects.create_superuser("root", "root@example.com", "x")
    in_group = django_user_model.objects.create_user("mod1", "mod1@example.com", "x")
    in_group.groups.add(group)
    direct = django_user_model.objects.create_user("mod2", "mod2@example.com", "x")
    direct.user_permissions.add(permission)

    inactive = django_user_model.objects.create_user("old", "old@example.com", "x")
    inactive.groups.add(group)
    inactive.is_active = False
    inactive.save()
    no_email = django_user_model.objects.create_user("quiet", "", "x")
    no_email.groups.add(group)
    django_user_model.objects.create_user("editor", "editor@example.com", "x")
    return ["mod1@example.com", "mod2@example.com", "root@example.com"]


def test_moderators_are_emailed_after_commit(
    article, moderators, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        comment = post(article, body="Is this <b>safe</b> for my father?")
        assert mailoutbox == []  # nothing before the commit

    assert len(callbacks) == 1
    assert sorted(m.to[0] for m in mailoutbox) == moderators
    assert all(len(m.to) == 1 for m in mailoutbox)  # addresses are not shared
    message = mailoutbox[0]
    assert message.subject == "1 reader comment awaits moderation"
    assert article.title in message.body
    assert "> Is this <b>safe</b> for my father?" in message.body
    assert f"/reader-comments/edit/{comment.pk}/" in message.body
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"


def test_a_newline_in_the_title_cannot_inject_headers(
    root_page, moderators, mailoutbox, django_capture_on_commit_callbacks
):
    article = make_article(root_page, title="Clots\nBcc: victim@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        post(article)
    assert "\n" not in mailoutbox[0].subject


def test_no_email_when_the_setting_is_off(
    article, moderators, mailoutbox, settings, django_capture_on_commit_callbacks
):
    set_dvt(settings, NOTIFY_MODERATORS=False)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post(article)
    assert callbacks == []
    assert mailoutbox == []


@pytest.mark.parametrize(
    "dvt", [{"AUTO_APPROVE": True}, {"DISALLOWED_WORDS": ["scan"]}]
)
def test_no_email_for_approved_or_spam_comments(
    article, moderators, mailoutbox, settings, django_capture_on_commit_callbacks, dvt
):
    set_dvt(settings, **dvt)
    with django_capture_on_commit_callbacks(execute=True):
        post(article)
    assert mailoutbox == []


def test_no_email_for_a_comment_moderated_before_the_mail_went_out(
    article, moderators, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post(article)
    Comment.objects.update(status=CommentStatus.APPROVED)
    for callback in callbacks:
        callback()
    assert mailoutbox == []


def test_no_email_for_a_refused_comment(
    article, moderators, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(InvalidComment):
            post(article, body="")
    assert callbacks == []
    assert mailoutbox == []


def test_imported_comments_are_fingerprinted_for_the_duplicate_check(
    imported_article,
):
    comment = Comment.objects.filter(
        page_id=imported_article.page_id, status=CommentStatus.APPROVED
    ).first()
    assert len(comment.fingerprint) == 64  # set by bulk_create too
    page = ArticlePage.objects.get(pk=imported_article.page_id)
    with pytest.raises(DuplicateComment):
        post(page, author_name=comment.author_name.upper(), body=comment.body)


def test_a_urlconf_without_the_email_pages_is_warned_of(settings):
    from wagtail_dvt.checks import check_email_link_pages

    assert check_email_link_pages() == []
    settings.ROOT_URLCONF = "wagtail.urls"
    found = check_email_link_pages()
    assert [warning.id for warning in found] == ["wagtail_dvt.W003"] * 2
    assert "wagtail_dvt.comments.urls" in found[0].msg
    assert "wagtail_dvt.privacy.urls" in found[1].msg
    settings.WAGTAIL_DVT = {**settings.WAGTAIL_DVT, "NOTIFY_REPLIES": False}
    assert [w.msg for w in check_email_link_pages()] == [found[1].msg]
