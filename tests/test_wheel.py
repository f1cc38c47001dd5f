"""Build the wheel, install it in a fresh virtualenv and use it in a new site.

Tests the package as users get it, not the checkout: missing package data, a
template left out or a migration that does not match the models all show up
here and nowhere else. To stay offline-friendly and quick, the new virtualenv
installs only the wheel (``--no-deps``) and borrows every dependency from the
interpreter running the tests through a ``.pth`` file. That directory's own
``.pth`` files are not processed, so the checkout's editable install cannot
shadow the wheel (which ``test_wheel_is_what_the_venv_imports`` checks).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from dvt_testing import BUNDLED_TITLE, REPO_ROOT

# One worker runs them all: the wheel, its venv and its site are built once
# per module, so spread over two workers they were built twice.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("wheel")]

DOCUMENT = "wagtail_dvt/documents/dvt-interventional-radiology.txt"
NEW_VERSION = "0.4.0"
TEMPLATES = [
    "wagtail_dvt/templates/wagtail_dvt/article_page.html",
    "wagtail_dvt/templates/wagtail_dvt/blocks/section.html",
]
CATALOGUES = [
    f"wagtail_dvt/locale/{language}/LC_MESSAGES/django.{kind}"
    for language in ("de", "fr")
    for kind in ("mo", "po")
]
# Django and the test settings must not leak into the new site's processes.
LEAKY_ENV = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "PYTHONPATH", "PYTHONHOME")

REPORT_SCRIPT = """
import json
from django.test import Client
from django.utils import translation
import wagtail_dvt
from wagtail_dvt.models import ArticlePage, CommentStatus

def labels(language):
    with translation.override(language):
        return [
            translation.gettext("Write a comment"),
            translation.pgettext("byline, before the date", "Posted on"),
        ]

pages = ArticlePage.objects.all()
page = pages.first()
response = Client().get(page.url)
print(json.dumps({
    "module": wagtail_dvt.__file__,
    "pages": pages.count(),
    "live": page.live,
    "title": page.title,
    "sections": len(page.body),
    "approved": page.reader_comments.filter(status=CommentStatus.APPROVED).count(),
    "comments": page.reader_comments.count(),
    "status_code": response.status_code,
    "rendered_comments": response.content.decode().count('class="dvt-comment"'),
    "translations": {language: labels(language) for language in ("fr", "de")},
}))
"""


def run(*args, cwd, env=None, check=True):
    """Run a command; on failure, fail with its output."""
    result = subprocess.run(  # noqa: S603 - arguments built by the tests
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, args))} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    return result


def clean_env():
    return {k: v for k, v in os.environ.items() if k not in LEAKY_ENV}


def copy_checkout(tmp_path_factory) -> Path:
    """A copy of the checkout to build from (tests and demo included)."""
    source = tmp_path_factory.mktemp("source") / "wagtail-dvt"
    shutil.copytree(
        REPO_ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv*",
            "build",
            "dist",
            "*.egg-info",
            "__pycache__",
            ".ruff_cache",
            ".pytest_cache",
            "db.sqlite3",
            "media",
            "static_collected",
        ),
    )
    assert (source / "tests").is_dir() and (source / "example_site").is_dir()
    return source


def build_wheel(tmp_path_factory, source) -> Path:
    assert importlib.util.find_spec("build"), (
        "the 'build' package is missing: install wagtail-dvt[testing]"
    )
    dist = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--wheel", "--outdir", dist, source, cwd=source)
    [wheel] = dist.glob("wagtail_dvt-*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a copy of the checkout."""
    return build_wheel(tmp_path_factory, copy_checkout(tmp_path_factory))


@pytest.fixture(scope="module")
def venv(tmp_path_factory, wheel) -> Path:
    """A new virtualenv with only the wheel installed, borrowing dependencies."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    run(sys.executable, "-m", "venv", venv, cwd=venv.parent)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", wheel, cwd=venv)
    purelib = run(
        python,
        "-c",
        "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        cwd=venv,
    ).stdout.strip()
    (Path(purelib) / "_wagtail_dvt_test_deps.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n"
    )
    return venv


@pytest.fixture(scope="module")
def site(tmp_path_factory, venv) -> Path:
    """A ``wagtail start`` project with wagtail-dvt added, migrated."""
    projects = tmp_path_factory.mktemp("projects")
    python = venv / "bin" / "python"
    run(
        python,
        "-m",
        "wagtail.bin.wagtail",
        "start",
        "demo",
        cwd=projects,
        env=clean_env(),
    )
    project = projects / "demo"
    settings = project / "demo" / "settings" / "base.py"
    with settings.open("a") as file:
        file.write('\nINSTALLED_APPS += ["wagtailmarkdown", "wagtail_dvt"]\n')
    run(python, "manage.py", "migrate", "--noinput", cwd=project, env=clean_env())
    return project


def manage(venv, site, *args, check=True):
    return run(
        venv / "bin" / "python",
        "manage.py",
        *args,
        cwd=site,
        env=clean_env(),
        check=check,
    )


def test_wheel_contents(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())

    assert DOCUMENT in names
    assert set(TEMPLATES) <= names
    assert set(CATALOGUES) <= names
    assert "wagtail_dvt/migrations/0001_initial.py" in names
    assert "wagtail_dvt/management/commands/import_article.py" in names
    version = wheel.name.split("-")[1]
    tops = {name.split("/")[0] for name in names}
    assert tops == {"wagtail_dvt", f"wagtail_dvt-{version}.dist-info"}
    assert not any(name.startswith(("tests/", "example_site/")) for name in names)
    assert not any("/tests/" in name or "conftest" in name for name in names)


def test_wheel_holds_every_package_file(wheel):
    """Every file of the package in the checkout is in the wheel."""
    names = set(zipfile.ZipFile(wheel).namelist())
    package = REPO_ROOT / "wagtail_dvt"
    expected = {
        path.relative_to(REPO_ROOT).as_posix()
        for path in package.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert expected - names == set()


def test_wheel_is_what_the_venv_imports(venv):
    found = run(
        venv / "bin" / "python",
        "-c",
        "import wagtail_dvt, wagtail; print(wagtail_dvt.__file__)",
        cwd=venv,
        env=clean_env(),
    ).stdout.strip()

    assert Path(found).resolve().is_relative_to(venv.resolve())
    assert not Path(found).resolve().is_relative_to(REPO_ROOT)


def test_import_into_a_new_wagtail_site(venv, site):
    first = manage(venv, site, "import_article")
    assert f"created {BUNDLED_TITLE!r}" in first.stdout

    report = json.loads(
        manage(venv, site, "shell", "-c", REPORT_SCRIPT).stdout.strip().splitlines()[-1]
    )

    assert Path(report["module"]).resolve().is_relative_to(venv.resolve())
    assert report["pages"] == 1
    assert report["live"] is True
    assert report["title"] == BUNDLED_TITLE
    assert report["sections"] == 8
    assert report["approved"] == 19
    assert report["comments"] == 19
    # The wheel's templates render with the new site's base.html.
    assert report["status_code"] == 200
    assert report["rendered_comments"] == 19
    # The wheel's compiled catalogues are found and used.
    assert report["translations"] == {
        "fr": ["Laisser un commentaire", "Publié le"],
        "de": ["Kommentar schreiben", "Veröffentlicht am"],
    }

    second = manage(venv, site, "import_article")
    assert f"unchanged {BUNDLED_TITLE!r}" in second.stdout
    assert "(0 new)" in second.stdout


def test_migrations_match_the_models(venv, site):
    result = manage(
        venv, site, "makemigrations", "--check", "--dry-run", "wagtail_dvt", check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pip_upgrade_over_the_first_release_installs_this_code(tmp_path_factory, wheel):
    """``pip install -U`` over a 0.1.0 wheel: a version that did not change
    would leave the old code in place ("Requirement already satisfied")."""
    old_source = copy_checkout(tmp_path_factory)
    for name, line in [
        ("pyproject.toml", 'version = "{}"'),
        ("wagtail_dvt/__init__.py", '__version__ = "{}"'),
    ]:
        path = old_source / name
        text = path.read_text(encoding="utf-8")
        assert line.format(NEW_VERSION) in text
        path.write_text(text.replace(line.format(NEW_VERSION), line.format("0.1.0")))
    (old_source / "wagtail_dvt" / "importer" / "identity.py").unlink()
    old_wheel = build_wheel(tmp_path_factory, old_source)
    venv = tmp_path_factory.mktemp("upgrade") / "env"
    run(sys.executable, "-m", "venv", venv, cwd=venv.parent)
    pip = [venv / "bin" / "python", "-m", "pip", "--quiet"]
    run(*pip, "install", "--no-deps", old_wheel, cwd=venv)

    run(
        *pip,
        "install",
        "-U",
        "--no-deps",
        "--no-index",
        "--find-links",
        wheel.parent,
        "wagtail-dvt",
        cwd=venv,
    )

    shown = run(*pip[:-1], "show", "-f", "wagtail-dvt", cwd=venv).stdout
    assert f"Version: {NEW_VERSION}" in shown
    assert "wagtail_dvt/importer/identity.py" in shown
