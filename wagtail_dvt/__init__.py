"""wagtail-dvt: import a blog article and its reader comments into Wagtail."""

__version__ = "0.3.1"
