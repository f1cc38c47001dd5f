"""A person's data request, as WordPress core answers one: a moderator records
it, the person confirms it from the link emailed to them, and only then does
a moderator export or erase their data.

Through real admin POSTs as each kind of user, the mail in Django's outbox
(or a real SMTP socket), the link followed by a plain client, and the
database checked afterwards. Who may use each URL is also in
test_permission_matrix.py.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from dvt_testing import make_article, users_of_each_kind
from smtp_servers import HangingServer, RecordingServer, free_port, mail_settings
from wagtail.models import ModelLogEntry

from wagtail_dvt import background
from wagtail_dvt.models import Comment, CommentStatus
from wagtail_dvt.privacy import export_personal_data
from wagtail_dvt.privacy.data_requests import (
    PersonalDataRequest,
    RequestKind,
    RequestStatus,
)
from wagtail_dvt.privacy.links import (
    confirmation_token,
    export_token,
    send_confirmation,
)

EMAIL = "erin@example.org"
NAME = "wagtail_dvt_personal_data"
LINK = re.compile(r"http://\S+/personal-data/confirm/[^/\s]+/")
EXPORT_LINKS = re.compile(r"http://\S+/personal-data/export/[^/\s]+/(?:\?format=csv)?")
USERS = ("anonymous", "bare_admin", "editor", "moderator", "superuser")
MODERATORS = ("moderator", "superuser")
DAY = 24 * 60 * 60

# Real commits, so that the mail task runs on commit as on a site; the
# rollback keeps Wagtail's groups.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


# -- the world ------------------------------------------------------------------


@pytest.fixture
def users(db, django_user_model):
    return users_of_each_kind(django_user_model)


@pytest.fixture
def moderator(users):
    return users["moderator"]


@pytest.fixture
def erins_comment(root_page):
    return Comment.objects.create(
        page=make_article(root_page),
        author_name="Erin Private",
        body="Erin's words.",
        email=EMAIL,
        ip_address="192.0.2.7",
        user_agent="ErinBrowser/1.0",
        status=CommentStatus.APPROVED,
        posted_at=dt.datetime(2024, 5, 2, 10, tzinfo=dt.UTC),
    )


def login(client, users, user):
    if user != "anonymous":
        client.force_login(users[user])
    return client


def add_request(client, email=EMAIL, kind=RequestKind.ERASE):
    return client.post(
        reverse(f"{NAME}:request_add"), {"email": email, "kind": kind}, follow=False
    )


def a_request(status=RequestStatus.PENDING, kind=RequestKind.ERASE, email=EMAIL):
    return PersonalDataRequest.objects.create(email=email, kind=kind, status=status)


def emailed_link(message=None):
    message = message or mail.outbox[-1]
    (link,) = LINK.findall(message.body)
    return link


def entries_holding(*secrets):
    """Audit log entries whose label or data holds one of ``secrets``."""
    return [
        entry
        for entry in ModelLogEntry.objects.all()
        if any(
            secret.lower() in (entry.label + json.dumps(entry.data)).lower()
            for secret in secrets
        )
    ]


# -- the whole path -------------------------------------------------------------


def test_the_person_confirms_by_the_emailed_link_and_a_moderator_erases(
    client, moderator, erins_comment
):
    client.force_login(moderator)

    response = add_request(client, EMAIL.upper())

    assert response.status_code == 302
    data_request = PersonalDataRequest.objects.get()
    assert (data_request.email, data_request.kind, data_request.status) == (
        EMAIL.upper(),
        RequestKind.ERASE,
        RequestStatus.PENDING,
    )
    assert data_request.requested_by == moderator
    assert data_request.confirmation_sent_at is not None
    (message,) = mail.outbox
    assert message.to == [EMAIL.upper()]
    assert message.subject == "Confirm the erasure of your personal data on localhost"
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    link = emailed_link(message)
    # The address never lands in a URL, in any form the server would log.
    assert EMAIL.split("@")[0] not in link.lower()

    reader = Client()
    page = reader.get(link)
    assert page.status_code == 200
    assert "Confirm my request" in page.content.decode()
    assert page["Referrer-Policy"] == "no-referrer"
    data_request.refresh_from_db()
    assert data_request.status == RequestStatus.PENDING  # A GET changes nothing.

    confirmed = reader.post(link)

    assert confirmed.status_code == 200
    assert "is confirmed" in confirmed.content.decode()
    data_request.refresh_from_db()
    assert data_request.status == RequestStatus.CONFIRMED
    assert data_request.confirmed_at is not None
    assert reader.post(link).status_code == 200  # A second click: no harm.

    erase_url = reverse(f"{NAME}:request_erase", args=[data_request.pk])
    question = client.post(erase_url)
    assert question.status_code == 200
    assert erase_url in question.content.decode()
    assert Comment.objects.get().author_name == "Erin Private"

    assert client.post(erase_url, {"confirm": "1"}).status_code == 302

    comment = Comment.objects.get()
    assert (comment.author_name, comment.email, comment.ip_address) == (
        "Anonymous",
        "",
        None,
    )
    data_request.refresh_from_db()
    assert data_request.status == RequestStatus.COMPLETED
    assert data_request.completed_at is not None
    actions = set(ModelLogEntry.objects.values_list("action", flat=True))
    assert {
        "wagtail_dvt.personal_data_request.add",
        "wagtail_dvt.personal_data_request.confirm",
        "wagtail_dvt.personal_data_request.complete",
        "wagtail_dvt.erase_personal_data",
    } <= actions
    assert not entries_holding(EMAIL, "Erin Private", "192.0.2.7")
    # Answered once: a second erasure of the same request is refused.
    assert client.post(erase_url, {"confirm": "1"}).status_code == 302
    assert (
        ModelLogEntry.objects.filter(
            action="wagtail_dvt.personal_data_request.complete"
        ).count()
        == 1
    )


def test_a_confirmed_export_downloads_once_and_completes(
    client, moderator, erins_comment
):
    data_request = a_request(RequestStatus.CONFIRMED, RequestKind.EXPORT)
    client.force_login(moderator)
    url = reverse(f"{NAME}:request_download", args=[data_request.pk])

    response = client.post(url, {"format": "json"})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert [row["name"] for row in data["comments"]] == ["Erin Private"]
    # The export lists the request itself, completed.
    assert [(row["kind"], row["status"]) for row in data["data_requests"]] == [
        ("export", "completed")
    ]
    data_request.refresh_from_db()
    assert data_request.status == RequestStatus.COMPLETED

    again = client.post(url, {"format": "csv"})
    assert again.status_code == 302
    assert "attachment" not in again.get("Content-Disposition", "")


# -- only confirmed requests are answered, whatever the form showed ------------


@pytest.mark.parametrize(
    "status", [RequestStatus.PENDING, RequestStatus.COMPLETED], ids=str
)
@pytest.mark.parametrize(
    ("url_name", "kind", "data"),
    [
        ("request_erase", RequestKind.ERASE, {"confirm": "1"}),
        ("request_erase", RequestKind.ERASE, {}),
        ("request_download", RequestKind.EXPORT, {"format": "csv"}),
    ],
)
def test_a_request_not_confirmed_is_refused_in_the_post(
    client, moderator, erins_comment, status, url_name, kind, data
):
    data_request = a_request(status, kind)
    client.force_login(moderator)

    response = client.post(reverse(f"{NAME}:{url_name}", args=[data_request.pk]), data)

    assert response.status_code == 302
    assert response["Location"] == reverse(f"{NAME}:index")
    assert Comment.objects.get().author_name == "Erin Private"
    data_request.refresh_from_db()
    assert (data_request.status, data_request.completed_at) == (status, None)


def test_an_export_request_cannot_be_answered_by_erasure(
    client, moderator, erins_comment
):
    data_request = a_request(RequestStatus.CONFIRMED, RequestKind.EXPORT)
    client.force_login(moderator)

    url = reverse(f"{NAME}:request_erase", args=[data_request.pk])
    response = client.post(url, {"confirm": "1"})

    assert response.status_code == 404
    assert Comment.objects.get().author_name == "Erin Private"


# -- each kind of user ----------------------------------------------------------


@pytest.mark.parametrize("user", USERS)
def test_only_moderators_add_requests(client, users, user):
    response = add_request(login(client, users, user))

    if user in MODERATORS:
        assert response.status_code == 302
        assert PersonalDataRequest.objects.get().requested_by == users[user]
        assert len(mail.outbox) == 1
    else:
        assert response.status_code in (302, 403)
        assert PersonalDataRequest.objects.count() == 0
        assert mail.outbox == []


@pytest.mark.parametrize("user", USERS)
def test_only_moderators_answer_a_confirmed_erasure(client, users, user, erins_comment):
    data_request = a_request(RequestStatus.CONFIRMED)
    url = reverse(f"{NAME}:request_erase", args=[data_request.pk])

    response = login(client, users, user).post(url, {"confirm": "1"})

    data_request.refresh_from_db()
    comment = Comment.objects.get()
    assert response.status_code in (302, 403)
    if user in MODERATORS:
        assert (comment.author_name, data_request.status) == (
            "Anonymous",
            RequestStatus.COMPLETED,
        )
    else:
        assert (comment.author_name, data_request.status) == (
            "Erin Private",
            RequestStatus.CONFIRMED,
        )


@pytest.mark.parametrize("user", USERS)
def test_only_moderators_download_a_confirmed_export(
    client, users, user, erins_comment
):
    data_request = a_request(RequestStatus.CONFIRMED, RequestKind.EXPORT)
    url = reverse(f"{NAME}:request_download", args=[data_request.pk])

    response = login(client, users, user).post(url, {"format": "json"})

    data_request.refresh_from_db()
    if user in MODERATORS:
        assert response.status_code == 200
        assert data_request.status == RequestStatus.COMPLETED
    else:
        assert response.status_code in (302, 403)
        assert "Erin" not in response.content.decode()
        assert data_request.status == RequestStatus.CONFIRMED


@pytest.mark.parametrize("user", USERS)
def test_only_moderators_send_the_link_again(client, users, user):
    data_request = a_request()

    response = login(client, users, user).post(
        reverse(f"{NAME}:request_resend", args=[data_request.pk])
    )

    assert response.status_code in (302, 403)
    assert len(mail.outbox) == (1 if user in MODERATORS else 0)


def test_the_list_shows_each_request_and_its_status_to_moderators(
    client, moderator, users
):
    a_request(RequestStatus.CONFIRMED, RequestKind.EXPORT, "confirmed@example.org")
    a_request(RequestStatus.PENDING, RequestKind.ERASE, "pending@example.org")
    expired = a_request(email="expired@example.org")
    expired.confirmation_sent_at = expired.created_at - dt.timedelta(days=8)
    expired.save()
    client.force_login(moderator)

    html = client.get(reverse(f"{NAME}:index")).content.decode()

    assert "confirmed@example.org" in html
    assert "pending@example.org" in html
    assert 'data-request-status="confirmed"' in html
    assert "Download CSV and complete" in html
    assert "Waiting for confirmation" in html
    assert "Send the link again" in html
    assert html.count("The link has expired.") == 1


def test_an_invalid_request_form_shows_its_errors_and_adds_nothing(client, moderator):
    client.force_login(moderator)

    response = add_request(client, "not an address")

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert PersonalDataRequest.objects.count() == 0
    assert mail.outbox == []


# -- the link -------------------------------------------------------------------


def confirm_url(token):
    return reverse("wagtail_dvt_privacy:confirm", args=[token])


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_link_answers_410_and_changes_nothing(db, clock, method):
    data_request = a_request()
    token = confirmation_token(data_request)
    clock.shift(7 * DAY + 1)

    response = getattr(Client(), method)(confirm_url(token))

    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    data_request.refresh_from_db()
    assert data_request.status == RequestStatus.PENDING


def test_a_link_works_for_the_days_the_setting_gives(db, clock, settings):
    settings.WAGTAIL_DVT = {"PERSONAL_DATA_CONFIRM_DAYS": 30}
    data_request = a_request()
    token = confirmation_token(data_request)
    clock.shift(29 * DAY)

    assert Client().post(confirm_url(token)).status_code == 200

    data_request.refresh_from_db()
    assert data_request.status == RequestStatus.CONFIRMED


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_answers_400_and_changes_nothing(db, method):
    data_request = a_request()
    other = a_request(email="other@example.org")
    token = confirmation_token(data_request)
    # The other request's id, with this request's signature.
    forged = token.replace(
        token.split(":")[0],
        confirmation_token(other).split(":")[0],
    )
    assert forged != token

    for bad in (forged, token[:-2] + "xx", "junk"):
        response = getattr(Client(), method)(confirm_url(bad))
        assert response.status_code == 400, bad
        assert "This link is not valid" in response.content.decode()

    assert set(PersonalDataRequest.objects.values_list("status", flat=True)) == {
        RequestStatus.PENDING
    }


def test_a_link_to_an_erased_request_answers_410(db):
    data_request = a_request(RequestStatus.COMPLETED)
    token = confirmation_token(data_request)
    data_request.delete()

    response = Client().post(confirm_url(token))

    assert response.status_code == 410
    assert "no longer exists" in response.content.decode()


# -- the mail -------------------------------------------------------------------


def test_the_confirmation_is_sent_once_however_often_the_task_runs(db):
    data_request = a_request()

    assert send_confirmation(data_request.pk) is True
    assert send_confirmation(data_request.pk) is False

    assert len(mail.outbox) == 1


def test_sending_again_sends_a_fresh_link_to_pending_requests_only(client, moderator):
    client.force_login(moderator)
    add_request(client)
    data_request = PersonalDataRequest.objects.get()

    client.post(reverse(f"{NAME}:request_resend", args=[data_request.pk]))

    assert [message.to for message in mail.outbox] == [[EMAIL], [EMAIL]]
    Client().post(emailed_link())
    client.post(reverse(f"{NAME}:request_resend", args=[data_request.pk]))
    assert len(mail.outbox) == 2


def test_a_request_rolled_back_sends_no_mail(db):
    from django.db import transaction

    from wagtail_dvt.privacy.data_requests import create_request

    with pytest.raises(RuntimeError), transaction.atomic():
        create_request(EMAIL, RequestKind.EXPORT)
        raise RuntimeError

    assert mail.outbox == []
    assert PersonalDataRequest.objects.count() == 0


def test_a_refused_mail_leaves_the_request_unsent_until_sent_again(
    client, moderator, settings
):
    server = RecordingServer(refuse=1)
    try:
        for name, value in mail_settings(server.port, timeout=5).items():
            setattr(settings, name, value)
        client.force_login(moderator)

        assert add_request(client).status_code == 302

        data_request = PersonalDataRequest.objects.get()
        assert data_request.confirmation_sent_at is None
        html = client.get(reverse(f"{NAME}:index")).content.decode()
        assert "the mail server refused it" in html

        client.post(reverse(f"{NAME}:request_resend", args=[data_request.pk]))
    finally:
        server.close()
    data_request.refresh_from_db()
    assert data_request.confirmation_sent_at is not None
    (message,) = server.messages
    assert message["To"] == EMAIL
    assert LINK.search(message.get_payload(decode=True).decode())


def test_a_hanging_mail_server_never_holds_the_moderators_request(
    client, moderator, settings
):
    del settings.TASKS  # A site without a worker: the plugin's own thread.
    server = HangingServer()
    try:
        for name, value in mail_settings(server.port).items():
            setattr(settings, name, value)
        client.force_login(moderator)

        response = add_request(client)
        connections_during_request = server.connections

        assert response.status_code == 302
        assert connections_during_request == 0
        assert server.connected.wait(15)  # The thread does send it...
        assert background.wait_until_idle(30)  # ...and gives up on MAIL_TIMEOUT.
    finally:
        server.close()
    assert PersonalDataRequest.objects.get().confirmation_sent_at is None


def test_a_mail_server_that_refuses_connections_is_logged(client, moderator, settings):
    for name, value in mail_settings(free_port(), timeout=5).items():
        setattr(settings, name, value)
    client.force_login(moderator)

    assert add_request(client).status_code == 302

    assert PersonalDataRequest.objects.get().confirmation_sent_at is None


# -- the requests are personal data --------------------------------------------


def test_an_erasure_deletes_the_addresses_pending_and_completed_requests(
    client, moderator, erins_comment
):
    answered = a_request(RequestStatus.CONFIRMED)
    still_to_answer = a_request(RequestStatus.CONFIRMED, RequestKind.EXPORT)
    a_request(RequestStatus.PENDING, email=EMAIL.upper())
    a_request(RequestStatus.COMPLETED, RequestKind.EXPORT)
    someone_else = a_request(email="someone@example.org")
    client.force_login(moderator)

    client.post(reverse(f"{NAME}:request_erase", args=[answered.pk]), {"confirm": "1"})

    assert dict(PersonalDataRequest.objects.values_list("pk", "status")) == {
        answered.pk: RequestStatus.COMPLETED,
        still_to_answer.pk: RequestStatus.CONFIRMED,
        someone_else.pk: RequestStatus.PENDING,
    }


def test_an_export_lists_the_addresses_requests(db):
    a_request(RequestStatus.COMPLETED, RequestKind.EXPORT)
    a_request(email="someone@example.org")

    data = export_personal_data(EMAIL.upper())

    assert [(row["kind"], row["status"]) for row in data.records["data_requests"]] == [
        ("export", "completed")
    ]
    assert "data_requests" in data.as_csv()


def test_prune_deletes_requests_past_their_retention(db, clock, settings):
    settings.WAGTAIL_DVT = {"PERSONAL_DATA_REQUEST_RETENTION_DAYS": 30}
    old = a_request(RequestStatus.COMPLETED)
    clock.shift(10 * DAY)
    recent = a_request()
    clock.shift(21 * DAY)

    out = call_command_output("prune")

    assert "deleted 1 old data request(s)" in out
    assert list(PersonalDataRequest.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not PersonalDataRequest.objects.filter(pk=old.pk).exists()


def test_prune_keeps_requests_without_a_retention(db, clock, settings):
    settings.WAGTAIL_DVT = {"PERSONAL_DATA_REQUEST_RETENTION_DAYS": None}
    a_request()
    clock.shift(5000 * DAY)

    call_command_output("prune")

    assert PersonalDataRequest.objects.count() == 1


def call_command_output(*args):
    import io

    out = io.StringIO()
    call_command("comment_personal_data", *args, stdout=out)
    return out.getvalue()


# -- the export, emailed as a link that expires ----------------------------------


def test_a_confirmed_export_is_emailed_as_links_that_download_it(
    client, moderator, erins_comment
):
    data_request = a_request(RequestStatus.CONFIRMED, RequestKind.EXPORT)
    client.force_login(moderator)

    response = client.post(
        reverse(f"{NAME}:request_email_export", args=[data_request.pk])
    )

    assert response.status_code == 302
    data_request.refresh_from_db()
    assert data_request.status == RequestStatus.COMPLETED
    assert (
        ModelLogEntry.objects.get(
            action="wagtail_dvt.personal_data_request.complete"
        ).user_id
        == moderator.pk
    )
    (message,) = mail.outbox
    assert message.to == [EMAIL]
    json_link, csv_link = EXPORT_LINKS.findall(message.body)
    assert csv_link == json_link + "?format=csv"
    assert EMAIL.split("@")[0] not in json_link

    reader = Client()
    download = reader.get(json_link)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Referrer-Policy"] == "no-referrer"
    data = json.loads(download.content)
    assert [row["name"] for row in data["comments"]] == ["Erin Private"]
    assert reader.get(csv_link).content.decode().startswith("record,")
    # Emailing again is refused: the request was answered.
    client.post(reverse(f"{NAME}:request_email_export", args=[data_request.pk]))
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("user", USERS)
def test_only_moderators_email_a_confirmed_export(client, users, user):
    data_request = a_request(RequestStatus.CONFIRMED, RequestKind.EXPORT)

    response = login(client, users, user).post(
        reverse(f"{NAME}:request_email_export", args=[data_request.pk])
    )

    assert response.status_code in (302, 403)
    data_request.refresh_from_db()
    if user in MODERATORS:
        assert (data_request.status, len(mail.outbox)) == (RequestStatus.COMPLETED, 1)
    else:
        assert (data_request.status, mail.outbox) == (RequestStatus.CONFIRMED, [])


@pytest.mark.parametrize("status", [RequestStatus.PENDING, RequestStatus.COMPLETED])
def test_an_export_not_confirmed_is_never_emailed(client, moderator, status):
    data_request = a_request(status, RequestKind.EXPORT)
    client.force_login(moderator)

    client.post(reverse(f"{NAME}:request_email_export", args=[data_request.pk]))

    assert mail.outbox == []
    data_request.refresh_from_db()
    assert data_request.status == status


def export_url(token):
    return reverse("wagtail_dvt_privacy:export", args=[token])


def test_an_export_link_expires_after_the_days_the_setting_gives(
    db, clock, erins_comment
):
    data_request = a_request(RequestStatus.COMPLETED, RequestKind.EXPORT)
    token = export_token(data_request)
    clock.shift(3 * DAY - 60)
    assert Client().get(export_url(token)).status_code == 200
    clock.shift(61)

    response = Client().get(export_url(token))

    assert response.status_code == 410
    assert "Erin" not in response.content.decode()


def test_each_link_works_for_its_own_purpose_only(db, erins_comment):
    export_request = a_request(RequestStatus.COMPLETED, RequestKind.EXPORT)
    pending = a_request()

    assert Client().post(confirm_url(export_token(pending))).status_code == 400
    assert Client().get(export_url(confirmation_token(export_request))).status_code == (
        400
    )
    # An export link of a request that is not (or no longer) an answered export.
    response = Client().get(export_url(export_token(pending)))
    assert response.status_code == 410
    assert "Erin" not in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == RequestStatus.PENDING


def test_an_export_link_downloads_nothing_once_the_data_is_erased(db, erins_comment):
    data_request = a_request(RequestStatus.COMPLETED, RequestKind.EXPORT)
    token = export_token(data_request)
    call_command_output("erase", EMAIL, "--yes")

    response = Client().get(export_url(token))

    assert response.status_code == 410
    assert "Erin" not in response.content.decode()


def test_a_refused_export_mail_leaves_the_request_to_answer(
    client, moderator, settings
):
    data_request = a_request(RequestStatus.CONFIRMED, RequestKind.EXPORT)
    server = RecordingServer(refuse=1)
    try:
        for name, value in mail_settings(server.port, timeout=5).items():
            setattr(settings, name, value)
        client.force_login(moderator)

        client.post(reverse(f"{NAME}:request_email_export", args=[data_request.pk]))
    finally:
        server.close()

    data_request.refresh_from_db()
    assert (data_request.status, data_request.completed_at) == (
        RequestStatus.CONFIRMED,
        None,
    )
    assert server.messages == []
    assert not ModelLogEntry.objects.filter(
        action="wagtail_dvt.personal_data_request.complete"
    ).exists()


def test_the_email_is_in_the_sites_language_not_the_moderators(
    client, moderator, settings, clock
):
    from wagtail.users.models import UserProfile

    settings.LANGUAGE_CODE = "fr"
    profile = UserProfile.get_for_user(moderator)
    profile.preferred_language = "de"
    profile.save()
    client.force_login(moderator)

    add_request(client)

    # Sent on 4 March 2025: the link works until 11 March, in French.
    assert "11 mars 2025" in mail.outbox[0].body


def test_without_the_public_urls_no_request_is_recorded(client, moderator, settings):
    settings.ROOT_URLCONF = "dvt_i18n_urls"  # Admin and pages, not privacy.urls.
    client.force_login(moderator)

    response = add_request(client)

    assert response.status_code == 302
    assert PersonalDataRequest.objects.count() == 0
    assert mail.outbox == []
    page = client.get(reverse(f"{NAME}:index"), follow=True).content.decode()
    assert "wagtail_dvt.privacy.urls" in page
