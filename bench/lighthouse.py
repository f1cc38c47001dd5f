"""Lighthouse scores of the demo's article: performance, accessibility, best
practices and SEO, each out of 100 (the target is 100 in each).

Prepares the demo database as ``make demo`` does (migrate, point the Site at
the server, import the bundled article), serves the demo with ``runserver``
on a free port, runs npm's ``lighthouse`` with Debian's Chromium (never a
downloaded browser), prints the four scores and the audits that cost points,
and stops the server.

    python bench/lighthouse.py \
        --lighthouse .cache/lighthouse/node_modules/lighthouse/cli/index.js

Run by ``make lighthouse``; not by CI, nor by ``make bench``.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANAGE = [sys.executable, str(ROOT / "example_site" / "manage.py")]
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
ARTICLE_SLUG = "the-role-of-interventional-radiology-in-deep-vein-thrombosis-treatment"

POINT_SITE_AT_SERVER = """
import os
from wagtail.models import Site
Site.objects.filter(is_default_site=True).update(
    hostname=os.environ["DEMO_HOST"], port=int(os.environ["DEMO_PORT"])
)
"""


def free_port(host):
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_until_served(url, server, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"The demo server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"The demo server did not answer {url} in {seconds} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lighthouse", required=True, help="lighthouse's cli/index.js")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--node", default=shutil.which("node") or "node")
    args = parser.parse_args()
    if not os.access(args.chromium, os.X_OK):
        raise SystemExit(f"{args.chromium} is missing: run make chromium")

    port = free_port(args.host)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "example_site.settings.dev",
        "DEMO_HOST": args.host,
        "DEMO_PORT": str(port),
        "PYTHONPATH": str(ROOT),
    }
    quiet = {"env": env, "cwd": ROOT, "check": True, "stdout": subprocess.DEVNULL}
    subprocess.run([*MANAGE, "migrate", "--noinput"], **quiet)  # noqa: S603
    subprocess.run(  # noqa: S603
        [*MANAGE, "shell", "--no-imports", "-c", POINT_SITE_AT_SERVER], **quiet
    )
    subprocess.run([*MANAGE, "import_article"], **quiet)  # noqa: S603

    url = f"http://{args.host}:{port}/{ARTICLE_SLUG}/"
    server = subprocess.Popen(  # noqa: S603
        [*MANAGE, "runserver", "--noreload", f"{args.host}:{port}"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_served(url, server)
        with tempfile.TemporaryDirectory() as scratch:
            report_path = Path(scratch) / "report.json"
            subprocess.run(  # noqa: S603
                [
                    args.node,
                    args.lighthouse,
                    url,
                    f"--chrome-path={args.chromium}",
                    "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
                    f"--only-categories={','.join(CATEGORIES)}",
                    "--output=json",
                    f"--output-path={report_path}",
                    "--quiet",
                ],
                env={**os.environ, "CHROME_PATH": args.chromium},
                check=True,
            )
            report = json.loads(report_path.read_text(encoding="utf-8"))
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(f"Lighthouse {report['lighthouseVersion']}: {url}")
    for key in CATEGORIES:
        category = report["categories"][key]
        print(f"{category['title']:<16} {round(category['score'] * 100):>3}")
        for ref in category["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                print(f"    {audit['id']}: {audit['title']} ({audit['score']})")


if __name__ == "__main__":
    main()
