"""A site's own date formats (``FORMAT_MODULE_PATH``), for the tests."""
