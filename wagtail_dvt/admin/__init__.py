"""The Wagtail admin: the comments moderation viewset, bulk actions, the
dashboard panel, the page editor's Comments tab and the article listings'
comment counts. ``wagtail_hooks`` registers them.
"""
