"""A reader's post while the mail server hangs, against a post with mail off.

A fresh site (no ``TASKS`` setting) posts comments through the page's form
and the v2 API, with Django's test client, in three set-ups: moderators' mail
off; mail on, to a local SMTP port that accepts connections and never answers
(the plugin's background thread waits on it, the reader does not); and, for
comparison, ``ImmediateBackend`` named in ``TASKS``, which runs the mail task
inside the request as the plugin did before tasks. ``NOTIFY_INTERVAL`` is 0,
so that every post enqueues a batch. Prints the median and slowest latency.

    python bench/post_with_hanging_mail.py [--posts 10]
"""

import argparse
import json
import sys
import time

from common import ROOT, median_ms, report, setup_django


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10)
    args = parser.parse_args()

    setup_django()
    sys.path.insert(0, str(ROOT / "tests"))
    from django.conf import global_settings, settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import override_settings
    from dvt_testing import make_article, post_comment_form
    from smtp_servers import HangingServer, mail_settings
    from wagtail.models import Site

    from wagtail_dvt import background

    # A fresh site: Django 6's default TASKS, or none before Django 6.
    settings.TASKS = getattr(global_settings, "TASKS", None)
    get_user_model().objects.create_superuser("mod", "mod@example.com", "x")
    article = make_article(Site.objects.get(is_default_site=True).root_page)
    server = HangingServer()
    client = Client()
    posting = {"FLOOD_INTERVAL": 0, "FORM_TOKEN_MIN_AGE": 0, "NOTIFY_INTERVAL": 0}
    immediate = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }
    setups = {
        "mail off": ({**posting, "NOTIFY_MODERATORS": False}, {}),
        "mail to a hanging server": (posting, {}),
        "same, ImmediateBackend in TASKS": (posting, {"TASKS": immediate}),
    }

    def post_form(number):
        return post_comment_form(client, article, f"Form {number}")

    def post_api(number):
        token = client.get(f"/api/v2/comments/token/?article={article.pk}")
        body = {"article": article.pk, "author_name": "Vic", "body": f"API {number}"}
        return client.post(
            "/api/v2/comments/",
            json.dumps({**body, "token": token.json()["token"]}),
            content_type="application/json",
        )

    rows = [("set-up", "path", "median ms", "slowest ms", "connections")]
    data = {}
    for name, (dvt, extra) in setups.items():
        with override_settings(WAGTAIL_DVT=dvt, **mail_settings(server.port), **extra):
            for path, post in (
                ("form", post_form),
                ("api v2", post_api),
            ):
                samples = []
                before = server.connections
                for number in range(args.posts):
                    start = time.perf_counter()
                    # A new text each time: a repeated one is stored once.
                    response = post(f"{name} {number}")
                    samples.append(time.perf_counter() - start)
                    if response.status_code not in (202, 303):
                        raise SystemExit(f"{name}: {response.status_code}")
                background.wait_until_idle(120)
                median, slowest = median_ms(samples), round(max(samples) * 1000, 1)
                connections = server.connections - before
                rows.append((name, path, median, slowest, connections))
                data[f"{name}, {path}"] = {
                    "median_ms": median,
                    "slowest_ms": slowest,
                    "connections": connections,
                }
    server.close()
    report("post_with_hanging_mail", rows, {"posts": args.posts, "results": data})


if __name__ == "__main__":
    main()
