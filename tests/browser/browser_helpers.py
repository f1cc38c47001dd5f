"""Helpers for the browser tests: logging in, screenshots, axe-core."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dvt_testing import REPO_ROOT

CHROMIUM = Path(os.environ.get("WAGTAIL_DVT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
]
AXE_JS = Path(
    os.environ.get(
        "WAGTAIL_DVT_AXE_JS",
        REPO_ROOT / ".cache/npm/node_modules/axe-core/axe.min.js",
    )
)
SCREENSHOT_DIR = REPO_ROOT / "docs/img"
SCREENSHOTS = os.environ.get("WAGTAIL_DVT_SCREENSHOTS") == "1"
# Generous: CI machines have two cores and run the rest of the suite too.
TIMEOUT_MS = 30_000
USERNAME = "editor"
#: A member of Wagtail's "Editors" group, with the same password.
PAGE_EDITOR = "page-editor"
PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - a throwaway test server


#: Comments on the live site's crowded article.
CROWDED_COMMENTS = 3_000


@dataclass(frozen=True)
class LiveSite:
    url: str
    home_id: int
    article_id: int
    crowded_article_id: int
    #: The site's SQLite file, for checking what a test's clicks stored.
    database: Path
    #: An origin the site allows for CORS (DEMO_CORS_ORIGIN), for a front-end.
    front_origin: str = ""
    username: str = USERNAME
    password: str = PASSWORD

    def __call__(self, path: str) -> str:
        return self.url + path


def log_in(page, site: LiveSite, next_path: str = "/admin/") -> None:
    """Log in through Wagtail's admin login form."""
    page.goto(site(f"/admin/login/?next={next_path}"))
    page.fill("#id_username", site.username)
    page.fill("#id_password", site.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{next_path}")


def screenshot(page, name: str, *, full_page: bool = False) -> None:
    """Save ``docs/img/NAME.png``, only when WAGTAIL_DVT_SCREENSHOTS=1."""
    if SCREENSHOTS:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=full_page)


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core on the page; return its violations of the given impacts."""
    page.add_script_tag(path=str(AXE_JS))
    results = page.evaluate("async () => await axe.run(document)")
    return [v for v in results["violations"] if v["impact"] in impacts]


def describe_violations(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['impact']}: {v['id']} ({v['help']}) at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in violations
    )
