"""wagtail-dvt: import a blog article and its reader comments into Wagtail."""

__version__ = "0.4.0"
