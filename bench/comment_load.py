"""Comment posting under load: gunicorn with 2 workers, a bounded client.

Posts comments to ``POST /api/v2/comments/`` from a fixed number of client
threads on 127.0.0.1, each request from its own reader address, then checks
that every accepted comment is stored exactly once and that nothing answered
5xx. Meant for PostgreSQL (``DATABASE_URL``), as production sites run.

    DATABASE_URL=postgres://... python bench/comment_load.py [--posts 2000]
"""

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from common import ROOT, median_ms, report, setup_django


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port, database_name):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_DATABASE_NAME": database_name,
        "PYTHONPATH": str(ROOT),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(  # noqa: S603 - our venv's gunicorn
        [
            str(gunicorn),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "-k",
            "sync",
            "--log-level",
            "warning",
            "example_site.wsgi",
        ],
        env=env,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


def run_clients(port, article_id, posts, clients):
    statuses, latencies, accepted = Counter(), [], []
    lock = threading.Lock()
    numbers = iter(range(posts))

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for number in numbers:
            body = json.dumps(
                {
                    "article": article_id,
                    "author_name": f"Load reader {number}",
                    "body": f"Load comment number {number}.",
                }
            )
            headers = {
                "Content-Type": "application/json",
                "X-Forwarded-For": f"10.{number // 65536}.{number // 256 % 256}"
                f".{number % 256}",
            }
            started = time.perf_counter()
            connection.request("POST", "/api/v2/comments/", body, headers)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with lock:
                statuses[response.status] += 1
                latencies.append(elapsed)
                if response.status in (201, 202):
                    accepted.append(number)
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, latencies, accepted, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    connection = setup_django()
    from django.db.models import Count

    from wagtail_dvt.importer import import_document
    from wagtail_dvt.models import Comment

    article_id = import_document().page_id
    connection.close()  # let the server's workers have the database
    port = free_port()
    server = start_server(port, connection.settings_dict["NAME"])
    try:
        statuses, latencies, accepted, seconds = run_clients(
            port, article_id, args.posts, args.clients
        )
    finally:
        server.terminate()
        server.wait()

    stored = Comment.objects.filter(author_name__startswith="Load reader")
    duplicates = stored.values("body").annotate(n=Count("pk")).filter(n__gt=1).count()
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    rows = [
        (
            "posts",
            "clients",
            "requests/s",
            "median ms",
            "accepted",
            "stored",
            "duplicates",
            "5xx",
        ),
        (
            args.posts,
            args.clients,
            f"{args.posts / seconds:.1f}",
            median_ms(latencies),
            len(accepted),
            stored.count(),
            duplicates,
            server_errors,
        ),
    ]
    report(
        "comment_load",
        rows,
        {
            "posts": args.posts,
            "clients": args.clients,
            "requests_per_second": args.posts / seconds,
            "median_ms": median_ms(latencies),
            "statuses": dict(statuses),
            "accepted": len(accepted),
            "stored": stored.count(),
            "duplicates": duplicates,
        },
    )
    if server_errors or duplicates or stored.count() != len(accepted):
        raise SystemExit("comments were lost, duplicated, or the server failed")


if __name__ == "__main__":
    main()
