"""Settings shared by every environment of the wagtail-dvt demo site."""

import os
from pathlib import Path

from wagtail import VERSION as WAGTAIL_VERSION

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent

INSTALLED_APPS = [
    "example_site.home",
    "wagtail_dvt",
    "wagtailmarkdown",
    "wagtail.contrib.forms",
    # The sitemap at /sitemap.xml; Django's app holds its template.
    "wagtail.contrib.sitemaps",
    "django.contrib.sitemaps",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail.api.v2",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "rest_framework",
    "corsheaders",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

if WAGTAIL_VERSION >= (8, 0):
    # The v3 API app adds the "API tokens" admin screens; "ninja" serves the
    # interactive docs' assets locally instead of from a CDN.
    INSTALLED_APPS += ["wagtail.api.v3", "ninja"]

MIDDLEWARE = [
    # First, so that it answers CORS preflights itself (see docs/api.md).
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # ETags and 304s on the v3 API's article detail (see docs/deployment.md).
    "wagtail_dvt.middleware.ArticleDetailConditionalMiddleware",
]

ROOT_URLCONF = "example_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "example_site.wsgi.application"

# SQLite by default; CI sets DATABASE_URL to run the same suite on PostgreSQL.
if "DATABASE_URL" in os.environ:
    import dj_database_url

    DATABASES = {
        "default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=600)
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": PROJECT_DIR / "db.sqlite3",
        }
    }

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # runserver serves requests in parallel and SQLite allows one writer at a
    # time: IMMEDIATE transactions queue for it (up to the timeout) instead of
    # failing with "database is locked" when two requests write at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )

if DATABASES["default"]["ENGINE"].endswith(("postgresql", "postgis")):
    # Wagtail's search index uses PostgreSQL-specific fields, which Django 6
    # checks for (postgres.E005); the app must not be installed elsewhere.
    INSTALLED_APPS.append("django.contrib.postgres")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = PROJECT_DIR / "static_collected"
MEDIA_URL = "/media/"
MEDIA_ROOT = PROJECT_DIR / "media"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Complex page models can exceed Django's default of 1000 fields per form.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

WAGTAIL_SITE_NAME = "wagtail-dvt demo"
WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8000"
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "wagtail.search.backends.database"},
}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx"]

# wagtail-dvt options, all optional: an empty dict keeps every default. The keys
# and their defaults are listed in wagtail_dvt/conf.py, for example:
#     WAGTAIL_DVT = {"BASE_TEMPLATE": "base.html"}
WAGTAIL_DVT = {}

# A front-end on another origin may read the API and post comments through it
# (django-cors-headers): only under /api/, and only from the origins listed in
# DEMO_CORS_ORIGIN (comma-separated, e.g. "http://localhost:3000"). No cookies
# cross: anonymous posts carry the API's comment token in their JSON body.
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOWED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("DEMO_CORS_ORIGIN", "").split(",")
    if origin.strip()
]
# A front-end reads these from the API's answers: where a comment was
# published, and how long to wait after a 429.
CORS_EXPOSE_HEADERS = ["Location", "Retry-After"]
