"""Reply notifications: opt in on the form or the API, get one email per interval.

Through the real path: the page's form and the APIs posted by a client, a
moderator's requests in the admin, on-commit callbacks run as after a real
commit (tasks run where they are enqueued, see the test settings), Django's
locmem outbox, and the unsubscribe URL read from the sent message's header,
POSTed by a plain client with no login and no CSRF token. Each rule that
sends no email has a test that fails if the rule is broken.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import django
import pytest
import test_i18n
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.test import Client, TestCase
from django.utils import timezone
from dvt_testing import make_article
from wagtail import VERSION as WAGTAIL_VERSION
from wagtail.models import Site

from wagtail_dvt.comments.forms import make_form_token
from wagtail_dvt.comments.subscriptions import (
    MailScope,
    MailSuppression,
    ReplyMailState,
    address_hash,
)
from wagtail_dvt.models import Comment, CommentStatus

pytestmark = pytest.mark.usefixtures("clock")

AUTHOR = "Ann.Reader@Example.com"
API_VERSIONS = ["/api/v2/comments/"]
if WAGTAIL_VERSION >= (8, 0):
    API_VERSIONS.append("/api/v3/comments/")


@pytest.fixture(autouse=True)
def posting(settings):
    settings.WAGTAIL_DVT = {
        "AUTO_APPROVE": True,
        "FLOOD_INTERVAL": 0,
        "FORM_TOKEN_MIN_AGE": 0,
        "NOTIFY_MODERATORS": False,
        "API_COMMENTS": "open",
    }


@pytest.fixture
def article(root_page):
    return make_article(root_page)


def post_form(client, article, *, name="Ann", email="", body="Hello.", **extra):
    """Post the article page's comment form as a reader's browser does."""
    data = {
        "author_name": name,
        "email": email,
        "body": body,
        "honeypot": "",
        "token": make_form_token(article),
        **extra,
    }
    with committed():
        return client.post(article.url + "comment/", data)


def committed():
    """Run the on-commit callbacks of what happens inside, as a commit would."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def opted_in_comment(client, article, email=AUTHOR):
    body = f"Tell {email} about replies."
    response = post_form(client, article, email=email, body=body, notify_replies="on")
    assert response.status_code == 303, response.content
    comment = Comment.objects.latest("pk")
    assert comment.notify_replies
    return comment


def reply(client, article, parent, *, name="Ben", email="", body=None):
    body = body or f"A reply by {name} number {Comment.objects.count()}."
    response = post_form(
        client, article, name=name, email=email, body=body, parent=parent.pk
    )
    assert response.status_code == 303, response.content
    return Comment.objects.latest("pk")


def reply_mails(outbox):
    return [
        message for message in outbox if "List-Unsubscribe" in message.extra_headers
    ]


def unsubscribe_url(message):
    return re.fullmatch(r"<(.+)>", message.extra_headers["List-Unsubscribe"])[1]


def interval_passes(clock, minutes=16):
    clock.shift(timedelta(minutes=minutes))


def run_command():
    out = io.StringIO()
    call_command("send_comment_notifications", stdout=out)
    return out.getvalue()


# -- opting in ----------------------------------------------------------------


def test_the_checkbox_is_offered_and_off_by_default(client, article):
    page = client.get(article.url).content.decode()
    checkbox = re.search(r'<input[^>]*name="notify_replies"[^>]*>', page)[0]
    assert 'type="checkbox"' in checkbox
    assert "checked" not in checkbox
    assert "Email me when someone replies" in page

    post_form(client, article, email=AUTHOR)
    assert Comment.objects.get().notify_replies is False


def test_the_checkbox_goes_with_the_setting(client, article, settings):
    settings.WAGTAIL_DVT = {**settings.WAGTAIL_DVT, "NOTIFY_REPLIES": False}
    assert 'name="notify_replies"' not in client.get(article.url).content.decode()


def test_opting_in_without_an_email_is_refused_on_the_form(client, article):
    response = post_form(client, article, email="", notify_replies="on")

    assert response.status_code == 400
    assert "Enter your email address to be told about replies." in (
        response.content.decode()
    )
    assert not Comment.objects.exists()


@pytest.mark.parametrize("url", API_VERSIONS)
def test_the_api_takes_notify_replies_and_needs_an_email(client, article, url):
    def post(**fields):
        data = {"article": article.pk, "author_name": "Ann", "body": "Hi.", **fields}
        return client.post(url, data, content_type="application/json")

    refused = post(notify_replies=True)
    assert refused.status_code == 400, refused.content
    assert refused.json()["code"] == "notify_replies_needs_email"
    assert not Comment.objects.exists()

    wrong_type = post(notify_replies="yes", email=AUTHOR)
    assert wrong_type.status_code in (400, 422)
    assert not Comment.objects.exists()

    accepted = post(notify_replies=True, email=AUTHOR, body="Tell me.")
    assert accepted.status_code == 201, accepted.content
    assert AUTHOR.lower() not in accepted.content.decode().lower()
    assert "notify_replies" not in accepted.json()
    assert Comment.objects.get().notify_replies is True


@pytest.mark.skipif(WAGTAIL_VERSION < (8, 0), reason="API v3 needs Wagtail 8")
def test_the_openapi_schema_documents_notify_replies(client):
    from wagtail_dvt.api.codes import ERROR_CODES

    schema = client.get("/api/v3/openapi.json").json()
    create = schema["components"]["schemas"]["ReaderCommentCreateSchema"]
    assert create["properties"]["notify_replies"]["type"] == "boolean"
    # Opting in needs an email: declared, so that generated clients know.
    assert create["then"]["required"] == ["email"]
    assert "notify_replies_needs_email" in ERROR_CODES


# -- the email ----------------------------------------------------------------


def test_a_reply_emails_the_author_who_can_unsubscribe_in_one_click(
    client, article, mailoutbox
):
    parent = opted_in_comment(client, article)
    answer = reply(Client(), article, parent, name="Ben", body="Here is my answer.")

    [message] = reply_mails(mailoutbox)
    assert message.to == [AUTHOR]
    assert message.subject == f"Ben replied to your comment on {article.title}"
    assert "> Here is my answer." in message.body
    assert f"{article.full_url}#comment-{answer.pk}" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )
    url = unsubscribe_url(message)
    assert url.startswith("http://localhost/comments/unsubscribe/")
    assert AUTHOR.lower() not in url.lower()
    assert url in message.body
    answer.refresh_from_db()
    assert answer.reply_notified_at is not None

    # RFC 8058: the mail program POSTs, with no cookie and no CSRF token.
    response = Client(enforce_csrf_checks=True).post(
        url,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    suppression = MailSuppression.objects.get()
    assert suppression.email_hash == address_hash(AUTHOR)
    assert suppression.scope == MailScope.REPLIES
    assert (
        AUTHOR.lower()
        not in str(MailSuppression.objects.values().get().values()).lower()
    )

    interval_passes_and_reply = reply(Client(), article, parent, name="Cy")
    run_command()
    assert len(reply_mails(mailoutbox)) == 1
    interval_passes_and_reply.refresh_from_db()
    assert interval_passes_and_reply.reply_notified_at is not None  # skipped


def test_links_are_https_on_an_https_site(client, article, mailoutbox):
    Site.objects.filter(is_default_site=True).update(port=443)
    Site.clear_site_root_paths_cache()
    parent = opted_in_comment(client, article)
    answer = reply(Client(), article, parent)

    [message] = reply_mails(mailoutbox)
    assert unsubscribe_url(message).startswith("https://localhost/comments/")
    assert f"https://localhost{article.url}#comment-{answer.pk}" in message.body


def test_the_email_is_in_the_site_language(client, article, mailoutbox, settings):
    settings.LANGUAGE_CODE = "fr"
    parent = opted_in_comment(client, article)
    reply(Client(), article, parent)

    [message] = reply_mails(mailoutbox)
    # The date as French writes it (the clock stands at 4 March 2025).
    assert "4 mars 2025" in message.body, message.body


def test_replies_in_one_interval_come_in_one_email(client, article, mailoutbox, clock):
    parent = opted_in_comment(client, article)
    other = opted_in_comment(client, article, email="zoe@example.com")
    reply(Client(), article, parent, name="First")
    reply(Client(), article, parent, name="Second")
    reply(Client(), article, parent, name="Third")
    reply(Client(), article, other, name="To Zoe")

    # The first reply at once, to each address; the rest wait.
    mails = reply_mails(mailoutbox)
    assert sorted(message.to[0] for message in mails) == [AUTHOR, "zoe@example.com"]
    assert "Second" not in mails[0].body
    run_command()
    assert len(reply_mails(mailoutbox)) == 2

    interval_passes(clock)
    run_command()
    [batch] = reply_mails(mailoutbox)[2:]
    assert batch.to == [AUTHOR]
    assert batch.subject == "2 new replies to your comments"
    assert "Second" in batch.body and "Third" in batch.body
    assert not Comment.objects.filter(
        parent__notify_replies=True, reply_notified_at__isnull=True
    ).exists()

    interval_passes(clock)
    run_command()
    assert len(reply_mails(mailoutbox)) == 3  # nothing twice


def test_the_interval_is_claimed_once(article, mailoutbox):
    from wagtail_dvt.comments.notifications import claim_interval

    now = timezone.now()
    key = address_hash(AUTHOR)
    assert claim_interval(ReplyMailState, now, email_hash=key)
    assert not claim_interval(ReplyMailState, now, email_hash=key)
    assert claim_interval(ReplyMailState, now, email_hash=address_hash("b@x.org"))
    assert claim_interval(ReplyMailState, now + timedelta(minutes=15), email_hash=key)


# -- a moderator's approval ----------------------------------------------------


@pytest.fixture
def moderator_client(django_user_model):
    user = django_user_model.objects.create_superuser("mod", "mod@example.org", "x")
    client = Client()
    client.force_login(user)
    return client


def test_a_moderators_approval_sends_the_email(
    client, article, mailoutbox, moderator_client, settings
):
    from dvt_testing import comment_edit_data
    from wagtail.admin.admin_url_finder import AdminURLFinder

    parent = opted_in_comment(client, article)
    settings.WAGTAIL_DVT = {**settings.WAGTAIL_DVT, "AUTO_APPROVE": False}
    pending = reply(Client(), article, parent, body="Held for moderation.")
    assert pending.status == CommentStatus.PENDING
    assert not reply_mails(mailoutbox)

    edit_url = AdminURLFinder().get_edit_url(pending)
    with committed():
        response = moderator_client.post(
            edit_url, comment_edit_data(pending, status=CommentStatus.APPROVED)
        )
    assert response.status_code == 302, response.content

    [message] = reply_mails(mailoutbox)
    assert "Held for moderation." in message.body


def test_a_bulk_approval_sends_the_email(
    client, article, mailoutbox, moderator_client, settings
):
    from django.urls import reverse

    parent = opted_in_comment(client, article)
    settings.WAGTAIL_DVT = {**settings.WAGTAIL_DVT, "AUTO_APPROVE": False}
    pending = reply(Client(), article, parent, body="Approved in bulk.")

    url = reverse("wagtail_bulk_action", args=("wagtail_dvt", "comment", "approve"))
    with committed():
        response = moderator_client.post(f"{url}?next=/admin/&id={pending.pk}")
    assert response.status_code == 302

    [message] = reply_mails(mailoutbox)
    assert "Approved in bulk." in message.body


# -- no email --------------------------------------------------------------------


def test_no_email_for_a_reply_by_the_same_person(client, article, mailoutbox):
    parent = opted_in_comment(client, article)
    # The same address however its case is typed.
    own = reply(Client(), article, parent, email=" ann.READER@example.COM")
    other = reply(Client(), article, parent, email="someone@example.com")

    [message] = reply_mails(mailoutbox)
    assert f"#comment-{other.pk}" in message.body
    assert f"#comment-{own.pk}" not in message.body


def test_no_email_without_the_opt_in(client, article, mailoutbox):
    post_form(client, article, email=AUTHOR)
    reply(Client(), article, Comment.objects.get())
    run_command()
    assert not reply_mails(mailoutbox)


def test_no_email_for_a_hidden_reply(client, article, mailoutbox, settings):
    parent = opted_in_comment(client, article)
    settings.WAGTAIL_DVT = {**settings.WAGTAIL_DVT, "AUTO_APPROVE": False}
    reply(Client(), article, parent)
    run_command()
    assert not reply_mails(mailoutbox)


def test_no_email_for_a_reply_hidden_again_before_the_batch(
    client, article, mailoutbox, clock
):
    parent = opted_in_comment(client, article)
    reply(Client(), article, parent, name="First")
    kept = reply(Client(), article, parent, name="Kept")
    hidden = reply(Client(), article, parent, name="Hidden")
    Comment.objects.filter(pk=hidden.pk).update(status=CommentStatus.REJECTED)

    interval_passes(clock)
    run_command()
    [_first, batch] = reply_mails(mailoutbox)
    assert f"#comment-{kept.pk}" in batch.body
    assert f"#comment-{hidden.pk}" not in batch.body
    hidden.refresh_from_db()
    assert hidden.reply_notified_at is None  # approved again, it would go


def test_no_email_to_a_suppressed_address(client, article, mailoutbox):
    parent = opted_in_comment(client, article)
    # Stopped by another spelling of the address, before any reply.
    MailSuppression.objects.create(
        email_hash=address_hash("ann.reader@EXAMPLE.com"), scope=MailScope.ALL
    )
    reply(Client(), article, parent)
    run_command()
    assert not reply_mails(mailoutbox)


# -- the unsubscribe pages ---------------------------------------------------------


@pytest.fixture
def link(client, article, mailoutbox):
    parent = opted_in_comment(client, article)
    reply(Client(), article, parent)
    [message] = reply_mails(mailoutbox)
    return unsubscribe_url(message)


def test_the_page_changes_nothing_and_offers_to_stop_every_email(link):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(link)

    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="en-us"' in html
    assert "<h1>Stop reply notifications</h1>" in html
    assert "Stop every email from this site" in html
    assert AUTHOR.lower() not in html.lower()
    assert "no-cache" in page["Cache-Control"]
    assert not MailSuppression.objects.exists()

    # The second form is a normal form: it needs the page's CSRF token.
    stop_all = re.search(r'action="([^"]+/all/)"', html)[1]
    assert browser.post(stop_all).status_code == 403
    assert not MailSuppression.objects.exists()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    done = browser.post(stop_all, {"csrfmiddlewaretoken": token})
    assert done.status_code == 200
    assert "This site will send no more email to your address." in (
        done.content.decode()
    )
    assert MailSuppression.objects.get().scope == MailScope.ALL


def test_stopping_every_email_stops_the_moderators_mail_too(
    link, article, mailoutbox, settings, django_user_model
):
    from wagtail_dvt.comments.subscriptions import suppress

    settings.WAGTAIL_DVT = {**settings.WAGTAIL_DVT, "NOTIFY_MODERATORS": True}
    # Staff usernames are reserved names: none is the reader's "Ann".
    django_user_model.objects.create_superuser("moderator-ann", AUTHOR, "x")
    django_user_model.objects.create_superuser("moderator-bo", "bo@example.org", "x")
    suppress(address_hash(AUTHOR), MailScope.ALL)
    mailoutbox.clear()
    settings.WAGTAIL_DVT = {**settings.WAGTAIL_DVT, "AUTO_APPROVE": False}

    response = post_form(Client(), article, body="Waiting for moderators.")

    assert response.status_code == 303, response.content

    assert [message.to for message in mailoutbox] == [["bo@example.org"]]


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_link_is_not_found(link, method):
    forged = link.replace("/unsubscribe/", "/unsubscribe/0")
    response = getattr(Client(), method)(forged)
    assert response.status_code == 404
    assert not MailSuppression.objects.exists()


# -- personal data ------------------------------------------------------------------


def test_export_lists_opt_ins_and_suppression_and_erasure_removes_opt_ins(
    client, article, mailoutbox
):
    from wagtail_dvt.privacy.erasure import erase_personal_data
    from wagtail_dvt.privacy.export import export_personal_data

    parent = opted_in_comment(client, article)
    MailSuppression.objects.create(email_hash=address_hash(AUTHOR))

    records = export_personal_data(AUTHOR.lower()).records
    assert [row["comment_id"] for row in records["reply_notifications"]] == [parent.pk]
    assert records["email_suppressions"] == [
        {
            "email_hash": address_hash(AUTHOR),
            "stops": "replies",
            "since": timezone.now().isoformat(),
        }
    ]

    result = erase_personal_data(AUTHOR)
    assert result.counts["reply_notifications"] == 1
    parent.refresh_from_db()
    assert parent.notify_replies is False
    # The stop request stays: it holds no address, and it is what keeps
    # the site from emailing the address again.
    assert MailSuppression.objects.filter(email_hash=address_hash(AUTHOR)).exists()
    assert export_personal_data(AUTHOR).records["reply_notifications"] == []


# -- a bilingual site ---------------------------------------------------------


@pytest.fixture
def bilingual(settings):
    from django.test import override_settings

    with override_settings(
        **{**test_i18n.BILINGUAL, "WAGTAIL_DVT": settings.WAGTAIL_DVT}
    ):
        yield


def test_a_french_article_mails_in_french_with_french_links(
    bilingual, french_article, mailoutbox
):
    parent = opted_in_comment(Client(), french_article)
    answer = reply(Client(), french_article, parent)

    [message] = reply_mails(mailoutbox)
    assert "4 mars 2025" in message.body
    assert f"{french_article.full_url}#comment-{answer.pk}" in message.body
    assert "/fr/" in french_article.full_url
    link = unsubscribe_url(message)
    assert link.startswith("http://localhost/fr/comments/unsubscribe/")
    page = Client().get(link)
    assert page.status_code == 200
    assert '<html lang="fr"' in page.content.decode()


locales = test_i18n.locales
english_home = test_i18n.english_home
french_home = test_i18n.french_home
french_article = test_i18n.french_article


# -- a mail server that refuses one message ---------------------------------------


def test_a_refused_message_keeps_its_replies_due_and_others_go(
    client, article, settings
):
    from smtp_servers import RecordingServer, mail_settings

    first = opted_in_comment(client, article)
    second = opted_in_comment(client, article, email="zoe@example.com")
    settings.WAGTAIL_DVT = {**settings.WAGTAIL_DVT, "NOTIFY_REPLIES": False}
    to_first = reply(Client(), article, first)
    to_second = reply(Client(), article, second)
    settings.WAGTAIL_DVT = {**settings.WAGTAIL_DVT, "NOTIFY_REPLIES": True}

    server = RecordingServer(refuse=1)  # The first message gets a 451.
    try:
        for name, value in mail_settings(server.port, timeout=5).items():
            setattr(settings, name, value)
        run_command()
    finally:
        server.close()

    assert [message["To"] for message in server.messages] == ["zoe@example.com"]
    assert server.messages[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    to_first.refresh_from_db()
    to_second.refresh_from_db()
    assert to_first.reply_notified_at is None  # it waits for the next try
    assert to_second.reply_notified_at is not None


# -- a batch resumed: crash-safe, as the moderators' (comments.mail) -----------


def replies_held_back(client, article, settings, parent, *names):
    """Replies posted while reply mail is off, so that a test sends them."""
    settings.WAGTAIL_DVT = {**settings.WAGTAIL_DVT, "NOTIFY_REPLIES": False}
    posted = [reply(Client(), article, parent, name=name) for name in names]
    settings.WAGTAIL_DVT = {**settings.WAGTAIL_DVT, "NOTIFY_REPLIES": True}
    return posted


class Died(BaseException):
    """The sending process ending abruptly, as a killed worker does."""


class DyingBackend(locmem.EmailBackend):
    """Django's locmem backend, in a process that dies as it hangs up: after
    the server accepted the message and that was committed."""

    def close(self):
        raise Died


def mailer_settings(backend) -> dict:
    if django.VERSION >= (6, 1):
        return {"MAILERS": {"default": {"BACKEND": backend}}}
    return {"EMAIL_BACKEND": backend}


def test_a_batch_accepted_before_its_sender_died_is_not_sent_again(
    client, article, settings, mailoutbox, clock
):
    from wagtail_dvt.comments.reply_notifications import (
        batch_kind,
        send_due_reply_notifications,
    )
    from wagtail_dvt.models import MailBatch, MailDelivery

    parent = opted_in_comment(client, article)
    [answer] = replies_held_back(client, article, settings, parent, "Ben")

    working = mailer_settings("django.core.mail.backends.locmem.EmailBackend")
    for name, value in mailer_settings(f"{__name__}.DyingBackend").items():
        setattr(settings, name, value)
    with pytest.raises(Died):
        send_due_reply_notifications()
    for name, value in working.items():
        setattr(settings, name, value)
    [message] = reply_mails(mailoutbox)
    answer.refresh_from_db()
    assert answer.reply_notified_at is None  # The sender died before marking it.
    batch = MailBatch.objects.get(closed_at__isnull=True)
    assert batch.kind == batch_kind(address_hash(AUTHOR))
    assert batch.item_ids == [answer.pk]
    assert MailDelivery.objects.get().message_id == message.extra_headers["Message-ID"]

    # While the dead sender's lease holds, nobody takes the batch over.
    run_command()
    assert MailBatch.objects.get().closed_at is None
    clock.shift(timedelta(seconds=settings.WAGTAIL_DVT.get("MAIL_LEASE", 120) + 1))
    run_command()

    assert len(reply_mails(mailoutbox)) == 1  # Resumed, and not sent again.
    batch.refresh_from_db()
    assert batch.closed_at is not None
    assert batch.attempts == 2
    answer.refresh_from_db()
    assert answer.reply_notified_at is not None


def test_a_reply_hidden_before_the_batch_is_resumed_is_not_mailed(
    client, article, settings, clock
):
    from smtp_servers import RecordingServer, mail_settings

    from wagtail_dvt.comments.notifications import message_id
    from wagtail_dvt.models import MailBatch

    parent = opted_in_comment(client, article)
    kept, hidden = replies_held_back(client, article, settings, parent, "Kept", "Hid")

    server = RecordingServer(refuse=1)  # The batch's first attempt gets a 451.
    try:
        for name, value in mail_settings(server.port, timeout=5).items():
            setattr(settings, name, value)
        run_command()
        batch = MailBatch.objects.get(closed_at__isnull=True)
        assert batch.item_ids == [kept.pk, hidden.pk]
        # A moderator hides one reply while the batch waits for its retry.
        Comment.objects.filter(pk=hidden.pk).update(status=CommentStatus.REJECTED)
        clock.shift(timedelta(minutes=2))
        run_command()
    finally:
        server.close()

    [message] = server.messages
    assert f"#comment-{kept.pk}" in message.get_payload()
    assert f"#comment-{hidden.pk}" not in message.get_payload()
    # The batch's Message-ID, whatever was hidden since it opened.
    assert message["Message-ID"].strip() == message_id(
        [kept.pk, hidden.pk], AUTHOR, kind="replies"
    )
    batch.refresh_from_db()
    assert batch.closed_at is not None
    kept.refresh_from_db()
    hidden.refresh_from_db()
    assert kept.reply_notified_at is not None
    assert hidden.reply_notified_at is None  # approved again, it would go


def test_a_batch_whose_every_reply_was_hidden_closes_without_mail(
    client, article, settings, clock
):
    from smtp_servers import RecordingServer, mail_settings

    from wagtail_dvt.models import MailBatch

    parent = opted_in_comment(client, article)
    [hidden] = replies_held_back(client, article, settings, parent, "Hid")

    server = RecordingServer(refuse=1)
    try:
        for name, value in mail_settings(server.port, timeout=5).items():
            setattr(settings, name, value)
        run_command()
        Comment.objects.filter(pk=hidden.pk).update(status=CommentStatus.REJECTED)
        clock.shift(timedelta(minutes=2))
        run_command()
    finally:
        server.close()

    assert server.messages == []
    assert server.attempts == 1  # The refused first attempt only.
    batch = MailBatch.objects.get()
    assert batch.closed_at is not None
    hidden.refresh_from_db()
    assert hidden.reply_notified_at is None
