"""The reader page for search engines and feed readers.

A meta description (:mod:`.description`), schema.org JSON-LD
(:mod:`.structured_data`), Open Graph tags (the ``dvt_head`` template tag),
RSS and Atom feeds (:mod:`.feeds`) and sitemap dates (:mod:`.sitemaps`).
"""
