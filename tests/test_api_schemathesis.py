"""Property-based run of the demo site's API v3 against its own OpenAPI schema.

schemathesis generates requests for the page and comment operations of
``/api/v3/openapi.json`` and calls the site in-process through WSGI, inside
the test's database transaction: no response may be a server error, and every
documented response must match its schema.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks, not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from wagtail import VERSION as WAGTAIL_VERSION

from wagtail_dvt.models import Comment, CommentStatus

pytestmark = pytest.mark.skipif(
    WAGTAIL_VERSION < (8, 0), reason="Wagtail's API v3 needs Wagtail 8"
)


@pytest.fixture
def wsgi_application():
    """Django's WSGI application, keeping the test's database connection.

    At the end of each request Django closes connections that are not in
    autocommit mode, which a test's transaction never is; on PostgreSQL that
    would end the test's connection. Django's test client unhooks the same
    handler.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(db, settings, wsgi_application):
    """The site's v3 schema, limited to page and comment operations."""
    schema = schemathesis.openapi.from_wsgi("/api/v3/openapi.json", wsgi_application)
    return schema.include(tag=["pages", "comments"])


@pytest.fixture
def known_ids(article, settings):
    """Path parameters that exist, so generated requests also reach past 404s.

    Two of the article's comments are hidden: a leak of either would break
    the response schema or show in the assertions of the other API tests.
    """
    settings.WAGTAIL_DVT = {
        "API_COMMENTS": "open",
        "NOTIFY_MODERATORS": False,
        "FLOOD_INTERVAL": 0,
    }
    comments = list(Comment.objects.filter(page=article).order_by("pk"))
    for comment, status in zip(
        comments, [CommentStatus.PENDING, CommentStatus.SPAM], strict=False
    ):
        comment.status = status
        comment.save()
    return {"page_id": article.pk, "comment_id": comments[-1].pk}


# Pages: reads, and the anonymous side of writes (401); comments: everything.
EXPECTED_OPERATIONS = {
    "GET /api/v3/pages/",
    "GET /api/v3/pages/{page_id}/",
    "PATCH /api/v3/pages/{page_id}/",
    "POST /api/v3/pages/",
    "GET /api/v3/comments/",
    "GET /api/v3/comments/token/",
    "GET /api/v3/comments/{comment_id}/",
    "POST /api/v3/comments/",
}
EXAMPLES = 10


def strategies(operation, known_ids, modes=(GenerationMode.POSITIVE,)):
    """Random requests, and requests about the existing article and comment."""
    for mode in modes:
        yield operation.as_strategy(generation_mode=mode)
    path = {
        name: value
        for name, value in known_ids.items()
        if f"{{{name}}}" in operation.path
    }
    if path:
        yield operation.as_strategy(path_parameters=path)
    if operation.label == "POST /api/v3/comments/":

        def on_the_article(case):
            if isinstance(case.body, dict):
                case.body["article"] = known_ids["page_id"]
            return case

        yield operation.as_strategy().map(on_the_article)


def test_api_v3_conforms_to_its_schema(api_schema, known_ids):
    # Driven through schemathesis's Python API rather than its pytest plugin,
    # whose parametrization relies on pytest internals.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert EXPECTED_OPERATIONS <= {operation.label for operation in operations}

    for operation in operations:
        for strategy in strategies(operation, known_ids):

            @given(case=strategy)
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def call(case):
                case.call_and_validate(
                    checks=[not_a_server_error, response_schema_conformance]
                )

            call()


@pytest.fixture
def plugin_schema(db, wsgi_application):
    """The plugin's own operations, as a site publishes them."""
    schema = schemathesis.openapi.from_wsgi("/api/v3/openapi.json", wsgi_application)
    return schema.include(tag="comments")


def test_plugin_operations_pass_every_check(plugin_schema, known_ids):
    # schemathesis's "--checks all": every registered check, by name, on
    # positive and negative data both.
    load_all_checks()
    every_check = list(CHECKS.get_all())
    assert {"positive_data_acceptance", "negative_data_rejection"} <= set(
        CHECKS.get_all_names()
    )
    operations = [result.ok() for result in plugin_schema.get_all_operations()]
    assert {operation.label for operation in operations} == {
        "GET /api/v3/comments/",
        "GET /api/v3/comments/token/",
        "GET /api/v3/comments/{comment_id}/",
        "POST /api/v3/comments/",
        "POST /api/v3/comments/{comment_id}/report/",
    }
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    for operation in operations:
        for strategy in strategies(operation, known_ids, modes):

            @given(case=strategy)
            @settings(
                max_examples=25,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def call(case):
                case.call_and_validate(checks=every_check)

            call()
